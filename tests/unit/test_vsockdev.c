/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * The virtio-vsock device model (src/emuhost/vsockdev.c) against a scripted
 * guest: connect/RESPONSE, data both ways with credit, the shutdown
 * sequence a MigTD runs, host end of stream, and everything a malicious
 * guest can try (other CIDs, bad lengths, credit violations, unknown ops,
 * RW without a connection, duplicate connects, too many connections).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vsock_ids.h"
#include "vsockdev.h"

#define GCID 18u

struct fake_host {
	int next_handle;
	bool refuse;
	int closed[256];
	unsigned nclosed;
	int shut[16];
	unsigned nshut;
	uint32_t last_port, last_guest_port;
};

static int fh_connect(void *ctx, uint32_t port, uint32_t guest_port)
{
	struct fake_host *f = ctx;

	f->last_port = port;
	f->last_guest_port = guest_port;
	return f->refuse ? -1 : f->next_handle++;
}

static void fh_shut(void *ctx, int handle)
{
	struct fake_host *f = ctx;

	if (f->nshut < 16)
		f->shut[f->nshut++] = handle;
}

static void fh_close(void *ctx, int handle)
{
	struct fake_host *f = ctx;

	if (f->nclosed < 256)
		f->closed[f->nclosed++] = handle;
}

static const struct vsockdev_host_ops fh_ops = { fh_connect, fh_shut, fh_close };

static struct vsockdev dev;
static struct fake_host fh;
static uint8_t pkt[VSOCKDEV_MAX_PKT + 16];

static int setup(void **state)
{
	(void)state;
	memset(&fh, 0, sizeof(fh));
	fh.next_handle = 100;
	vsockdev_init(&dev, GCID, &fh_ops, &fh);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vsockdev_fini(&dev);
	return 0;
}

/* Send a guest packet; payload len n (or the header's len forced by hlen). */
static void gsend_full(uint64_t src_cid, uint64_t dst_cid, uint32_t sport, uint32_t dport,
		       uint16_t type, uint16_t op, uint32_t flags, uint32_t buf_alloc,
		       uint32_t fwd_cnt, const void *data, size_t n, uint32_t hlen)
{
	struct vsockdev_hdr h = {
		.src_cid = src_cid,
		.dst_cid = dst_cid,
		.src_port = sport,
		.dst_port = dport,
		.len = hlen,
		.type = type,
		.op = op,
		.flags = flags,
		.buf_alloc = buf_alloc,
		.fwd_cnt = fwd_cnt,
	};

	vsockdev_hdr_write(pkt, &h);
	if (n)
		memcpy(pkt + VSOCKDEV_HDR_LEN, data, n);
	vsockdev_guest_packet(&dev, pkt, VSOCKDEV_HDR_LEN + n);
}

static void gsend(uint32_t sport, uint32_t dport, uint16_t op, uint32_t flags, uint32_t fwd_cnt,
		  const void *data, size_t n)
{
	gsend_full(GCID, MIGTD_VSOCK_HOST_CID, sport, dport, VSOCKDEV_TYPE_STREAM, op, flags,
		   0x40000, fwd_cnt, data, n, (uint32_t)n);
}

/* Take the next packet for the guest; expect op (0: none pending). */
static struct vsockdev_hdr grecv_cap(uint16_t op, uint8_t *payload, size_t cap)
{
	static uint8_t buf[VSOCKDEV_HDR_LEN + 8192];
	struct vsockdev_hdr h;
	size_t n;

	memset(&h, 0, sizeof(h));
	n = vsockdev_rx_next(&dev, buf, cap);
	if (op == 0) {
		assert_int_equal(n, 0);
		assert_false(vsockdev_rx_pending(&dev));
		return h;
	}
	assert_true(n >= VSOCKDEV_HDR_LEN);
	vsockdev_hdr_parse(buf, &h);
	assert_int_equal(h.op, op);
	assert_int_equal(h.src_cid, MIGTD_VSOCK_HOST_CID);
	assert_int_equal(h.dst_cid, GCID);
	assert_int_equal(h.type, VSOCKDEV_TYPE_STREAM);
	assert_int_equal(h.len, n - VSOCKDEV_HDR_LEN);
	if (payload && h.len)
		memcpy(payload, buf + VSOCKDEV_HDR_LEN, h.len);
	return h;
}

static struct vsockdev_hdr grecv(uint16_t op)
{
	return grecv_cap(op, NULL, VSOCKDEV_HDR_LEN + 4096);
}

static struct vsockdev_conn *conn_find(uint32_t gport)
{
	for (unsigned i = 0; i < VSOCKDEV_MAX_CONNS; i++)
		if (dev.conns[i].used && dev.conns[i].guest_port == gport)
			return &dev.conns[i];
	return NULL;
}

/* The live connection of gport (the test fails if there is none). */
static struct vsockdev_conn *conn_of(uint32_t gport)
{
	static struct vsockdev_conn none;
	struct vsockdev_conn *c = conn_find(gport);

	if (!c)
		fail_msg("no connection for guest port %u", gport);
	return c ? c : &none;
}

static void connect_ok(uint32_t gport, uint32_t hport)
{
	struct vsockdev_hdr h;

	gsend(gport, hport, VSOCKDEV_OP_REQUEST, 0, 0, NULL, 0);
	assert_int_equal(fh.last_port, hport);
	assert_int_equal(fh.last_guest_port, gport);
	h = grecv(VSOCKDEV_OP_RESPONSE);
	assert_int_equal(h.src_port, hport);
	assert_int_equal(h.dst_port, gport);
	assert_int_equal(h.buf_alloc, VSOCKDEV_BUF);
	assert_int_equal(h.fwd_cnt, 0);
	assert_non_null(conn_find(gport));
}

static void test_connect_and_data(void **state)
{
	uint8_t data[3000], got[4096];
	struct vsockdev_conn *c;
	struct vsockdev_hdr h;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	connect_ok(40001, 5100);
	grecv(0);
	gsend(40001, 5100, VSOCKDEV_OP_RW, 0, 0, data, sizeof(data));
	c = conn_of(40001);
	assert_int_equal(c->g2h_len, sizeof(data));
	assert_memory_equal(c->g2h, data, sizeof(data));
	vsockdev_g2h_consumed(&dev, c, 1000);
	assert_int_equal(c->g2h_len, 2000);
	assert_memory_equal(c->g2h, data + 1000, 2000);
	assert_int_equal(c->fwd_cnt, 1000);
	/* host -> guest: split at the RX buffer's size */
	memcpy(vsockdev_h2g_tail(c), data, sizeof(data));
	vsockdev_h2g_produced(c, sizeof(data));
	h = grecv_cap(VSOCKDEV_OP_RW, got, VSOCKDEV_HDR_LEN + 2048);
	assert_int_equal(h.len, 2048);
	assert_int_equal(h.fwd_cnt, 1000); /* every packet carries fwd_cnt */
	assert_memory_equal(got, data, 2048);
	h = grecv_cap(VSOCKDEV_OP_RW, got, VSOCKDEV_HDR_LEN + 4096);
	assert_int_equal(h.len, sizeof(data) - 2048);
	assert_memory_equal(got, data + 2048, sizeof(data) - 2048);
	grecv(0);
	assert_int_equal(dev.stats.connects, 1);
}

static void test_guest_credit_respected(void **state)
{
	struct vsockdev_conn *c;
	struct vsockdev_hdr h;

	(void)state;
	/* The guest advertises 1000 bytes of buffer. */
	gsend_full(GCID, 2, 40001, 7001, 1, VSOCKDEV_OP_REQUEST, 0, 1000, 0, NULL, 0, 0);
	grecv(VSOCKDEV_OP_RESPONSE);
	c = conn_of(40001);
	memset(vsockdev_h2g_tail(c), 0xab, 3000);
	vsockdev_h2g_produced(c, 3000);
	h = grecv(VSOCKDEV_OP_RW);
	assert_int_equal(h.len, 1000);
	/* No credit left: one CREDIT_REQUEST, then silence. */
	grecv(VSOCKDEV_OP_CREDIT_REQUEST);
	grecv(0);
	/* The guest consumed 600 (its CREDIT_UPDATE carries fwd_cnt 600). */
	gsend_full(GCID, 2, 40001, 7001, 1, VSOCKDEV_OP_CREDIT_UPDATE, 0, 1000, 600, NULL, 0, 0);
	h = grecv(VSOCKDEV_OP_RW);
	assert_int_equal(h.len, 600);
	/* A guest lying about fwd_cnt (more than was ever sent) gets nothing. */
	gsend_full(GCID, 2, 40001, 7001, 1, VSOCKDEV_OP_CREDIT_UPDATE, 0, 1000, 900000, NULL, 0, 0);
	assert_int_equal(c->h2g_len, 1400);
	grecv(VSOCKDEV_OP_CREDIT_REQUEST);
	grecv(0);
}

static void test_credit_update_to_guest(void **state)
{
	static uint8_t big[VSOCKDEV_BUF];
	struct vsockdev_conn *c;
	struct vsockdev_hdr h;

	(void)state;
	connect_ok(40001, 7001);
	c = conn_of(40001);
	gsend(40001, 7001, VSOCKDEV_OP_RW, 0, 0, big, 40000);
	grecv(0);
	/* The host took it all: the guest still believes 40000 are used. */
	vsockdev_g2h_consumed(&dev, c, 40000);
	h = grecv(VSOCKDEV_OP_CREDIT_UPDATE);
	assert_int_equal(h.fwd_cnt, 40000);
	assert_int_equal(h.buf_alloc, VSOCKDEV_BUF);
	grecv(0);
	/* CREDIT_REQUEST is always answered. */
	gsend(40001, 7001, VSOCKDEV_OP_CREDIT_REQUEST, 0, 0, NULL, 0);
	h = grecv(VSOCKDEV_OP_CREDIT_UPDATE);
	assert_int_equal(h.fwd_cnt, 40000);
	/* Exactly the advertised buffer fits ... */
	gsend(40001, 7001, VSOCKDEV_OP_RW, 0, 0, big, VSOCKDEV_BUF);
	assert_int_equal(c->g2h_len, VSOCKDEV_BUF);
	assert_int_equal(dev.stats.credit_violations, 0);
}

/* A guest that sends again before it saw our CREDIT_UPDATE (more than its
 * view of the credit, still within the real free space): accepted, and the
 * next consumption still produces a CREDIT_UPDATE (no wrap-around). */
static void test_credit_view_overrun(void **state)
{
	static uint8_t big[VSOCKDEV_BUF];
	struct vsockdev_conn *c;
	struct vsockdev_hdr h;

	(void)state;
	connect_ok(40001, 7001);
	c = conn_of(40001);
	/* 30000 in flight by the guest's view: under half, no update yet. */
	gsend(40001, 7001, VSOCKDEV_OP_RW, 0, 0, big, 30000);
	vsockdev_g2h_consumed(&dev, c, 30000);
	grecv(0);
	/* 60000 more: beyond the guest's view (it saw fwd_cnt 0), within the
	 * real free space. 90000 bytes are now "in flight" for the guest. */
	gsend(40001, 7001, VSOCKDEV_OP_RW, 0, 0, big, 60000);
	assert_int_equal(dev.stats.credit_violations, 0);
	assert_int_equal(c->g2h_len, 60000);
	vsockdev_g2h_consumed(&dev, c, 10000);
	h = grecv(VSOCKDEV_OP_CREDIT_UPDATE);
	assert_int_equal(h.fwd_cnt, 40000);
	grecv(0);
}

static void test_credit_violation_rst(void **state)
{
	static uint8_t big[VSOCKDEV_BUF];
	struct vsockdev_hdr h;

	(void)state;
	connect_ok(40001, 7001);
	gsend(40001, 7001, VSOCKDEV_OP_RW, 0, 0, big, 60000);
	/* ... one byte more than the advertised space is a violation. */
	gsend(40001, 7001, VSOCKDEV_OP_RW, 0, 0, big, VSOCKDEV_BUF - 60000 + 1);
	assert_int_equal(dev.stats.credit_violations, 1);
	assert_null(conn_find(40001));
	assert_int_equal(fh.nclosed, 1);
	assert_int_equal(fh.closed[0], 100);
	h = grecv(VSOCKDEV_OP_RST);
	assert_int_equal(h.dst_port, 40001);
	assert_int_equal(h.src_port, 7001);
	grecv(0);
}

static void test_bad_packets(void **state)
{
	uint8_t junk[64] = { 0 };
	struct vsockdev_hdr h;

	(void)state;
	/* Shorter than a header: dropped. */
	vsockdev_guest_packet(&dev, junk, 43);
	/* Spoofed source CID, or a destination other than the host: dropped. */
	gsend_full(GCID + 1, 2, 1, 2, 1, VSOCKDEV_OP_REQUEST, 0, 0, 0, NULL, 0, 0);
	gsend_full(GCID, 3, 1, 2, 1, VSOCKDEV_OP_REQUEST, 0, 0, 0, NULL, 0, 0);
	assert_int_equal(fh.next_handle, 100); /* nothing was connected */
	grecv(0);
	assert_int_equal(dev.stats.dropped, 3);
	/* Header len larger than the packet (an over-read if trusted): RST. */
	gsend_full(GCID, 2, 40001, 7001, 1, VSOCKDEV_OP_RW, 0, 0, 0, junk, 10, 4096);
	h = grecv(VSOCKDEV_OP_RST);
	assert_int_equal(h.dst_port, 40001);
	/* Oversized: more than one buffer. */
	gsend_full(GCID, 2, 40002, 7001, 1, VSOCKDEV_OP_RW, 0, 0, 0, pkt + VSOCKDEV_HDR_LEN,
		   VSOCKDEV_BUF + 1, VSOCKDEV_BUF + 1);
	grecv(VSOCKDEV_OP_RST);
	/* Datagram type, payload on a REQUEST: RST. */
	gsend_full(GCID, 2, 40003, 7001, 3, VSOCKDEV_OP_REQUEST, 0, 0, 0, NULL, 0, 0);
	grecv(VSOCKDEV_OP_RST);
	gsend_full(GCID, 2, 40004, 7001, 1, VSOCKDEV_OP_REQUEST, 0, 0, 0, junk, 8, 8);
	grecv(VSOCKDEV_OP_RST);
	/* RW / SHUTDOWN / CREDIT_REQUEST for no connection: RST. */
	gsend(40005, 7001, VSOCKDEV_OP_RW, 0, 0, junk, 8);
	grecv(VSOCKDEV_OP_RST);
	gsend(40005, 7001, VSOCKDEV_OP_SHUTDOWN, 3, 0, NULL, 0);
	grecv(VSOCKDEV_OP_RST);
	/* An RST for no connection is never answered. */
	gsend(40005, 7001, VSOCKDEV_OP_RST, 0, 0, NULL, 0);
	grecv(0);
	assert_int_equal(fh.next_handle, 100);
	/* Unknown op and RESPONSE on a live connection: RST, closed. */
	connect_ok(40010, 7001);
	gsend(40010, 7001, 99, 0, 0, NULL, 0);
	grecv(VSOCKDEV_OP_RST);
	assert_null(conn_find(40010));
	connect_ok(40011, 7001);
	gsend(40011, 7001, VSOCKDEV_OP_RESPONSE, 0, 0, NULL, 0);
	grecv(VSOCKDEV_OP_RST);
	assert_null(conn_find(40011));
	/* A second REQUEST on a live pair ends it. */
	connect_ok(40012, 7001);
	gsend(40012, 7001, VSOCKDEV_OP_REQUEST, 0, 0, NULL, 0);
	grecv(VSOCKDEV_OP_RST);
	assert_null(conn_find(40012));
	assert_int_equal(fh.nclosed, 3);
	grecv(0);
}

static void test_refused_and_limits(void **state)
{
	(void)state;
	fh.refuse = true;
	gsend(40001, 7001, VSOCKDEV_OP_REQUEST, 0, 0, NULL, 0);
	grecv(VSOCKDEV_OP_RST);
	assert_null(conn_find(40001));
	fh.refuse = false;
	for (uint32_t i = 0; i < VSOCKDEV_MAX_CONNS; i++)
		connect_ok(41000 + i, 7001);
	gsend(42000, 7001, VSOCKDEV_OP_REQUEST, 0, 0, NULL, 0);
	grecv(VSOCKDEV_OP_RST);
	assert_int_equal(dev.stats.refused, 2);
	/* A flood of bad packets while the guest posts no RX buffers: the
	 * RST queue is bounded and the excess is counted as dropped. */
	for (uint32_t i = 0; i < 100; i++)
		gsend(50000 + i, 7001, VSOCKDEV_OP_RW, 0, 0, NULL, 0);
	assert_int_equal(dev.rst_count, VSOCKDEV_RST_QUEUE);
	assert_int_equal(dev.stats.dropped, 100 - VSOCKDEV_RST_QUEUE);
}

/* The MigTD's close after the MSK exchange: SHUTDOWN(3), wait for RST. */
static void test_guest_shutdown(void **state)
{
	uint8_t data[100] = { 1 };
	struct vsockdev_conn *c;
	struct vsockdev_hdr h;

	(void)state;
	connect_ok(40001, 7001);
	c = conn_of(40001);
	gsend(40001, 7001, VSOCKDEV_OP_RW, 0, 0, data, sizeof(data));
	gsend(40001, 7001, VSOCKDEV_OP_SHUTDOWN, 3, 0, NULL, 0);
	/* Not before its last bytes reached the host. */
	assert_non_null(conn_find(40001));
	grecv(0);
	/* Data after SHUTDOWN(send) is a protocol error ... tested below;
	 * here the host takes the bytes, and the guest gets its RST. */
	vsockdev_g2h_consumed(&dev, c, sizeof(data));
	assert_null(conn_find(40001));
	assert_int_equal(fh.nclosed, 1);
	h = grecv(VSOCKDEV_OP_RST);
	assert_int_equal(h.dst_port, 40001);
	grecv(0);

	/* Half close: "no more send" only -> host shut_write, still readable. */
	connect_ok(40002, 7001);
	c = conn_of(40002);
	gsend(40002, 7001, VSOCKDEV_OP_SHUTDOWN, VSOCKDEV_SHUT_SEND, 0, NULL, 0);
	assert_int_equal(fh.nshut, 1);
	memset(vsockdev_h2g_tail(c), 5, 10);
	vsockdev_h2g_produced(c, 10);
	h = grecv(VSOCKDEV_OP_RW);
	assert_int_equal(h.len, 10);
	gsend(40002, 7001, VSOCKDEV_OP_RW, 0, 0, data, 5);
	grecv(VSOCKDEV_OP_RST);
	assert_null(conn_find(40002));
}

/* The relay ended the stream: the guest gets SHUTDOWN after the data. */
static void test_host_eof(void **state)
{
	struct vsockdev_conn *c;
	struct vsockdev_hdr h;

	(void)state;
	connect_ok(40001, 7001);
	c = conn_of(40001);
	memset(vsockdev_h2g_tail(c), 9, 50);
	vsockdev_h2g_produced(c, 50);
	vsockdev_host_eof(&dev, c);
	assert_int_equal(vsockdev_h2g_room(c), 0);
	h = grecv(VSOCKDEV_OP_RW);
	assert_int_equal(h.len, 50);
	h = grecv(VSOCKDEV_OP_SHUTDOWN);
	assert_int_equal(h.flags, 3);
	grecv(0);
	/* The guest answers with its own SHUTDOWN(3): RST, closed. */
	gsend(40001, 7001, VSOCKDEV_OP_SHUTDOWN, 3, 0, NULL, 0);
	grecv(VSOCKDEV_OP_RST);
	assert_null(conn_find(40001));
	/* A host error resets at once. */
	connect_ok(40002, 7001);
	vsockdev_host_error(&dev, conn_of(40002));
	grecv(VSOCKDEV_OP_RST);
	assert_null(conn_find(40002));
	/* The guest's RST closes without an answer. */
	connect_ok(40003, 7001);
	gsend(40003, 7001, VSOCKDEV_OP_RST, 0, 0, NULL, 0);
	assert_null(conn_find(40003));
	grecv(0);
}

/* A device reset forgets every connection silently; a rebooted guest
 * connects again from the same local port. */
static void test_reset(void **state)
{
	(void)state;
	connect_ok(40001, 7001);
	connect_ok(40002, 5100);
	gsend(50000, 7001, VSOCKDEV_OP_RW, 0, 0, NULL, 0); /* queues an RST */
	vsockdev_reset(&dev);
	assert_int_equal(fh.nclosed, 2);
	assert_null(conn_find(40001));
	grecv(0);
	connect_ok(40001, 7001);
	grecv(0);
}

/* 16 streams at once, interleaved, each with its own bytes and credit. */
static void test_many_streams(void **state)
{
	uint8_t data[200], got[4096];

	(void)state;
	for (uint32_t i = 0; i < 16; i++)
		connect_ok(40001 + i, 7001 + i);
	for (uint32_t round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < 16; i++) {
			memset(data, (int)(i + round * 16), sizeof(data));
			gsend(40001 + i, 7001 + i, VSOCKDEV_OP_RW, 0, 0, data, sizeof(data));
			struct vsockdev_conn *c = conn_of(40001 + i);
			memcpy(vsockdev_h2g_tail(c), data, sizeof(data));
			vsockdev_h2g_produced(c, sizeof(data));
		}
	}
	for (uint32_t i = 0; i < 16; i++) {
		struct vsockdev_conn *c = conn_of(40001 + i);

		assert_int_equal(c->g2h_len, 600);
		for (uint32_t round = 0; round < 3; round++)
			assert_int_equal(c->g2h[round * 200 + 5], (uint8_t)(i + round * 16));
	}
	/* Round robin: each stream's 600 bytes arrive, in order per stream. */
	for (uint32_t k = 0; k < 16; k++) {
		struct vsockdev_hdr h = grecv_cap(VSOCKDEV_OP_RW, got, sizeof(got));
		uint32_t i = h.dst_port - 40001;

		assert_int_equal(h.src_port, 7001 + i);
		assert_int_equal(h.len, 600);
		assert_int_equal(got[0], (uint8_t)i);
		assert_int_equal(got[599], (uint8_t)(i + 32));
	}
	grecv(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_and_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_credit_respected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credit_update_to_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credit_view_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credit_violation_rst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_and_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_streams, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
