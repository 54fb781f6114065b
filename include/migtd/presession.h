/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * presession.h -- the policy-v2 pre-session exchange (docs/protocol.md §5.7):
 * the messages two v2 MigTDs trade on the raw stream before TLS, and the
 * pre-session data blob (own signed policy + issuer chain) they carry.
 *
 * Every message is an 8-byte header {u8 type, u8 reserved[3], u32 length}
 * followed by `length` payload bytes:
 *
 *   HELLO            type 0xFF, length 8: "MGTD", u16 lowest, u16 highest
 *   PRE_SESSION_DATA type 0x01, length n: the blob
 *   START_SESSION    type 0x02, length 0
 *
 * Both sides send message k, then receive message k, k = HELLO, DATA, START.
 * This module only encodes and decodes; the session drives the stream.
 * Every decoding error is a malformed peer message (status 1 through the
 * MIGTD_ERR_* value returned); stream failures are the caller's (5).
 *
 * Limits: a PRE_SESSION_DATA payload above MIGTD_PRESESSION_MAX_BLOB is
 * refused from its header alone, before anything is allocated or read, so a
 * peer (or the VMM relaying it) announcing 4 GiB costs us 8 bytes.
 */
#ifndef MIGTD_PRESESSION_H
#define MIGTD_PRESESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/err.h"

#define MIGTD_PRESESSION_HDR_SIZE 8u
#define MIGTD_PRESESSION_TYPE_DATA 0x01u
#define MIGTD_PRESESSION_TYPE_START 0x02u
#define MIGTD_PRESESSION_TYPE_HELLO 0xFFu
#define MIGTD_PRESESSION_HELLO_SIZE 8u
/* The one pre-session protocol version there is (upstream: 1.0 as 0x0100). */
#define MIGTD_PRESESSION_VERSION 0x0100u

/*
 * Largest PRE_SESSION_DATA payload we accept: 1 MiB, the bound upstream
 * itself added later for the same reason. The blob is one signed policy
 * plus one PEM chain; upstream's largest shipped v2 policy (the test policy
 * with collateral for its platforms) is ~134 KB and a three-certificate
 * chain is ~3 KB, so 1 MiB leaves room for collateral of several times as
 * many FMSPCs while one session can never take more than 1 MiB of heap.
 */
#define MIGTD_PRESESSION_MAX_BLOB (1024u * 1024u)

struct migtd_presession_hdr {
	uint8_t type;
	uint32_t length; /* payload bytes that follow */
};

struct migtd_presession_hello {
	uint16_t lowest;  /* lowest pre-session version supported */
	uint16_t highest; /* highest pre-session version supported */
};

/* ---- headers --------------------------------------------------------------- */

/* Write the 8-byte header {type, 0, 0, 0, length LE}. */
void migtd_presession_hdr_write(uint8_t out[MIGTD_PRESESSION_HDR_SIZE], uint8_t type,
				uint32_t length);

/*
 * Decode exactly MIGTD_PRESESSION_HDR_SIZE bytes (fewer: MIGTD_ERR_TRUNCATED,
 * more: MIGTD_ERR_LENGTH). The reserved bytes are not judged: upstream
 * neither checks them nor gives them a meaning, and refusing them would only
 * break a future peer that uses them.
 */
int migtd_presession_hdr_parse(const uint8_t *buf, size_t len, struct migtd_presession_hdr *out);

/*
 * The header a side expects at step `want_type` (HELLO, DATA or START):
 * another type -> MIGTD_ERR_INVALID; HELLO with length != 8, START with
 * length != 0 -> MIGTD_ERR_LENGTH; DATA longer than MIGTD_PRESESSION_MAX_BLOB
 * -> MIGTD_ERR_LENGTH. All three are InvalidParameter (1), as upstream.
 */
int migtd_presession_hdr_check(const struct migtd_presession_hdr *h, uint8_t want_type);

/* ---- HELLO ----------------------------------------------------------------- */

/* Our HELLO, header and payload: 16 bytes, versions 0x0100..0x0100. */
#define MIGTD_PRESESSION_HELLO_MSG_SIZE (MIGTD_PRESESSION_HDR_SIZE + MIGTD_PRESESSION_HELLO_SIZE)
void migtd_presession_hello_write(uint8_t out[MIGTD_PRESESSION_HELLO_MSG_SIZE],
				  const struct migtd_presession_hello *own);

/* Decode the 8-byte HELLO payload: wrong length -> MIGTD_ERR_TRUNCATED /
 * MIGTD_ERR_LENGTH, magic other than "MGTD" -> MIGTD_ERR_INVALID. */
int migtd_presession_hello_parse(const uint8_t *buf, size_t len,
				 struct migtd_presession_hello *out);

/*
 * The version both speak: min(own.highest, peer.highest), provided it is not
 * below max(own.lowest, peer.lowest); else MIGTD_ERR_VERSION (1). An
 * inverted peer range (lowest > highest) therefore never negotiates.
 */
int migtd_presession_negotiate(const struct migtd_presession_hello *own,
			       const struct migtd_presession_hello *peer, uint16_t *version);

/* ---- the pre-session data blob ------------------------------------------------ */

/*
 * blob = u32 policy_len | policy | u32 chain_len | chain (all LE). Returns the
 * encoded size, or 0 if either part is empty or the sum overflows / exceeds
 * MIGTD_PRESESSION_MAX_BLOB (we never send what we would refuse).
 */
size_t migtd_presession_blob_size(size_t policy_len, size_t chain_len);

/* Encode into out[0..cap); MIGTD_ERR_NOSPACE if cap is short, MIGTD_ERR_LENGTH
 * for the cases migtd_presession_blob_size() returns 0 for. */
int migtd_presession_blob_encode(const uint8_t *policy, size_t policy_len, const uint8_t *chain,
				 size_t chain_len, uint8_t *out, size_t cap, size_t *written);

/* A decoded blob: views into the caller's buffer. */
struct migtd_presession_blob {
	const uint8_t *policy;
	size_t policy_len;
	const uint8_t *chain;
	size_t chain_len;
};

/*
 * Decode a peer's blob exactly: both parts present and non-empty, nothing
 * after the chain. Short -> MIGTD_ERR_TRUNCATED, trailing bytes or len above
 * MIGTD_PRESESSION_MAX_BLOB -> MIGTD_ERR_LENGTH, an empty part ->
 * MIGTD_ERR_INVALID (all status 1). This is the one decoder of the blob:
 * the session and policy v2's peer authentication (docs/policy-v2.md) both
 * use it; the policy adds its own per-part caps on top.
 */
int migtd_presession_blob_decode(const uint8_t *buf, size_t len, struct migtd_presession_blob *out);

#endif /* MIGTD_PRESESSION_H */
