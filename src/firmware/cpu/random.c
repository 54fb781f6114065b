/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * random.c -- the firmware's randomness: RDSEED when the CPU has it, else
 * RDRAND (QEMU's TCG `-cpu max` implements RDRAND from the host's
 * getrandom; a TD has both). mbedTLS's PSA core draws every random byte
 * (ECDHE shares, ECDSA nonces, key generation) through
 * mbedtls_psa_external_get_random below, because the build enables
 * MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG. Without either instruction there is no
 * randomness at all and every caller fails (no weak fallback).
 */
#include "../fw.h"

#include <stdbool.h>

#include <psa/crypto.h>

#include "migtd/err.h"

#define CPUID1_ECX_RDRAND (1u << 30)
#define CPUID7_EBX_RDSEED (1u << 18)
/* Intel's DRNG guide: retry RDRAND 10 times; RDSEED may need many more
 * (it waits for fresh entropy), so it gets more tries, then RDRAND. */
#define RDRAND_TRIES 10u
#define RDSEED_TRIES 100u

enum { SRC_UNKNOWN = 0, SRC_NONE, SRC_RDRAND, SRC_RDSEED };

static int source;

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static int detect(void)
{
	uint32_t r[4];
	uint32_t max;
	bool has_rdrand, has_rdseed = false;

	cpuid(0, 0, r);
	max = r[0];
	cpuid(1, 0, r);
	has_rdrand = (r[2] & CPUID1_ECX_RDRAND) != 0;
	if (max >= 7) {
		cpuid(7, 0, r);
		has_rdseed = (r[1] & CPUID7_EBX_RDSEED) != 0;
	}
	if (has_rdseed)
		return SRC_RDSEED;
	return has_rdrand ? SRC_RDRAND : SRC_NONE;
}

static bool rdrand64(uint64_t *v)
{
	uint8_t ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
	return ok != 0;
}

static bool rdseed64(uint64_t *v)
{
	uint8_t ok;

	__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
	return ok != 0;
}

static bool word(uint64_t *v)
{
	if (source == SRC_RDSEED)
		for (unsigned int i = 0; i < RDSEED_TRIES; i++)
			if (rdseed64(v))
				return true;
	for (unsigned int i = 0; i < RDRAND_TRIES; i++)
		if (rdrand64(v))
			return true;
	return false;
}

const char *fw_random_source(void)
{
	if (source == SRC_UNKNOWN)
		source = detect();
	return source == SRC_RDSEED ? "RDSEED" : source == SRC_RDRAND ? "RDRAND" : "none";
}

int fw_random(void *buf, size_t len)
{
	uint8_t *out = buf;
	uint64_t v = 0;
	int ret = MIGTD_OK;

	if (source == SRC_UNKNOWN)
		source = detect();
	if (source == SRC_NONE)
		return MIGTD_ERR_CRYPTO;
	while (len) {
		size_t n = len < 8 ? len : 8;

		if (!word(&v)) {
			ret = MIGTD_ERR_CRYPTO;
			break;
		}
		/* cppcheck-suppress knownConditionTrueFalse ; false positive: n is 1..8 */
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)(v >> (8 * i));
		out += n;
		len -= n;
	}
	/* Not a secret by itself, but it is the last word handed out. */
	__asm__ volatile("" : : "r"(&v) : "memory");
	v = 0;
	return ret;
}

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length);

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length)
{
	(void)context;
	*output_length = 0;
	if (fw_random(output, output_size) != MIGTD_OK)
		return PSA_ERROR_INSUFFICIENT_ENTROPY;
	*output_length = output_size;
	return PSA_SUCCESS;
}
