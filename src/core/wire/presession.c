/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * presession.c -- the policy-v2 pre-session messages and data blob
 * (docs/protocol.md §5.7). Everything the peer sends goes through a
 * wire_reader; lengths are checked before any use.
 */
#include "migtd/presession.h"

#include <string.h>

#include "migtd/wire.h"

static const uint8_t hello_magic[4] = { 'M', 'G', 'T', 'D' };

void migtd_presession_hdr_write(uint8_t out[MIGTD_PRESESSION_HDR_SIZE], uint8_t type,
				uint32_t length)
{
	out[0] = type;
	out[1] = 0;
	out[2] = 0;
	out[3] = 0;
	migtd_wire_put_u32(out + 4, length);
}

int migtd_presession_hdr_parse(const uint8_t *buf, size_t len, struct migtd_presession_hdr *out)
{
	struct wire_reader r;

	memset(out, 0, sizeof(*out));
	if (buf == NULL && len != 0)
		return MIGTD_ERR_INVALID;
	if (len < MIGTD_PRESESSION_HDR_SIZE)
		return MIGTD_ERR_TRUNCATED;
	if (len > MIGTD_PRESESSION_HDR_SIZE)
		return MIGTD_ERR_LENGTH;
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_u8(&r, &out->type);
	migtd_wire_skip(&r, 3); /* reserved: not judged, as upstream (presession.h) */
	migtd_wire_read_u32(&r, &out->length);
	return migtd_wire_error(&r);
}

int migtd_presession_hdr_check(const struct migtd_presession_hdr *h, uint8_t want_type)
{
	if (h->type != want_type)
		return MIGTD_ERR_INVALID;
	switch (want_type) {
	case MIGTD_PRESESSION_TYPE_HELLO:
		return h->length == MIGTD_PRESESSION_HELLO_SIZE ? MIGTD_OK : MIGTD_ERR_LENGTH;
	case MIGTD_PRESESSION_TYPE_START: return h->length == 0 ? MIGTD_OK : MIGTD_ERR_LENGTH;
	case MIGTD_PRESESSION_TYPE_DATA:
		/* Judged on the header alone, before a byte of payload is
		 * read or a buffer allocated for it. */
		return h->length <= MIGTD_PRESESSION_MAX_BLOB ? MIGTD_OK : MIGTD_ERR_LENGTH;
	default: return MIGTD_ERR_STATE;
	}
}

void migtd_presession_hello_write(uint8_t out[MIGTD_PRESESSION_HELLO_MSG_SIZE],
				  const struct migtd_presession_hello *own)
{
	migtd_presession_hdr_write(out, MIGTD_PRESESSION_TYPE_HELLO, MIGTD_PRESESSION_HELLO_SIZE);
	memcpy(out + MIGTD_PRESESSION_HDR_SIZE, hello_magic, sizeof(hello_magic));
	migtd_wire_put_u16(out + MIGTD_PRESESSION_HDR_SIZE + 4, own->lowest);
	migtd_wire_put_u16(out + MIGTD_PRESESSION_HDR_SIZE + 6, own->highest);
}

int migtd_presession_hello_parse(const uint8_t *buf, size_t len, struct migtd_presession_hello *out)
{
	struct wire_reader r;
	uint8_t magic[4];

	memset(out, 0, sizeof(*out));
	if (buf == NULL && len != 0)
		return MIGTD_ERR_INVALID;
	if (len < MIGTD_PRESESSION_HELLO_SIZE)
		return MIGTD_ERR_TRUNCATED;
	if (len > MIGTD_PRESESSION_HELLO_SIZE)
		return MIGTD_ERR_LENGTH;
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_bytes(&r, magic, sizeof(magic));
	migtd_wire_read_u16(&r, &out->lowest);
	migtd_wire_read_u16(&r, &out->highest);
	if (migtd_wire_error(&r) != MIGTD_OK)
		return migtd_wire_error(&r);
	if (memcmp(magic, hello_magic, sizeof(magic)) != 0) {
		memset(out, 0, sizeof(*out));
		return MIGTD_ERR_INVALID;
	}
	return MIGTD_OK;
}

int migtd_presession_negotiate(const struct migtd_presession_hello *own,
			       const struct migtd_presession_hello *peer, uint16_t *version)
{
	uint16_t low = own->lowest > peer->lowest ? own->lowest : peer->lowest;
	uint16_t high = own->highest < peer->highest ? own->highest : peer->highest;

	if (low > high)
		return MIGTD_ERR_VERSION;
	*version = high;
	return MIGTD_OK;
}

size_t migtd_presession_blob_size(size_t policy_len, size_t chain_len)
{
	/* Each part must fit a u32 length, and the whole the receive cap. */
	if (policy_len == 0 || chain_len == 0 || policy_len > MIGTD_PRESESSION_MAX_BLOB ||
	    chain_len > MIGTD_PRESESSION_MAX_BLOB)
		return 0;
	if (8u + policy_len + chain_len > MIGTD_PRESESSION_MAX_BLOB)
		return 0;
	return 8u + policy_len + chain_len;
}

int migtd_presession_blob_encode(const uint8_t *policy, size_t policy_len, const uint8_t *chain,
				 size_t chain_len, uint8_t *out, size_t cap, size_t *written)
{
	size_t n = migtd_presession_blob_size(policy_len, chain_len);
	struct wire_writer w;
	int err;

	if (written != NULL)
		*written = 0;
	if (n == 0 || policy == NULL || chain == NULL)
		return MIGTD_ERR_LENGTH;
	if (out == NULL || cap < n)
		return MIGTD_ERR_NOSPACE;
	migtd_wire_writer_init(&w, out, cap);
	migtd_wire_write_u32(&w, (uint32_t)policy_len);
	migtd_wire_write_bytes(&w, policy, policy_len);
	migtd_wire_write_u32(&w, (uint32_t)chain_len);
	migtd_wire_write_bytes(&w, chain, chain_len);
	err = migtd_wire_writer_error(&w);
	if (err == MIGTD_OK && written != NULL)
		*written = n;
	return err;
}

int migtd_presession_blob_decode(const uint8_t *buf, size_t len, struct migtd_presession_blob *out)
{
	struct wire_reader r;
	uint32_t plen = 0, clen = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (buf == NULL && len != 0)
		return MIGTD_ERR_INVALID;
	/* The receive path never gets more (the DATA header is checked first),
	 * but other callers (policy authentication, fuzzers) hand in any buffer. */
	if (len > MIGTD_PRESESSION_MAX_BLOB)
		return MIGTD_ERR_LENGTH;
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_u32(&r, &plen);
	migtd_wire_read_ref(&r, &out->policy, plen);
	migtd_wire_read_u32(&r, &clen);
	migtd_wire_read_ref(&r, &out->chain, clen);
	err = migtd_wire_error(&r);
	if (err == MIGTD_OK && migtd_wire_remaining(&r) != 0)
		err = MIGTD_ERR_LENGTH; /* exact: nothing after the chain */
	if (err == MIGTD_OK && (plen == 0 || clen == 0))
		err = MIGTD_ERR_INVALID;
	if (err != MIGTD_OK) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	out->policy_len = plen;
	out->chain_len = clen;
	return MIGTD_OK;
}
