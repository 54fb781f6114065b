/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * psa_random.c -- the randomness source of a MigTD (and of every other
 * program, test and benchmark) running as a Linux process.
 *
 * On TDX hardware randomness comes from RDSEED/RDRAND inside the TD
 * (platform/tdx); a MigTD process on the emulated platform uses the
 * kernel's CSPRNG, which plays the same role. mbedTLS's PSA core draws all
 * its randomness (ECDHE shares, ECDSA nonces, key generation) from here
 * because the build enables MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG.
 */
#include <stddef.h>
#include <stdint.h>

#include <psa/crypto.h>

#include "emu_link_fd.h"

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length);

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length)
{
	(void)context;
	/* The same getrandom() source the platform link hands the core. */
	if (emu_linux_random(output, output_size) != MIGTD_OK) {
		*output_length = 0;
		return PSA_ERROR_INSUFFICIENT_ENTROPY;
	}
	*output_length = output_size;
	return PSA_SUCCESS;
}
