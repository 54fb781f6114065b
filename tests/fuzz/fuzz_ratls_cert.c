/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_ratls_cert -- the RA-TLS peer-certificate verifier (docs/protocol.md §5.5) on
 * arbitrary DER: X.509 parsing, EKU and evidence extraction, the REPORTDATA
 * binding and the self-signature check, with fake quote/policy callbacks.
 *
 * Each input runs twice: once with a fake quote verifier that takes
 * REPORTDATA from the quote body (offset 568, like a v4 quote), and once
 * with one that always reports the REPORTDATA of the example certificate's
 * key, so mutants of that seed get past the binding to the signature check
 * and the policy callback.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <psa/crypto.h>

#include "migtd/ratls.h"

/* SHA384 of the example certificate's public key || 16 zero bytes. */
static const uint8_t example_rd[TDREPORT_REPORT_DATA_SIZE] = {
	0x58, 0x78, 0xcd, 0xda, 0x96, 0xa8, 0x91, 0x85, 0xdb, 0x8e, 0x85, 0x58,
	0xf4, 0x77, 0xe2, 0x78, 0x4f, 0x5b, 0xf6, 0x7c, 0xeb, 0x0b, 0xec, 0x86,
	0x05, 0x4c, 0x88, 0x6b, 0xd5, 0x56, 0xb2, 0x6e, 0x1a, 0x42, 0x31, 0xaf,
	0xe6, 0xf5, 0x9e, 0xf8, 0xa3, 0x5f, 0x47, 0x7f, 0x47, 0x07, 0x08, 0xe9,
};

static int quote_from_body(void *ctx, const uint8_t *quote, size_t len,
			   uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	(void)ctx;
	memset(report, 0, MIGTD_VERIFIED_REPORT_SIZE);
	if (len < 632)
		return MIGTD_ERR_QUOTE;
	memcpy(report + MIGTD_VR_REPORT_DATA, quote + 568, 64);
	return MIGTD_OK;
}

static int quote_example_key(void *ctx, const uint8_t *quote, size_t len,
			     uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	(void)ctx;
	(void)quote;
	(void)len;
	memset(report, 0, MIGTD_VERIFIED_REPORT_SIZE);
	memcpy(report + MIGTD_VR_REPORT_DATA, example_rd, sizeof(example_rd));
	return MIGTD_OK;
}

static int policy(void *ctx, bool is_src, const uint8_t local[MIGTD_VERIFIED_REPORT_SIZE],
		  const uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE], const uint8_t *evlog, size_t len)
{
	size_t i, sum = 0;

	(void)ctx;
	(void)is_src;
	/* Touch every byte handed over, so ASan checks the extents. */
	for (i = 0; i < len; i++)
		sum += evlog[i];
	for (i = 0; i < MIGTD_VERIFIED_REPORT_SIZE; i++)
		sum += local[i] ^ peer[i];
	return sum & 1 ? MIGTD_ERR_POLICY : MIGTD_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	static const uint8_t local_quote[640];
	struct ratls_callbacks cb1 = { quote_from_body, policy, NULL };
	struct ratls_callbacks cb2 = { quote_example_key, policy, NULL };
	struct ratls_verifier v = { &cb1, true, local_quote, sizeof(local_quote) };
	const char *reason;
	int ret;

	if (!inited) {
		if (psa_crypto_init() != PSA_SUCCESS)
			return 0;
		inited = 1;
	}
	ret = migtd_ratls_verify_peer_cert(&v, data, size, &reason);
	if (ret != MIGTD_OK && ret != MIGTD_ERR_PEER_CERT && ret != MIGTD_ERR_QUOTE &&
	    ret != MIGTD_ERR_POLICY)
		__builtin_trap();
	if (reason == NULL)
		__builtin_trap();
	v.cb = &cb2;
	v.is_src = false;
	ret = migtd_ratls_verify_peer_cert(&v, data, size, &reason);
	if (ret != MIGTD_OK && ret != MIGTD_ERR_PEER_CERT && ret != MIGTD_ERR_POLICY)
		__builtin_trap();
	return 0;
}
