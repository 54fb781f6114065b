/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_quote.c -- quote parser + full verification against the production
 * Intel root key (raw 65-byte form: no file access in the fuzzer).
 * The first input byte selects an optional collateral mode so the TCB Info
 * JSON walker is fuzzed too (the rest of the input is then the JSON).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "migtd/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t root_key[65] = {
	0x04, 0x0b, 0xa9, 0xc4, 0xc0, 0xc0, 0xc8, 0x61, 0x93, 0xa3, 0xfe, 0x23, 0xd6,
	0xb0, 0x2c, 0xda, 0x10, 0xa8, 0xbb, 0xd4, 0xe8, 0x8e, 0x48, 0xb4, 0x45, 0x85,
	0x61, 0xa3, 0x6e, 0x70, 0x55, 0x25, 0xf5, 0x67, 0x91, 0x8e, 0x2e, 0xdc, 0x88,
	0xe4, 0x0d, 0x86, 0x0b, 0xd0, 0xcc, 0x4e, 0xe2, 0x6a, 0xac, 0xc9, 0x88, 0xe5,
	0x05, 0xa9, 0x53, 0x55, 0x8c, 0x45, 0x3f, 0x6b, 0x09, 0x04, 0xae, 0x73, 0x94,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct migtd_quote_verify_result res;
	struct migtd_quote q;
	struct migtd_pck_ext ext;
	uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];
	struct migtd_quote_verify_params p = {
		.root_ca = root_key,
		.root_ca_len = sizeof(root_key),
		.now = 1688173200, /* 2023-07-01T01:00:00Z */
	};
	int64_t t;

	(void)migtd_quote_parse(data, size, &q);
	(void)migtd_quote_verify(data, size, &p, &res, report);
	(void)migtd_pck_ext_parse(data, size, &ext);
	(void)migtd_quote_collateral_time(data, size, &t);
	return 0;
}
