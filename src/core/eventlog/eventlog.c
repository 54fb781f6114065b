/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * eventlog.c -- CC event log iteration, replay, policy selections, builder
 * (docs/protocol.md §9.4, §9.5, §7.2).
 */
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha512.h>

#include "migtd/err.h"
#include "migtd/eventlog.h"
#include "migtd/wire.h"

/* Data prefixes td-shim logs (§7.2). */
static const uint8_t PAYLOAD_NAME[] = "td_payload";           /* + NUL: 11 bytes */
static const uint8_t SECURE_AUTHORITY[] = "secure_authority"; /* prefix, 16 bytes */
static const uint8_t PAYLOAD_SVN[] = "td_payload_svn";        /* + NUL: 15 bytes */

/* The td-shim TCG_EfiSpecIDEvent (40 bytes) and its legacy header. */
static const uint8_t SPEC_ID_EVENT[EVENTLOG_SPEC_ID_EVENT_SIZE] = {
	'S',  'p',  'e', 'c',  ' ', 'I', 'D', ' ', 'E', 'v',
	'e',  'n',  't', '0',  '3', 0,   0,   0,   0,   0, /* platform_class */
	0,    2,    105, 2,    /* spec_version minor, major, errata, uintn_size */
	1,    0,    0,   0,    /* number_of_algorithms */
	0x0C, 0x00, 48,  0x00, /* SHA-384, digest size 48 */
	7,    't',  'd', '-',  's', 'h', 'i', 'm',
};

static int sha384(const void *data, size_t len, uint8_t out[EVENTLOG_DIGEST_SIZE])
{
	/* mbedtls_sha512() with is384 = 1 writes exactly 48 bytes. */
	if (mbedtls_sha512((const unsigned char *)data, len, out, 1) != 0)
		return MIGTD_ERR_CRYPTO;
	return MIGTD_OK;
}

int migtd_eventlog_iter_init(struct eventlog_iter *it, const uint8_t *log, size_t len)
{
	migtd_wire_reader_init(&it->r, log, len);
	/* Upstream reads exactly the 32-byte header + 40 bytes, whatever event_size says. */
	return migtd_wire_skip(&it->r, EVENTLOG_FIRST_CC_EVENT);
}

int migtd_eventlog_iter_next(struct eventlog_iter *it, struct eventlog_event *ev)
{
	struct wire_reader h;
	size_t left = migtd_wire_remaining(&it->r);

	if (left < EVENTLOG_CC_EVENT_HEADER_SIZE)
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->offset = migtd_wire_pos(&it->r);
	migtd_wire_reader_init(&h, it->r.buf + ev->offset, EVENTLOG_CC_EVENT_HEADER_SIZE);
	migtd_wire_read_u32(&h, &ev->mr_index);
	migtd_wire_read_u32(&h, &ev->event_type);
	migtd_wire_read_u32(&h, &ev->digest_count);
	migtd_wire_read_u16(&h, &ev->alg_id);
	migtd_wire_read_ref(&h, &ev->digest, EVENTLOG_DIGEST_SIZE);
	migtd_wire_read_u32(&h, &ev->data_len);
	if (migtd_wire_error(&h) || ev->data_len == 0)
		return 0;
	/* Only returned if at least one byte follows the event (upstream's "<"). */
	if ((size_t)ev->data_len >= left - EVENTLOG_CC_EVENT_HEADER_SIZE)
		return 0;
	migtd_wire_skip(&it->r, EVENTLOG_CC_EVENT_HEADER_SIZE);
	if (migtd_wire_read_ref(&it->r, &ev->data, ev->data_len) != MIGTD_OK)
		return 0;
	return 1;
}

int migtd_eventlog_rtmr_extend(uint8_t rtmr[EVENTLOG_DIGEST_SIZE],
			       const uint8_t digest[EVENTLOG_DIGEST_SIZE])
{
	uint8_t buf[2 * EVENTLOG_DIGEST_SIZE];
	int err;

	memcpy(buf, rtmr, EVENTLOG_DIGEST_SIZE);
	memcpy(buf + EVENTLOG_DIGEST_SIZE, digest, EVENTLOG_DIGEST_SIZE);
	err = sha384(buf, sizeof(buf), rtmr);
	return err;
}

int migtd_eventlog_replay(const uint8_t *log, size_t len,
			  uint8_t rtmr[EVENTLOG_RTMR_COUNT][EVENTLOG_DIGEST_SIZE])
{
	struct eventlog_iter it;
	struct eventlog_event ev;
	int err;

	memset(rtmr, 0, EVENTLOG_RTMR_COUNT * EVENTLOG_DIGEST_SIZE);
	err = migtd_eventlog_iter_init(&it, log, len);
	if (err)
		return err;
	while (migtd_eventlog_iter_next(&it, &ev) == 1) {
		if (ev.mr_index == 0 || ev.mr_index > EVENTLOG_RTMR_COUNT)
			return MIGTD_ERR_INVALID;
		err = migtd_eventlog_rtmr_extend(rtmr[ev.mr_index - 1], ev.digest);
		if (err)
			return err;
	}
	return MIGTD_OK;
}

int migtd_eventlog_verify_rtmrs(const uint8_t *log, size_t len,
				const uint8_t rtmrs[EVENTLOG_RTMR_COUNT * EVENTLOG_DIGEST_SIZE])
{
	uint8_t mine[EVENTLOG_RTMR_COUNT][EVENTLOG_DIGEST_SIZE];

	if (migtd_eventlog_replay(log, len, mine) != MIGTD_OK)
		return MIGTD_ERR_POLICY;
	if (memcmp(mine, rtmrs, sizeof(mine)) != 0)
		return MIGTD_ERR_POLICY;
	return MIGTD_OK;
}

/* Split tagged-event data into tag id and payload (u32 tag, u32 size, bytes). */
static bool tagged_payload(const struct eventlog_event *ev, uint32_t *tag, const uint8_t **payload,
			   size_t *payload_len)
{
	struct wire_reader r;
	uint32_t size;

	migtd_wire_reader_init(&r, ev->data, ev->data_len);
	migtd_wire_read_u32(&r, tag);
	if (migtd_wire_error(&r))
		return false;
	/* A short or oversized payload still identifies the tag; keep what is there. */
	if (migtd_wire_read_u32(&r, &size) != MIGTD_OK) {
		*payload = NULL;
		*payload_len = 0;
		return true;
	}
	*payload_len = size <= migtd_wire_remaining(&r) ? size : migtd_wire_remaining(&r);
	migtd_wire_read_ref(&r, payload, *payload_len);
	return true;
}

int migtd_eventlog_find_tagged(const uint8_t *log, size_t len, uint32_t tag,
			       struct eventlog_event *out, const uint8_t **payload,
			       size_t *payload_len)
{
	struct eventlog_iter it;
	struct eventlog_event ev;
	int found = 0;
	int err = migtd_eventlog_iter_init(&it, log, len);

	if (err)
		return err;
	while (migtd_eventlog_iter_next(&it, &ev) == 1) {
		uint32_t t;
		const uint8_t *p;
		size_t n;

		if (ev.event_type != EVENTLOG_EV_EVENT_TAG || !tagged_payload(&ev, &t, &p, &n))
			continue;
		if (t != tag)
			continue;
		*out = ev;
		*payload = p;
		*payload_len = n;
		found = 1;
	}
	return found;
}

void migtd_eventlog_parsed_empty(struct eventlog_parsed *p)
{
	memset(p, 0, sizeof(*p));
}

static bool starts_with(const struct eventlog_event *ev, const uint8_t *prefix, size_t n)
{
	return ev->data_len >= n && memcmp(ev->data, prefix, n) == 0;
}

static void select_digest(struct eventlog_parsed *p, enum eventlog_sel s,
			  const struct eventlog_event *ev)
{
	p->value[s] = ev->digest;
	p->value_len[s] = EVENTLOG_DIGEST_SIZE;
}

/* td_payload_svn: 16-byte descriptor, u32 info_length, info. */
static int select_svn(struct eventlog_parsed *p, const struct eventlog_event *ev)
{
	struct wire_reader r;
	uint32_t info_len;
	const uint8_t *info;

	migtd_wire_reader_init(&r, ev->data, ev->data_len);
	migtd_wire_skip(&r, 16);
	migtd_wire_read_u32(&r, &info_len);
	if (migtd_wire_read_ref(&r, &info, info_len) != MIGTD_OK)
		return MIGTD_ERR_TRUNCATED;
	p->value[EVENTLOG_SEL_MIGTD_CORE_SVN] = info;
	p->value_len[EVENTLOG_SEL_MIGTD_CORE_SVN] = info_len;
	return MIGTD_OK;
}

static int select_event(struct eventlog_parsed *p, const struct eventlog_event *ev)
{
	uint32_t tag;
	const uint8_t *payload;
	size_t n;

	switch (ev->event_type) {
	case EVENTLOG_EV_EFI_PLATFORM_FIRMWARE_BLOB2:
		/* u8 description length, then the description. A description
		 * that runs past the event fails the whole parse, as upstream's
		 * parse_events does (docs/status-codes.md: status 8). */
		if (ev->data_len < 1 || ev->data_len - 1u < ev->data[0])
			return MIGTD_ERR_TRUNCATED;
		if (ev->data[0] == sizeof(PAYLOAD_NAME) &&
		    memcmp(ev->data + 1, PAYLOAD_NAME, sizeof(PAYLOAD_NAME)) == 0)
			select_digest(p, EVENTLOG_SEL_MIGTD_CORE, ev);
		break;
	case EVENTLOG_EV_PLATFORM_CONFIG_FLAGS:
		if (starts_with(ev, SECURE_AUTHORITY, sizeof(SECURE_AUTHORITY) - 1))
			select_digest(p, EVENTLOG_SEL_SECURE_BOOT_KEY, ev);
		else if (starts_with(ev, PAYLOAD_SVN, sizeof(PAYLOAD_SVN)))
			return select_svn(p, ev);
		break;
	case EVENTLOG_EV_EVENT_TAG:
		/* Shorter than its u32 tag id: the parse fails (as upstream). */
		if (!tagged_payload(ev, &tag, &payload, &n))
			return MIGTD_ERR_TRUNCATED;
		if (tag == EVENTLOG_TAG_POLICY)
			select_digest(p, EVENTLOG_SEL_MIGTD_POLICY, ev);
		else if (tag == EVENTLOG_TAG_ROOT_CA)
			select_digest(p, EVENTLOG_SEL_MIGTD_SGX_ROOT_KEY, ev);
		break;
	default: break;
	}
	return MIGTD_OK;
}

int migtd_eventlog_parse(const uint8_t *log, size_t len, struct eventlog_parsed *out)
{
	struct eventlog_iter it;
	struct eventlog_event ev;
	int err;

	migtd_eventlog_parsed_empty(out);
	err = migtd_eventlog_iter_init(&it, log, len);
	if (err)
		return err;
	while (migtd_eventlog_iter_next(&it, &ev) == 1) {
		err = select_event(out, &ev);
		if (err) {
			migtd_eventlog_parsed_empty(out);
			return err;
		}
	}
	return MIGTD_OK;
}

/* ---------------------------------------------------------------- builder */

int migtd_eventlog_builder_init(struct eventlog_builder *b, uint8_t *buf, size_t cap)
{
	migtd_wire_writer_init(&b->w, buf, cap);
	migtd_wire_write_u32(&b->w, 0); /* pcr_index */
	migtd_wire_write_u32(&b->w, EVENTLOG_EV_NO_ACTION);
	migtd_wire_write_zero(&b->w, 20); /* SHA-1 digest slot */
	migtd_wire_write_u32(&b->w, EVENTLOG_SPEC_ID_EVENT_SIZE);
	migtd_wire_write_bytes(&b->w, SPEC_ID_EVENT, sizeof(SPEC_ID_EVENT));
	return migtd_wire_writer_error(&b->w);
}

int migtd_eventlog_builder_add(struct eventlog_builder *b, uint32_t mr_index, uint32_t event_type,
			       const uint8_t digest[EVENTLOG_DIGEST_SIZE], const void *data,
			       size_t len)
{
	size_t total;

	if (len == 0 || len > UINT32_MAX)
		return MIGTD_ERR_INVALID; /* a zero-size event ends every reader */
	/* All or nothing: a half-written event would corrupt the log. */
	if (!migtd_wire_add_ok(EVENTLOG_CC_EVENT_HEADER_SIZE, len, &total) ||
	    !migtd_wire_add_ok(total, b->w.pos, &total) || total > b->w.cap)
		return migtd_wire_writer_error(&b->w) ? migtd_wire_writer_error(&b->w)
						      : MIGTD_ERR_NOSPACE;
	migtd_wire_write_u32(&b->w, mr_index);
	migtd_wire_write_u32(&b->w, event_type);
	migtd_wire_write_u32(&b->w, 1);
	migtd_wire_write_u16(&b->w, EVENTLOG_ALG_SHA384);
	migtd_wire_write_bytes(&b->w, digest, EVENTLOG_DIGEST_SIZE);
	migtd_wire_write_u32(&b->w, (uint32_t)len);
	migtd_wire_write_bytes(&b->w, data, len);
	return migtd_wire_writer_error(&b->w);
}

int migtd_eventlog_builder_add_measured(struct eventlog_builder *b, uint32_t mr_index,
					uint32_t event_type, const void *hashed, size_t hashed_len,
					const void *data, size_t len,
					uint8_t digest_out[EVENTLOG_DIGEST_SIZE])
{
	uint8_t digest[EVENTLOG_DIGEST_SIZE];
	int err = sha384(hashed, hashed_len, digest);

	if (err)
		return err;
	err = migtd_eventlog_builder_add(b, mr_index, event_type, digest, data, len);
	if (err == MIGTD_OK && digest_out)
		memcpy(digest_out, digest, EVENTLOG_DIGEST_SIZE);
	return err;
}

int migtd_eventlog_builder_add_tagged(struct eventlog_builder *b, uint32_t mr_index, uint32_t tag,
				      const void *hashed, size_t hashed_len, const void *data,
				      size_t len, uint8_t digest_out[EVENTLOG_DIGEST_SIZE])
{
	uint8_t digest[EVENTLOG_DIGEST_SIZE];
	uint8_t hdr[8];
	size_t total;
	int err;

	if (len > UINT32_MAX - 8u)
		return MIGTD_ERR_LENGTH;
	err = sha384(hashed, hashed_len, digest);
	if (err)
		return err;
	total = EVENTLOG_CC_EVENT_HEADER_SIZE + 8u + len;
	if (!migtd_wire_add_ok(total, b->w.pos, &total) || total > b->w.cap)
		return MIGTD_ERR_NOSPACE;
	migtd_wire_put_u32(hdr, tag);
	migtd_wire_put_u32(hdr + 4, (uint32_t)len);
	migtd_wire_write_u32(&b->w, mr_index);
	migtd_wire_write_u32(&b->w, EVENTLOG_EV_EVENT_TAG);
	migtd_wire_write_u32(&b->w, 1);
	migtd_wire_write_u16(&b->w, EVENTLOG_ALG_SHA384);
	migtd_wire_write_bytes(&b->w, digest, EVENTLOG_DIGEST_SIZE);
	migtd_wire_write_u32(&b->w, (uint32_t)(len + 8u));
	migtd_wire_write_bytes(&b->w, hdr, sizeof(hdr));
	migtd_wire_write_bytes(&b->w, data, len);
	err = migtd_wire_writer_error(&b->w);
	if (err == MIGTD_OK && digest_out)
		memcpy(digest_out, digest, EVENTLOG_DIGEST_SIZE);
	return err;
}

int migtd_eventlog_builder_add_separators(struct eventlog_builder *b)
{
	static const uint8_t sep[4] = { 0, 0, 0, 0 };
	int err;

	err = migtd_eventlog_builder_add_measured(b, 1, EVENTLOG_EV_SEPARATOR, sep, sizeof(sep),
						  sep, sizeof(sep), NULL);
	if (err)
		return err;
	return migtd_eventlog_builder_add_measured(b, 2, EVENTLOG_EV_SEPARATOR, sep, sizeof(sep),
						   sep, sizeof(sep), NULL);
}

int migtd_eventlog_builder_finish(struct eventlog_builder *b, uint8_t trailing, const uint8_t **log,
				  size_t *len)
{
	int err = migtd_wire_write_u8(&b->w, trailing);

	if (err)
		return err;
	*log = b->w.buf;
	*len = migtd_wire_written(&b->w);
	return MIGTD_OK;
}
