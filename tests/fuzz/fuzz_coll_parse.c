/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_coll_parse -- a GetQuote buffer as the VMM completes it for
 * GET_COLLATERAL (docs/protocol.md §2.6): GHCI header, size prefix, QGS header, seven
 * blob sizes and blobs, then the date window over the CRLs, the TCB Info /
 * QE Identity JSON and the signing chains (migtd_coll_parse, the only
 * parser the collateral cache adds; src/core/session/collateral_cache.c).
 * Everything in the buffer is the VMM's; nothing may be read outside it.
 * Seeds: tests/fuzz/seeds/coll_parse (an emulated platform's answer).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/collateral_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct migtd_quote_collateral c;
	/* An exact-size heap copy so ASan sees any read past the end. */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (migtd_coll_parse(buf, size, &c) == MIGTD_OK) {
		/* Every view lies inside the buffer. */
		const uint8_t *end = buf + size;

		if (c.tcb_info < buf || c.tcb_info + c.tcb_info_len > end || c.qe_identity < buf ||
		    c.qe_identity + c.qe_identity_len > end || c.pck_crl < buf ||
		    c.pck_crl + c.pck_crl_len > end || c.root_crl < buf ||
		    c.root_crl + c.root_crl_len > end)
			abort();
	}
	free(buf);
	return 0;
}
