/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * wire.c -- bounded readers and writers (see include/migtd/wire.h).
 *
 * All bounds checks are written as "n > remaining" so that no length
 * arithmetic can overflow: pos <= len is an invariant of both types.
 */
#include "migtd/fmt.h"
#include "migtd/wire.h"

#include <string.h>

bool migtd_guid_eq(const struct migtd_guid *a, const struct migtd_guid *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

int migtd_guid_parse(const char *s, size_t n, uint8_t g[16])
{
	/* text byte k -> wire byte order[k]: data1 (u32), data2, data3 (u16) swap */
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t raw[16];
	unsigned k = 0;

	if (n != 36)
		return MIGTD_ERR_INVALID;
	for (size_t i = 0; i < 36;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return MIGTD_ERR_INVALID;
			continue;
		}
		hi = migtd_hex_digit(s[i]);
		lo = migtd_hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return MIGTD_ERR_INVALID;
		raw[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	for (unsigned i = 0; i < 16; i++)
		g[order[i]] = raw[i];
	return MIGTD_OK;
}

bool migtd_wire_add_ok(size_t a, size_t b, size_t *out)
{
	if (a > SIZE_MAX - b)
		return false;
	*out = a + b;
	return true;
}

void migtd_wire_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void migtd_wire_put_u32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void migtd_wire_put_u64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t migtd_wire_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t migtd_wire_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

uint64_t migtd_wire_get_u64(const uint8_t *p)
{
	return (uint64_t)migtd_wire_get_u32(p) | ((uint64_t)migtd_wire_get_u32(p + 4) << 32);
}

/* ---- reader ------------------------------------------------------------- */

void migtd_wire_reader_init(struct wire_reader *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = buf ? len : 0;
	r->pos = 0;
	r->err = MIGTD_OK;
}

size_t migtd_wire_remaining(const struct wire_reader *r)
{
	return r->err ? 0 : r->len - r->pos;
}

size_t migtd_wire_pos(const struct wire_reader *r)
{
	return r->pos;
}

int migtd_wire_error(const struct wire_reader *r)
{
	return r->err;
}

int migtd_wire_fail(struct wire_reader *r, int err)
{
	if (r->err == MIGTD_OK)
		r->err = err;
	return r->err;
}

/* Take n bytes: returns a pointer to them or NULL (reader failed). */
static const uint8_t *wire_take(struct wire_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->err)
		return NULL;
	if (n > r->len - r->pos) {
		r->err = MIGTD_ERR_TRUNCATED;
		return NULL;
	}
	p = r->buf + r->pos;
	r->pos += n;
	return p;
}

int migtd_wire_read_u8(struct wire_reader *r, uint8_t *v)
{
	const uint8_t *p = wire_take(r, 1);

	if (!p)
		return r->err;
	*v = p[0];
	return MIGTD_OK;
}

int migtd_wire_read_u16(struct wire_reader *r, uint16_t *v)
{
	const uint8_t *p = wire_take(r, 2);

	if (!p)
		return r->err;
	*v = migtd_wire_get_u16(p);
	return MIGTD_OK;
}

int migtd_wire_read_u32(struct wire_reader *r, uint32_t *v)
{
	const uint8_t *p = wire_take(r, 4);

	if (!p)
		return r->err;
	*v = migtd_wire_get_u32(p);
	return MIGTD_OK;
}

int migtd_wire_read_u64(struct wire_reader *r, uint64_t *v)
{
	const uint8_t *p = wire_take(r, 8);

	if (!p)
		return r->err;
	*v = migtd_wire_get_u64(p);
	return MIGTD_OK;
}

int migtd_wire_read_u32_be(struct wire_reader *r, uint32_t *v)
{
	const uint8_t *p = wire_take(r, 4);

	if (!p)
		return r->err;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	return MIGTD_OK;
}

int migtd_wire_read_bytes(struct wire_reader *r, void *out, size_t n)
{
	const uint8_t *p = wire_take(r, n);

	if (!p)
		return r->err;
	if (n)
		memcpy(out, p, n);
	return MIGTD_OK;
}

int migtd_wire_read_guid(struct wire_reader *r, struct migtd_guid *g)
{
	return migtd_wire_read_bytes(r, g->b, sizeof(g->b));
}

int migtd_wire_read_ref(struct wire_reader *r, const uint8_t **p, size_t n)
{
	const uint8_t *q = wire_take(r, n);

	if (!q)
		return r->err;
	*p = q;
	return MIGTD_OK;
}

int migtd_wire_skip(struct wire_reader *r, size_t n)
{
	return wire_take(r, n) ? MIGTD_OK : r->err;
}

int migtd_wire_read_zero(struct wire_reader *r, size_t n)
{
	const uint8_t *p = wire_take(r, n);
	uint8_t acc = 0;

	if (!p)
		return r->err;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	if (acc)
		return migtd_wire_fail(r, MIGTD_ERR_RESERVED);
	return MIGTD_OK;
}

int migtd_wire_expect_guid(struct wire_reader *r, const struct migtd_guid *want)
{
	struct migtd_guid g;

	if (migtd_wire_read_guid(r, &g))
		return r->err;
	if (!migtd_guid_eq(&g, want))
		return migtd_wire_fail(r, MIGTD_ERR_GUID);
	return MIGTD_OK;
}

int migtd_wire_sub(struct wire_reader *r, size_t n, struct wire_reader *sub)
{
	const uint8_t *p = wire_take(r, n);

	if (!p) {
		migtd_wire_reader_init(sub, NULL, 0);
		sub->err = r->err;
		return r->err;
	}
	migtd_wire_reader_init(sub, p, n);
	return MIGTD_OK;
}

int migtd_wire_seek(struct wire_reader *r, size_t pos)
{
	if (r->err)
		return r->err;
	if (pos > r->len)
		return migtd_wire_fail(r, MIGTD_ERR_TRUNCATED);
	r->pos = pos;
	return MIGTD_OK;
}

/* ---- writer ------------------------------------------------------------- */

void migtd_wire_writer_init(struct wire_writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf ? cap : 0;
	w->pos = 0;
	w->err = MIGTD_OK;
}

size_t migtd_wire_written(const struct wire_writer *w)
{
	return w->pos;
}

int migtd_wire_writer_error(const struct wire_writer *w)
{
	return w->err;
}

static uint8_t *wire_room(struct wire_writer *w, size_t n)
{
	uint8_t *p;

	if (w->err)
		return NULL;
	if (n > w->cap - w->pos) {
		w->err = MIGTD_ERR_NOSPACE;
		return NULL;
	}
	p = w->buf + w->pos;
	w->pos += n;
	return p;
}

int migtd_wire_write_u8(struct wire_writer *w, uint8_t v)
{
	uint8_t *p = wire_room(w, 1);

	if (!p)
		return w->err;
	p[0] = v;
	return MIGTD_OK;
}

int migtd_wire_write_u16(struct wire_writer *w, uint16_t v)
{
	uint8_t *p = wire_room(w, 2);

	if (!p)
		return w->err;
	migtd_wire_put_u16(p, v);
	return MIGTD_OK;
}

int migtd_wire_write_u32(struct wire_writer *w, uint32_t v)
{
	uint8_t *p = wire_room(w, 4);

	if (!p)
		return w->err;
	migtd_wire_put_u32(p, v);
	return MIGTD_OK;
}

int migtd_wire_write_u64(struct wire_writer *w, uint64_t v)
{
	uint8_t *p = wire_room(w, 8);

	if (!p)
		return w->err;
	migtd_wire_put_u64(p, v);
	return MIGTD_OK;
}

int migtd_wire_write_u32_be(struct wire_writer *w, uint32_t v)
{
	uint8_t *p = wire_room(w, 4);

	if (!p)
		return w->err;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return MIGTD_OK;
}

int migtd_wire_write_bytes(struct wire_writer *w, const void *src, size_t n)
{
	uint8_t *p = wire_room(w, n);

	if (!p)
		return w->err;
	if (n)
		memcpy(p, src, n);
	return MIGTD_OK;
}

int migtd_wire_write_guid(struct wire_writer *w, const struct migtd_guid *g)
{
	return migtd_wire_write_bytes(w, g->b, sizeof(g->b));
}

int migtd_wire_write_zero(struct wire_writer *w, size_t n)
{
	uint8_t *p = wire_room(w, n);

	if (!p)
		return w->err;
	if (n)
		memset(p, 0, n);
	return MIGTD_OK;
}

int migtd_wire_reserve(struct wire_writer *w, uint8_t **p, size_t n)
{
	uint8_t *q = wire_room(w, n);

	if (!q)
		return w->err;
	memset(q, 0, n);
	*p = q;
	return MIGTD_OK;
}
