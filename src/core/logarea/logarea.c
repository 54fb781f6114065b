/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * logarea.c -- the vmcall-raw log ring (see logarea.h, docs/protocol.md §2.4.7).
 *
 * Writer invariants (tested under wrap-around, tests/unit/test_logarea.c):
 *   - every byte of the entry area that holds no live entry is zero;
 *   - count == 0 <=> start == end; otherwise start != end;
 *   - walking from start, wrapping to 40 where the next header would not
 *     fit or its id is 0, reaches end after exactly count entries.
 * The writer reads only its own private page, never the shared copy.
 */
#include "migtd/logarea.h"

#include <string.h>

#include "migtd/err.h"
#include "migtd/wire.h"

#define PAGE MIGTD_LOGAREA_PAGE
#define HDR MIGTD_LOGAREA_HDR_LEN
#define EHDR MIGTD_LOGAREA_ENTRY_HDR_LEN

static void ring_header(struct migtd_logarea_ring *r)
{
	memcpy(r->page, MIGTD_LOGAREA_SIGNATURE, sizeof(MIGTD_LOGAREA_SIGNATURE));
	migtd_wire_put_u32(r->page + 16, r->vcpu);
	migtd_wire_put_u32(r->page + 20, 0);
	migtd_wire_put_u64(r->page + 24, r->start);
	migtd_wire_put_u64(r->page + 32, r->end);
}

void migtd_logarea_ring_init(struct migtd_logarea_ring *r, uint32_t vcpu)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = vcpu;
	r->start = r->end = HDR;
	r->next_id = 1;
	ring_header(r);
}

/* Where the entry at pos really starts: the wrap gap sends it to 40. */
static uint32_t ring_norm(const struct migtd_logarea_ring *r, uint32_t pos)
{
	if (pos + EHDR > PAGE || migtd_wire_get_u64(r->page + pos) == 0)
		return HDR;
	return pos;
}

/* Zero the oldest entry and move start past it. */
static void ring_evict(struct migtd_logarea_ring *r)
{
	uint32_t pos = ring_norm(r, r->start);
	uint32_t size = EHDR + migtd_wire_get_u32(r->page + pos + 20);

	memset(r->page + pos, 0, size);
	r->count--;
	r->dropped++;
	r->start = r->count ? ring_norm(r, pos + size) : r->end;
}

void migtd_logarea_ring_append(struct migtd_logarea_ring *r, uint64_t request_id, uint8_t level,
			       const char *msg, size_t len)
{
	uint32_t size;

	if (len > MIGTD_LOGAREA_MSG_MAX)
		len = MIGTD_LOGAREA_MSG_MAX;
	size = EHDR + (uint32_t)len;
	if (r->end + size > PAGE) {
		/* Wrap: entries after end (the older half) go, the tail is zeroed. */
		while (r->count && r->start > r->end)
			ring_evict(r);
		memset(r->page + r->end, 0, PAGE - r->end);
		r->end = HDR;
		if (!r->count)
			r->start = HDR;
	}
	/* Make room in [end, end + size], strictly: start == end means empty. */
	while (r->count && r->start >= r->end && r->start <= r->end + size)
		ring_evict(r);
	if (!r->count)
		r->start = r->end;
	migtd_wire_put_u64(r->page + r->end, r->next_id);
	migtd_wire_put_u64(r->page + r->end + 8, request_id);
	r->page[r->end + 16] = level;
	memset(r->page + r->end + 17, 0, 3);
	migtd_wire_put_u32(r->page + r->end + 20, (uint32_t)len);
	if (len)
		memcpy(r->page + r->end + EHDR, msg, len);
	r->end += size;
	r->count++;
	r->next_id = r->next_id == UINT64_MAX ? 1 : r->next_id + 1;
	ring_header(r);
}

static void copy_one(void *dst, const struct migtd_logarea_entry *e)
{
	migtd_logarea_ring_append(dst, e->request_id, e->level, e->msg, e->len);
}

void migtd_logarea_ring_copy(struct migtd_logarea_ring *dst, const struct migtd_logarea_ring *src)
{
	uint32_t vcpu;

	(void)migtd_logarea_read(src->page, sizeof(src->page), &vcpu, copy_one, dst);
}

int migtd_logarea_read(const uint8_t *page, size_t len, uint32_t *vcpu, migtd_logarea_visit_fn fn,
		       void *ctx)
{
	struct wire_reader r;
	const uint8_t *sig;
	uint64_t start, end;
	uint32_t v;
	int err, n = 0;

	*vcpu = 0;
	if (len < PAGE)
		return MIGTD_ERR_TRUNCATED;
	migtd_wire_reader_init(&r, page, PAGE);
	migtd_wire_read_ref(&r, &sig, sizeof(MIGTD_LOGAREA_SIGNATURE));
	if (memcmp(sig, MIGTD_LOGAREA_SIGNATURE, sizeof(MIGTD_LOGAREA_SIGNATURE)) != 0)
		return MIGTD_ERR_INVALID;
	migtd_wire_read_u32(&r, &v);
	err = migtd_wire_read_zero(&r, 4);
	if (err)
		return err;
	*vcpu = v;
	migtd_wire_read_u64(&r, &start);
	migtd_wire_read_u64(&r, &end);
	if (start < HDR || start > PAGE || end < HDR || end > PAGE)
		return MIGTD_ERR_LENGTH;
	migtd_wire_seek(&r, (size_t)start);
	/* Each entry takes at least 24 bytes: at most (4096 - 40) / 24 + 1 of them. */
	for (unsigned guard = 0; migtd_wire_pos(&r) != end; guard++) {
		struct migtd_logarea_entry e = { 0 };
		size_t pos = migtd_wire_pos(&r);
		const uint8_t *msg;

		if (guard > PAGE / EHDR)
			return MIGTD_ERR_LENGTH;
		if (migtd_wire_remaining(&r) >= EHDR)
			migtd_wire_read_u64(&r, &e.id);
		if (e.id == 0) {
			/* The wrap gap; an empty slot where entries must be at 40. */
			if (pos == HDR)
				return MIGTD_ERR_LENGTH;
			migtd_wire_seek(&r, HDR);
			continue;
		}
		migtd_wire_read_u64(&r, &e.request_id);
		migtd_wire_read_u8(&r, &e.level);
		migtd_wire_skip(&r, 3);
		migtd_wire_read_u32(&r, &e.len);
		if (migtd_wire_read_ref(&r, &msg, e.len))
			return MIGTD_ERR_LENGTH;
		e.msg = (const char *)msg;
		if (fn)
			fn(ctx, &e);
		n++;
	}
	return n;
}

int migtd_logarea_desc_build(uint8_t *out, size_t cap, const uint64_t *gpa, uint32_t n,
			     size_t *out_len)
{
	struct wire_writer w;
	int err;

	*out_len = 0;
	migtd_wire_writer_init(&w, out, cap);
	migtd_wire_write_u32(&w, n);
	migtd_wire_write_u32(&w, 0);
	for (uint32_t i = 0; i < n; i++) {
		migtd_wire_write_u64(&w, gpa[i]);
		migtd_wire_write_u64(&w, MIGTD_LOGAREA_PAGE);
	}
	err = migtd_wire_writer_error(&w);
	if (err)
		return err;
	*out_len = migtd_wire_written(&w);
	return MIGTD_OK;
}

void migtd_logarea_init(struct migtd_logarea *a, uint64_t gpa,
			void (*publish)(void *ctx, uint32_t vcpu,
					const uint8_t page[MIGTD_LOGAREA_PAGE]),
			void *ctx)
{
	a->enabled = false;
	a->level = 0;
	a->gpa = gpa;
	a->publish = publish;
	a->ctx = ctx;
	migtd_logarea_ring_init(&a->provisional, 0);
	migtd_logarea_ring_init(&a->shared, 0);
}

void migtd_logarea_log(struct migtd_logarea *a, uint8_t level, uint64_t request_id, const char *msg,
		       size_t len)
{
	if (!a->enabled) {
		migtd_logarea_ring_append(&a->provisional, request_id, level, msg, len);
		return;
	}
	if (level > a->level)
		return;
	migtd_logarea_ring_append(&a->shared, request_id, level, msg, len);
	if (a->publish)
		a->publish(a->ctx, 0, a->shared.page);
}

int migtd_logarea_enable(void *area, uint8_t max_level, uint8_t *out, size_t cap, size_t *out_len)
{
	struct migtd_logarea *a = area;

	/* The parser refused levels outside 1..5 already (status 1). */
	a->level = max_level > MIGTD_LOGAREA_RELEASE_MAX_LEVEL ? MIGTD_LOGAREA_RELEASE_MAX_LEVEL
							       : max_level;
	if (!a->enabled) {
		migtd_logarea_ring_copy(&a->shared, &a->provisional);
		a->enabled = true;
	}
	if (a->publish)
		a->publish(a->ctx, 0, a->shared.page);
	return migtd_logarea_desc_build(out, cap, &a->gpa, 1, out_len);
}
