/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_policy_v2 -- the signed policy v2 file parser and the pre-session blob
 * decoder on arbitrary bytes (docs/policy-v2.md).
 *
 * The whole input is the signed file: it is parsed (structure, schema, caps,
 * rules) and, when that succeeds, evaluated against a fixed verified report,
 * so the evaluator sees every rule shape the parser lets through. The
 * signature path runs with the input split as a pre-session blob: a blob
 * whose two parts decode is loaded with its own chain part.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/policy_v2.h"
#include "migtd/presession.h"
#include "policy_v2_internal.h"

static struct migtd_policy_v2 pol;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];
	struct migtd_pv2_explain ex;
	struct migtd_presession_blob blob;
	uint8_t *doc;
	char text[512];

	memset(report, 0, sizeof(report));
	report[584] = 0x30, report[585] = 0x80, report[586] = 0x6F;
	memcpy(report + 742, "UpToDate", 8);
	for (size_t i = 0; i < size && i < 32; i++)
		report[(data[i] * 7u + i * 13u) % MIGTD_VERIFIED_REPORT_SIZE] ^= data[i];
	/* Exact-size copy so ASan sees any over-read. */
	doc = malloc(size ? size : 1);
	if (!doc)
		return 0;
	memcpy(doc, data, size);
	memset(&ex, 0, sizeof(ex));
	if (migtd_pv2_parse(&pol, doc, size, &ex) == MIGTD_PV2_OK) {
		migtd_policy_v2_evaluate(&pol, &pol, report, size & 0xFF, report, size & 1, &ex);
		migtd_policy_v2_evaluate(&pol, &pol, report, 7, NULL, !(size & 1), NULL);
	}
	migtd_pv2_explain_render(&ex, text, sizeof(text));
	migtd_policy_v2_load(&pol, doc, size, doc, size, NULL);
	if (migtd_presession_blob_decode(doc, size, &blob) == MIGTD_OK)
		migtd_policy_v2_load(&pol, blob.policy, blob.policy_len, blob.chain, blob.chain_len,
				     &ex);
	free(doc);
	return 0;
}
