/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * psa_random.c -- mbedTLS's PSA randomness hook inside a TD: RDRAND through
 * tdx_random (see src/emulink/psa_random.c for the
 * Linux counterpart; exactly one of them is linked into a binary).
 */
#include <psa/crypto.h>

#include "tdx.h"

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length);

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length)
{
	(void)context;
	*output_length = 0;
	if (tdx_random(output, output_size) != MIGTD_OK)
		return PSA_ERROR_INSUFFICIENT_ENTROPY;
	*output_length = output_size;
	return PSA_SUCCESS;
}
