/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_logarea.c -- the vmcall-raw log ring (include/migtd/logarea.h,
 * docs/protocol.md §2.4.7): the exact header and entry bytes, the writer's
 * invariants under many wrap-arounds against a model of the newest entries,
 * the provisional-to-shared copy, and the reader's refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "migtd/err.h"
#include "migtd/logarea.h"
#include "migtd/wire.h"

static void test_layout(void **state)
{
	static struct migtd_logarea_ring r;
	const uint8_t *p = r.page;

	(void)state;
	migtd_logarea_ring_init(&r, 7);
	assert_memory_equal(p, "MigTD LogArea 1\0", 16);
	assert_int_equal(migtd_wire_get_u32(p + 16), 7);
	assert_int_equal(migtd_wire_get_u32(p + 20), 0);
	assert_int_equal(migtd_wire_get_u64(p + 24), 40);
	assert_int_equal(migtd_wire_get_u64(p + 32), 40);
	migtd_logarea_ring_append(&r, 0x1122334455667788ull, 3, "hello", 5);
	/* entry at 40: id 1, request id, level, 3 reserved, length, text */
	assert_int_equal(migtd_wire_get_u64(p + 40), 1);
	assert_int_equal(migtd_wire_get_u64(p + 48), 0x1122334455667788ull);
	assert_int_equal(p[56], 3);
	assert_int_equal(p[57] | p[58] | p[59], 0);
	assert_int_equal(migtd_wire_get_u32(p + 60), 5);
	assert_memory_equal(p + 64, "hello", 5);
	assert_int_equal(migtd_wire_get_u64(p + 24), 40);
	assert_int_equal(migtd_wire_get_u64(p + 32), 40 + 24 + 5);
}

/* ---- the model: what a reader must see after each append -------------------------- */

#define MODEL_MAX 512

struct model {
	uint64_t id[MODEL_MAX], req[MODEL_MAX];
	uint8_t level[MODEL_MAX];
	uint32_t len[MODEL_MAX];
	char msg[MODEL_MAX][MIGTD_LOGAREA_MSG_MAX];
	unsigned n; /* entries appended in total; the ring holds the last k */
};

struct walk {
	const struct model *m;
	unsigned first; /* model index of the oldest entry the ring holds */
	unsigned seen;
};

static void visit(void *ctx, const struct migtd_logarea_entry *e)
{
	struct walk *w = ctx;
	unsigned i = w->first + w->seen;

	assert_true(i < w->m->n);
	assert_int_equal(e->id, w->m->id[i % MODEL_MAX]);
	assert_int_equal(e->request_id, w->m->req[i % MODEL_MAX]);
	assert_int_equal(e->level, w->m->level[i % MODEL_MAX]);
	assert_int_equal(e->len, w->m->len[i % MODEL_MAX]);
	assert_memory_equal(e->msg, w->m->msg[i % MODEL_MAX], e->len);
	w->seen++;
}

/* Every byte of the entry area outside the live entries is zero. */
static void assert_free_zero(const struct migtd_logarea_ring *r)
{
	static uint8_t live[MIGTD_LOGAREA_PAGE];
	uint32_t pos = r->start;

	memset(live, 0, sizeof(live));
	for (unsigned k = 0; k < r->count; k++) {
		uint32_t size;

		if (pos + 24 > MIGTD_LOGAREA_PAGE || migtd_wire_get_u64(r->page + pos) == 0)
			pos = 40;
		size = 24 + migtd_wire_get_u32(r->page + pos + 20);
		memset(live + pos, 1, size);
		pos += size;
	}
	assert_int_equal(pos == r->end || r->count == 0, 1);
	for (size_t i = 40; i < MIGTD_LOGAREA_PAGE; i++)
		if (!live[i] && r->page[i])
			fail_msg("byte %zu is not zero outside the live entries", i);
}

static void check(const struct migtd_logarea_ring *r, const struct model *m)
{
	struct walk w = { m, m->n - r->count, 0 };
	uint32_t vcpu = 99;
	int n = migtd_logarea_read(r->page, sizeof(r->page), &vcpu, visit, &w);

	assert_int_equal(n, (int)r->count);
	assert_int_equal(w.seen, r->count);
	assert_int_equal(vcpu, r->vcpu);
	assert_int_equal(migtd_wire_get_u64(r->page + 24), r->start);
	assert_int_equal(migtd_wire_get_u64(r->page + 32), r->end);
	assert_true(r->count == 0 ? r->start == r->end : r->start != r->end);
	/* the newest entry is always there */
	assert_true(m->n == 0 || r->count >= 1);
	assert_free_zero(r);
}

static void test_wrap_around(void **state)
{
	static struct migtd_logarea_ring r;
	static struct model m;
	unsigned seed = 12345, wraps = 0;
	uint32_t last_end = 40;

	(void)state;
	memset(&m, 0, sizeof(m));
	migtd_logarea_ring_init(&r, 1);
	for (unsigned i = 0; i < 5000; i++) {
		unsigned slot = m.n % MODEL_MAX;
		uint32_t len;

		seed = seed * 1103515245u + 12345u;
		/* mostly short lines, sometimes the longest, sometimes empty */
		len = (seed >> 8) % 8 == 0 ? MIGTD_LOGAREA_MSG_MAX : (seed >> 12) % 200;
		if ((seed >> 20) % 50 == 0)
			len = 0;
		for (uint32_t k = 0; k < len; k++)
			m.msg[slot][k] = (char)('a' + (i + k) % 26);
		m.id[slot] = m.n + 1;
		m.req[slot] = (seed >> 3) % 4 == 0 ? MIGTD_LOGAREA_NO_REQUEST : i;
		m.level[slot] = (uint8_t)(1 + i % 5);
		m.len[slot] = len;
		m.n++;
		migtd_logarea_ring_append(&r, m.req[slot], m.level[slot], m.msg[slot], len);
		if (r.end < last_end)
			wraps++;
		last_end = r.end;
		check(&r, &m);
	}
	assert_true(wraps > 100);
	assert_true(r.dropped > 4000);
}

static void test_long_message_is_cut(void **state)
{
	static struct migtd_logarea_ring r;
	static char big[2000];
	struct migtd_logarea_entry seen;
	uint32_t vcpu;

	(void)state;
	memset(big, 'x', sizeof(big));
	migtd_logarea_ring_init(&r, 0);
	migtd_logarea_ring_append(&r, 5, 1, big, sizeof(big));
	assert_int_equal(migtd_wire_get_u32(r.page + 60), MIGTD_LOGAREA_MSG_MAX);
	assert_int_equal(migtd_logarea_read(r.page, sizeof(r.page), &vcpu, NULL, &seen), 1);
}

static void collect_ids(void *ctx, const struct migtd_logarea_entry *e)
{
	uint64_t **p = ctx;

	*(*p)++ = e->id;
}

/* EnableLogArea: the provisional entries move to the shared page, in order. */
static void test_copy(void **state)
{
	static struct migtd_logarea_ring prov, shared;
	uint64_t ids[64], *p = ids;
	uint32_t vcpu;
	char line[32];

	(void)state;
	migtd_logarea_ring_init(&prov, 2);
	for (int i = 0; i < 10; i++) {
		int n = snprintf(line, sizeof(line), "line %d", i);

		migtd_logarea_ring_append(&prov, (uint64_t)i, 3, line, (size_t)n);
	}
	migtd_logarea_ring_init(&shared, 2);
	migtd_logarea_ring_copy(&shared, &prov);
	assert_int_equal(migtd_logarea_read(shared.page, sizeof(shared.page), &vcpu, collect_ids,
					    &p),
			 10);
	assert_int_equal(vcpu, 2);
	for (int i = 0; i < 10; i++)
		assert_int_equal(ids[i], (uint64_t)i + 1);
	assert_memory_equal(shared.page + 40, prov.page + 40, prov.end - 40);
}

static void test_reader_refuses(void **state)
{
	static struct migtd_logarea_ring r;
	static uint8_t bad[MIGTD_LOGAREA_PAGE];
	uint32_t vcpu;

	(void)state;
	migtd_logarea_ring_init(&r, 0);
	migtd_logarea_ring_append(&r, 1, 3, "abc", 3);
	assert_int_equal(migtd_logarea_read(r.page, 4095, &vcpu, NULL, NULL), MIGTD_ERR_TRUNCATED);
	memcpy(bad, r.page, sizeof(bad));
	bad[3] ^= 1;
	assert_int_equal(migtd_logarea_read(bad, sizeof(bad), &vcpu, NULL, NULL),
			 MIGTD_ERR_INVALID);
	memcpy(bad, r.page, sizeof(bad));
	bad[21] = 1;
	assert_int_equal(migtd_logarea_read(bad, sizeof(bad), &vcpu, NULL, NULL),
			 MIGTD_ERR_RESERVED);
	memcpy(bad, r.page, sizeof(bad));
	migtd_wire_put_u64(bad + 32, 4097);
	assert_int_equal(migtd_logarea_read(bad, sizeof(bad), &vcpu, NULL, NULL), MIGTD_ERR_LENGTH);
	memcpy(bad, r.page, sizeof(bad));
	migtd_wire_put_u64(bad + 24, 39);
	assert_int_equal(migtd_logarea_read(bad, sizeof(bad), &vcpu, NULL, NULL), MIGTD_ERR_LENGTH);
	/* an entry longer than the page */
	memcpy(bad, r.page, sizeof(bad));
	migtd_wire_put_u32(bad + 60, 5000);
	assert_int_equal(migtd_logarea_read(bad, sizeof(bad), &vcpu, NULL, NULL), MIGTD_ERR_LENGTH);
	/* end where no entry ends: the walk wraps and finds a hole at 40 */
	memcpy(bad, r.page, sizeof(bad));
	migtd_wire_put_u64(bad + 32, 50);
	assert_true(migtd_logarea_read(bad, sizeof(bad), &vcpu, NULL, NULL) < 0);
	/* a zero-length entry chain that never reaches end is bounded */
	memset(bad, 0, sizeof(bad));
	memcpy(bad, r.page, 40);
	for (uint32_t pos = 40; pos + 24 <= sizeof(bad); pos += 24)
		migtd_wire_put_u64(bad + pos, 1);
	migtd_wire_put_u64(bad + 32, 44);
	assert_true(migtd_logarea_read(bad, sizeof(bad), &vcpu, NULL, NULL) < 0);
}

/* The reader's bounds at the page end: an entry may end exactly there, one
 * byte more is refused; a header that does not fit wraps to 40. */
static void test_reader_page_end(void **state)
{
	static struct migtd_logarea_ring r;
	static uint8_t page[MIGTD_LOGAREA_PAGE];
	const uint32_t fill =
		MIGTD_LOGAREA_PAGE - MIGTD_LOGAREA_HDR_LEN - MIGTD_LOGAREA_ENTRY_HDR_LEN;
	uint32_t vcpu;

	(void)state;
	migtd_logarea_ring_init(&r, 5);
	memcpy(page, r.page, sizeof(page));
	migtd_wire_put_u64(page + 40, 9);
	migtd_wire_put_u64(page + 48, 0x77);
	page[56] = 2;
	migtd_wire_put_u32(page + 60, fill);
	memset(page + 64, 'x', fill);
	migtd_wire_put_u64(page + 32, MIGTD_LOGAREA_PAGE);
	assert_int_equal(migtd_logarea_read(page, sizeof(page), &vcpu, NULL, NULL), 1);
	assert_int_equal(vcpu, 5);
	migtd_wire_put_u32(page + 60, fill + 1);
	assert_int_equal(migtd_logarea_read(page, sizeof(page), &vcpu, NULL, NULL),
			 MIGTD_ERR_LENGTH);
	/* start 8 bytes before the page end: no header fits, the walk wraps */
	migtd_wire_put_u32(page + 60, fill - 32);
	memset(page + MIGTD_LOGAREA_PAGE - 8, 0xff, 8);
	migtd_wire_put_u64(page + 24, MIGTD_LOGAREA_PAGE - 8);
	migtd_wire_put_u64(page + 32, MIGTD_LOGAREA_PAGE - 8);
	assert_int_equal(migtd_logarea_read(page, sizeof(page), &vcpu, NULL, NULL), 0);
	migtd_wire_put_u64(page + 32, MIGTD_LOGAREA_PAGE - 32);
	assert_int_equal(migtd_logarea_read(page, sizeof(page), &vcpu, NULL, NULL), 1);
}

static void test_descriptor(void **state)
{
	uint8_t out[64];
	const uint64_t gpa[2] = { 0x1000, 0x2000 };
	size_t n = 0;

	(void)state;
	assert_int_equal(migtd_logarea_desc_build(out, sizeof(out), gpa, 2, &n), MIGTD_OK);
	assert_int_equal(n, MIGTD_LOGAREA_DESC_LEN(2));
	assert_int_equal(migtd_wire_get_u32(out), 2);
	assert_int_equal(migtd_wire_get_u32(out + 4), 0);
	assert_int_equal(migtd_wire_get_u64(out + 8), 0x1000);
	assert_int_equal(migtd_wire_get_u64(out + 16), 4096);
	assert_int_equal(migtd_wire_get_u64(out + 24), 0x2000);
	assert_int_equal(migtd_logarea_desc_build(out, 20, gpa, 2, &n), MIGTD_ERR_NOSPACE);
}

/* ---- the area of one MigTD ---------------------------------------------------------- */

static unsigned published;
static uint8_t last_page[MIGTD_LOGAREA_PAGE];

static void publish(void *ctx, uint32_t vcpu, const uint8_t page[MIGTD_LOGAREA_PAGE])
{
	(void)ctx;
	assert_int_equal(vcpu, 0);
	memcpy(last_page, page, sizeof(last_page));
	published++;
}

static void test_area(void **state)
{
	static struct migtd_logarea a;
	uint8_t out[32];
	size_t n = 0;
	uint32_t vcpu;

	(void)state;
	published = 0;
	migtd_logarea_init(&a, 0xABC000, publish, NULL);
	/* before EnableLogArea: provisional only, nothing published */
	migtd_logarea_log(&a, 3, MIGTD_LOGAREA_NO_REQUEST, "boot", 4);
	migtd_logarea_log(&a, 4, MIGTD_LOGAREA_NO_REQUEST, "debug at boot", 13);
	assert_int_equal(published, 0);
	/* level 5 asked, 3 kept (release build); the provisional lines move over */
	assert_int_equal(migtd_logarea_enable(&a, 5, out, sizeof(out), &n), MIGTD_OK);
	assert_int_equal(a.level, 3);
	assert_int_equal(n, 24);
	assert_int_equal(migtd_wire_get_u32(out), 1);
	assert_int_equal(migtd_wire_get_u64(out + 8), 0xABC000);
	assert_int_equal(published, 1);
	assert_int_equal(a.shared.count, 2); /* provisional entries copied as they were */
	/* after: lines above the level are dropped, the others published */
	migtd_logarea_log(&a, 4, 7, "debug", 5);
	assert_int_equal(published, 1);
	migtd_logarea_log(&a, 1, 7, "error", 5);
	assert_int_equal(published, 2);
	/* a second EnableLogArea keeps the entries and takes the new level */
	assert_int_equal(migtd_logarea_enable(&a, 1, out, sizeof(out), &n), MIGTD_OK);
	assert_int_equal(a.level, 1);
	migtd_logarea_log(&a, 2, 7, "warn", 4);
	assert_int_equal(published, 3);
	assert_int_equal(migtd_logarea_read(last_page, sizeof(last_page), &vcpu, NULL, NULL), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_long_message_is_cut),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_reader_refuses),
		cmocka_unit_test(test_reader_page_end),
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_area),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
