/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * rootca.c -- see rootca.h.
 */
/* The certificate's signature fields are private in mbedTLS 3; this file
 * reads them (no other way to check a trust anchor's own signature: the
 * chain verifier accepts a certificate found in the trusted list as is). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "rootca.h"

static const char PEM_BEGIN[] = "-----BEGIN CERTIFICATE-----";

static int has_pem(const uint8_t *in, size_t len)
{
	size_t n = sizeof(PEM_BEGIN) - 1;

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(in + i, PEM_BEGIN, n))
			return 1;
	return 0;
}

int rootca_canonical(const uint8_t *in, size_t len, uint8_t **der, size_t *der_len, char *why,
		     size_t why_len)
{
	mbedtls_x509_crt crt;
	const mbedtls_ecp_keypair *kp;
	const mbedtls_md_info_t *md;
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];
	uint8_t *pem = NULL;
	int ret = -1, r;

	*der = NULL;
	*der_len = 0;
	mbedtls_x509_crt_init(&crt);
	if (len == 0) {
		snprintf(why, why_len, "the file is empty");
		goto out;
	}
	if (has_pem(in, len)) {
		/* mbedTLS wants the PEM text NUL-terminated, length included. */
		pem = malloc(len + 1);
		if (!pem) {
			snprintf(why, why_len, "out of memory");
			goto out;
		}
		memcpy(pem, in, len);
		pem[len] = 0;
		r = mbedtls_x509_crt_parse(&crt, pem, len + 1);
		if (r != 0) {
			snprintf(why, why_len, "not one valid PEM X.509 certificate (-0x%04x)",
				 (unsigned)-r);
			goto out;
		}
	} else {
		r = mbedtls_x509_crt_parse_der(&crt, in, len);
		if (r != 0) {
			snprintf(why, why_len,
				 "neither a DER nor a PEM X.509 certificate (-0x%04x)",
				 (unsigned)-r);
			goto out;
		}
		if (crt.raw.len != len) {
			snprintf(why, why_len, "%zu bytes follow the DER certificate",
				 len - crt.raw.len);
			goto out;
		}
	}
	if (crt.next && crt.next->raw.len) {
		snprintf(why, why_len, "more than one certificate (enroll the root only)");
		goto out;
	}
	if (mbedtls_x509_crt_get_ca_istrue(&crt) != 1) {
		snprintf(why, why_len, "not a CA certificate (no basicConstraints CA:TRUE)");
		goto out;
	}
	if (mbedtls_pk_get_type(&crt.pk) != MBEDTLS_PK_ECKEY || !(kp = mbedtls_pk_ec(crt.pk)) ||
	    mbedtls_ecp_keypair_get_group_id(kp) != MBEDTLS_ECP_DP_SECP256R1) {
		snprintf(why, why_len, "the key is not ECDSA P-256 (what quote verification uses)");
		goto out;
	}
	if (crt.issuer_raw.len != crt.subject_raw.len ||
	    memcmp(crt.issuer_raw.p, crt.subject_raw.p, crt.subject_raw.len) != 0) {
		snprintf(why, why_len, "not a root: issuer and subject differ");
		goto out;
	}
	if (psa_crypto_init() != PSA_SUCCESS) {
		snprintf(why, why_len, "PSA crypto initialisation failed");
		goto out;
	}
	/* The self-signature, checked directly: mbedtls_x509_crt_verify with
	 * the certificate as its own trust anchor would skip it. Validity
	 * dates are checked at migration time, not enrolment. */
	md = mbedtls_md_info_from_type(crt.sig_md);
	if (!md || crt.sig_pk != MBEDTLS_PK_ECDSA ||
	    mbedtls_md(md, crt.tbs.p, crt.tbs.len, hash) != 0 ||
	    mbedtls_pk_verify(&crt.pk, crt.sig_md, hash, mbedtls_md_get_size(md), crt.sig.p,
			      crt.sig.len) != 0) {
		snprintf(why, why_len, "the self-signature does not verify");
		goto out;
	}
	*der = malloc(crt.raw.len);
	if (!*der) {
		snprintf(why, why_len, "out of memory");
		goto out;
	}
	memcpy(*der, crt.raw.p, crt.raw.len);
	*der_len = crt.raw.len;
	ret = 0;
out:
	mbedtls_x509_crt_free(&crt);
	free(pem);
	return ret;
}
