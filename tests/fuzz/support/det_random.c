/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * det_random.c -- see det_random.h.
 */
#include <stdint.h>
#include <string.h>

#include <psa/crypto.h>

#include "det_random.h"
#include "world.h"

static uint64_t state[3];

void det_random_reset(void)
{
	for (unsigned i = 0; i < 3; i++)
		state[i] = 0x6d696774642d6332ull + i; /* "migtd-c2" */
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length);

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length)
{
	/* Streams: 0 source, 1 destination (world_heap_side), 2 the harness. */
	uint64_t *s = &state[world_heap_side < 0 ? 2 : world_heap_side & 1];

	(void)context;
	for (size_t i = 0; i < output_size; i += 8) {
		uint64_t v = splitmix64(s);
		size_t n = output_size - i < 8 ? output_size - i : 8;

		memcpy(output + i, &v, n);
	}
	*output_length = output_size;
	return PSA_SUCCESS;
}
