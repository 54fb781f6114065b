/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_policy -- policy v1 parse + evaluate on arbitrary bytes.
 *
 * The strict parse (tools) and migtd_policy_lint (MigTD) run on it too.
 *
 * Input layout: the whole input is the policy document; the peer report is
 * a fixed report.dat-like blob perturbed by the input's first bytes, so the
 * evaluator's branches (platform match, masks, ranges) are reached too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/eventlog.h"
#include "migtd/policy.h"

static struct policy_workspace ws;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t local[MIGTD_VERIFIED_REPORT_SIZE], peer[MIGTD_VERIFIED_REPORT_SIZE];
	struct policy_explain ex;
	struct eventlog_parsed logs;
	struct policy_input in;
	uint8_t *doc;
	char text[1024];

	/* A plausible report: FMSPC 30806F000000, module major 1. */
	memset(local, 0, sizeof(local));
	local[584] = 0x30, local[585] = 0x80, local[586] = 0x6F;
	local[624] = 1;
	memcpy(peer, local, sizeof(peer));
	for (size_t i = 0; i < size && i < 64; i++)
		peer[(data[i] * 7u + i * 13u) % MIGTD_VERIFIED_REPORT_SIZE] ^= data[i];
	migtd_eventlog_parsed_empty(&logs);
	/* Exact-size copy so ASan sees any over-read. */
	doc = malloc(size ? size : 1);
	if (!doc)
		return 0;
	memcpy(doc, data, size);
	in =
		(struct policy_input){ local, sizeof(local), peer,    sizeof(peer),
				       &logs, &logs,         size & 1 };
	migtd_policy_eval_doc(&ws, doc, size, &in, &ex);
	migtd_policy_explain_render(&ex, text, sizeof(text));
	in.is_src = !in.is_src;
	in.local_report = peer;
	in.peer_report = local;
	migtd_policy_eval_doc(&ws, doc, size, &in, NULL);
	/* The tools' strict parse and the MigTD's lint walk the same bytes. */
	{
		struct policy_parse_error e;
		bool unknown;

		migtd_policy_parse_strict(&ws, doc, size, &e);
		migtd_policy_lint(&ws, doc, size, &e, &unknown);
	}
	free(doc);
	return 0;
}
