/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_getquote -- the GetQuote buffer and the QGS messages in it (docs/protocol.md
 * §2.6), both directions. The first input byte picks which QGS message the
 * GetQuote data is read as; accepted messages are rebuilt and parsed again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/ghci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[1 << 16];

static void qgs(const uint8_t *m, size_t n)
{
	struct ghci_qgs_get_quote_req qr;
	struct ghci_qgs_get_quote_resp qp, qp2;
	struct ghci_qgs_get_collateral_req cr, cr2;
	struct ghci_qgs_get_collateral_resp cp, cp2;
	size_t on;

	if (migtd_ghci_qgs_get_quote_req_parse(m, n, &qr) == MIGTD_OK) {
		if (migtd_ghci_qgs_get_quote_req_build(out, sizeof(out), qr.report.p, qr.report.len,
						       qr.id_list.p, qr.id_list.len, &on) ||
		    on != n || memcmp(out + 16, m + 16, n - 16))
			abort();
	}
	if (migtd_ghci_qgs_get_quote_resp_parse(m, n, &qp) == MIGTD_OK) {
		if (migtd_ghci_qgs_get_quote_resp_build(out, sizeof(out), 0, &qp, &on) ||
		    migtd_ghci_qgs_get_quote_resp_parse(out, on, &qp2) ||
		    qp2.quote.len != qp.quote.len || memcmp(qp2.quote.p, qp.quote.p, qp.quote.len))
			abort();
	}
	if (migtd_ghci_qgs_get_collateral_req_parse(m, n, &cr) == MIGTD_OK) {
		if (migtd_ghci_qgs_get_collateral_req_build(out, sizeof(out), cr.fmspc.p,
							    (const char *)cr.pck_ca.p, &on) ||
		    migtd_ghci_qgs_get_collateral_req_parse(out, on, &cr2) ||
		    cr2.pck_ca.len != cr.pck_ca.len)
			abort();
	}
	if (migtd_ghci_qgs_get_collateral_resp_parse(m, n, &cp) == MIGTD_OK) {
		if (migtd_ghci_qgs_get_collateral_resp_build(out, sizeof(out), 0, &cp, &on) ||
		    on != n || migtd_ghci_qgs_get_collateral_resp_parse(out, on, &cp2))
			abort();
		for (int i = 0; i < GHCI_QGS_COLLATERAL_BLOBS; i++)
			if (cp2.blob[i].len != cp.blob[i].len ||
			    memcmp(cp2.blob[i].p, cp.blob[i].p, cp.blob[i].len))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ghci_getquote_hdr h;
	const uint8_t *m;
	size_t ml, on;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	/* TD side: the VMM's completion. */
	if (migtd_ghci_getquote_rsp_parse(copy, size, &h, &m, &ml) == MIGTD_OK) {
		qgs(m, ml);
		/* version is not checked on completion: compare from offset 8 */
		if (migtd_ghci_getquote_rsp_build(out, sizeof(out), h.status, h.in_len, m, ml,
						  &on) == 0 &&
		    memcmp(out + 8, copy + 8, on - 8))
			abort();
	}
	/* VMM side: the TD's request. */
	if (migtd_ghci_getquote_req_parse(copy, size, &h, &m, &ml) == MIGTD_OK) {
		qgs(m, ml);
		if (migtd_ghci_getquote_req_build(out, sizeof(out), m, ml, &on) == 0 &&
		    h.status == 0 && h.out_len == 0 && memcmp(out, copy, on))
			abort();
	}
	/* The whole input as a bare QGS message. */
	qgs(copy, size);
	free(copy);
	return 0;
}
