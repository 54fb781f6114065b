/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * libFuzzer target: what a peer sends in the policy-v2 pre-session exchange
 * (docs/protocol.md §5.7), read the way the session reads it: a HELLO
 * header and payload, a PRE_SESSION_DATA header and its blob, a START
 * header. Invariants: no crash or over-read; a DATA header above the cap is
 * refused from the header alone; a decoded blob lies inside the input and
 * re-encodes to exactly the same bytes; a negotiated version lies inside
 * both ranges.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/presession.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_blob(const uint8_t *p, size_t n)
{
	struct migtd_presession_blob b;
	uint8_t *re;
	size_t w = 0;

	if (migtd_presession_blob_decode(p, n, &b) != MIGTD_OK)
		return;
	if (b.policy < p || b.policy + b.policy_len > p + n || b.chain < p ||
	    b.chain + b.chain_len > p + n || b.policy_len == 0 || b.chain_len == 0)
		abort();
	if (migtd_presession_blob_size(b.policy_len, b.chain_len) != n)
		abort();
	re = malloc(n);
	if (re == NULL)
		return;
	if (migtd_presession_blob_encode(b.policy, b.policy_len, b.chain, b.chain_len, re, n, &w) !=
		    MIGTD_OK ||
	    w != n || memcmp(re, p, n) != 0)
		abort();
	free(re);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct migtd_presession_hello own = { MIGTD_PRESESSION_VERSION,
							   MIGTD_PRESESSION_VERSION };
	struct migtd_presession_hdr h;
	struct migtd_presession_hello peer;
	size_t off = 0;
	uint16_t v = 0;

	/* The whole input as a blob on its own. */
	check_blob(data, size);

	/* HELLO */
	if (size - off < MIGTD_PRESESSION_HDR_SIZE ||
	    migtd_presession_hdr_parse(data + off, MIGTD_PRESESSION_HDR_SIZE, &h) != MIGTD_OK)
		return 0;
	off += MIGTD_PRESESSION_HDR_SIZE;
	if (migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_HELLO) != MIGTD_OK)
		return 0;
	if (size - off < h.length ||
	    migtd_presession_hello_parse(data + off, h.length, &peer) != MIGTD_OK)
		return 0;
	off += h.length;
	if (migtd_presession_negotiate(&own, &peer, &v) == MIGTD_OK &&
	    (v < peer.lowest || v > peer.highest || v < own.lowest || v > own.highest))
		abort();

	/* PRE_SESSION_DATA */
	if (size - off < MIGTD_PRESESSION_HDR_SIZE ||
	    migtd_presession_hdr_parse(data + off, MIGTD_PRESESSION_HDR_SIZE, &h) != MIGTD_OK)
		return 0;
	off += MIGTD_PRESESSION_HDR_SIZE;
	if (migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_DATA) != MIGTD_OK) {
		if (h.type == MIGTD_PRESESSION_TYPE_DATA && h.length <= MIGTD_PRESESSION_MAX_BLOB)
			abort();
		return 0;
	}
	if (h.length > MIGTD_PRESESSION_MAX_BLOB)
		abort();
	if (size - off < h.length)
		return 0;
	check_blob(data + off, h.length);
	off += h.length;

	/* START_SESSION */
	if (size - off < MIGTD_PRESESSION_HDR_SIZE ||
	    migtd_presession_hdr_parse(data + off, MIGTD_PRESESSION_HDR_SIZE, &h) != MIGTD_OK)
		return 0;
	(void)migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_START);
	return 0;
}
