/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_service_response -- TDG.VP.VMCALL<Service> buffers (docs/protocol.md §2.2): the
 * responses MigTD parses (Query, WaitForRequest + HOB list, ReportStatus)
 * and the commands the emulated VMM parses. Accepted inputs are rebuilt and
 * parsed again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/ghci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[8192];

static void query_roundtrip(const struct ghci_query *q)
{
	struct ghci_query b;
	size_t n;

	if (migtd_ghci_query_rsp_build(out, sizeof(out), q->status, &q->guid, &n))
		abort();
	if (migtd_ghci_query_rsp_parse(out, n, &b) != MIGTD_OK || b.status != q->status)
		abort();
}

static void wfr_roundtrip(const struct ghci_wfr_rsp *w)
{
	struct ghci_wfr_rsp b;
	size_t n;

	if (migtd_ghci_wfr_rsp_build(out, sizeof(out), w->operation, w->hob, w->hob_len, &n))
		return; /* larger than our buffer */
	if (migtd_ghci_wfr_rsp_parse(out, n, &b) != MIGTD_OK || b.operation != w->operation ||
	    b.hob_len != w->hob_len || (w->hob_len && memcmp(b.hob, w->hob, w->hob_len)))
		abort();
}

static void cmd_roundtrip(const struct ghci_migtd_cmd *c)
{
	struct ghci_migtd_cmd b;
	size_t n;
	int err;

	if (c->command == GHCI_MIGTD_CMD_REPORT_STATUS)
		err = migtd_ghci_report_cmd_build(out, sizeof(out), c->mig_request_id, c->status,
						  &n);
	else if (c->command == GHCI_MIGTD_CMD_WAIT_FOR_REQUEST)
		err = migtd_ghci_wfr_cmd_build(out, sizeof(out), &n);
	else
		err = migtd_ghci_shutdown_cmd_build(out, sizeof(out), &n);
	if (err || migtd_ghci_migtd_cmd_parse(out, n, &b) != MIGTD_OK || memcmp(&b, c, sizeof(b)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ghci_service_rsp rsp;
	struct ghci_query q;
	struct ghci_wfr_rsp w;
	struct ghci_migtd_cmd c;
	struct ghci_service_cmd sc;
	struct migtd_migration_request req;
	bool has;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	(void)migtd_ghci_service_rsp_parse(copy, size, &migtd_ghci_guid_service_common, &rsp);
	if (migtd_ghci_query_rsp_parse(copy, size, &q) == MIGTD_OK)
		query_roundtrip(&q);
	if (migtd_ghci_wfr_rsp_parse(copy, size, &w) == MIGTD_OK)
		wfr_roundtrip(&w);
	(void)migtd_ghci_wfr_rsp_parse_request(copy, size, HOB_MODE_DEFAULT, true, &has, &req);
	(void)migtd_ghci_wfr_rsp_parse_request(copy, size, HOB_MODE_STRICT, false, &has, &req);
	(void)migtd_ghci_report_rsp_parse(copy, size);
	/* VMM side */
	(void)migtd_ghci_service_cmd_parse(copy, size, &sc);
	(void)migtd_ghci_query_cmd_parse(copy, size, &q);
	if (migtd_ghci_migtd_cmd_parse(copy, size, &c) == MIGTD_OK)
		cmd_roundtrip(&c);
	free(copy);
	return 0;
}
