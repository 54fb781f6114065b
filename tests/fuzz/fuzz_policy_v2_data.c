/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_policy_v2_data -- a policy v2 policyData object on arbitrary bytes
 * (docs/policy-v2.md): the input is wrapped as the policyData of a signed
 * file, parsed, and evaluated in both directions against a verified report
 * perturbed by the input, so the rule table and the mandatory deny see
 * whatever the parser accepts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/policy_v2.h"
#include "policy_v2_internal.h"

static struct migtd_policy_v2 pol;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "{\"policyData\":", tail[] = ",\"signature\":\"00\"}";
	static uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];
	struct migtd_pv2_explain ex;
	size_t n = sizeof(head) - 1 + size + sizeof(tail) - 1;
	uint8_t *doc;
	char text[512];

	if (size > MIGTD_PV2_MAX_POLICY)
		return 0;
	memset(report, 0, sizeof(report));
	report[584] = 0x30, report[585] = 0x80, report[586] = 0x6F;
	memcpy(report + 742, (size & 2) ? "ConfigurationNeeded" : "UpToDate", (size & 2) ? 19 : 8);
	for (size_t i = 0; i < size && i < 32; i++)
		report[(data[i] * 5u + i * 11u) % MIGTD_VERIFIED_REPORT_SIZE] ^= data[i];
	doc = malloc(n);
	if (!doc)
		return 0;
	memcpy(doc, head, sizeof(head) - 1);
	memcpy(doc + sizeof(head) - 1, data, size);
	memcpy(doc + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
	memset(&ex, 0, sizeof(ex));
	if (migtd_pv2_parse(&pol, doc, n, &ex) == MIGTD_PV2_OK) {
		migtd_policy_v2_evaluate(&pol, &pol, report, (uint32_t)size, report, true, &ex);
		migtd_policy_v2_evaluate(&pol, &pol, report, 0, report, false, &ex);
		migtd_policy_v2_evaluate(&pol, &pol, report, 0, NULL, true, &ex);
	}
	migtd_pv2_explain_render(&ex, text, sizeof(text));
	free(doc);
	return 0;
}
