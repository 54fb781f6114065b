/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * libFuzzer target: the virtio-vsock device model (src/emuhost/vsockdev.c) as
 * a malicious guest drives it. The input is a script of steps: raw guest
 * packets, structured packets (valid addresses, any op/flags/credit/length,
 * a header len that may lie), RX buffers of any size taken by the guest,
 * and the host side producing, consuming, ending or failing streams.
 * After every step the model's bounds are checked; ASan checks every copy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vsock_ids.h"
#include "vsockdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int next_handle;
static int fz_connect(void *ctx, uint32_t port, uint32_t guest_port)
{
	(void)ctx;
	(void)guest_port;
	return (port & 0xf) == 0xf ? -1 : next_handle++;
}
static void fz_shut(void *ctx, int handle)
{
	(void)ctx;
	(void)handle;
}
static void fz_close(void *ctx, int handle)
{
	(void)ctx;
	if (handle < 0)
		abort();
}
static const struct vsockdev_host_ops fz_ops = { fz_connect, fz_shut, fz_close };

static uint8_t pkt[VSOCKDEV_MAX_PKT + 64];
static uint8_t rx[VSOCKDEV_MAX_PKT + 64];

struct cursor {
	const uint8_t *p;
	size_t n;
};
static unsigned take(struct cursor *c, unsigned bytes)
{
	unsigned v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v = v << 8;
		if (c->n) {
			v |= *c->p++;
			c->n--;
		}
	}
	return v;
}

static void check(const struct vsockdev *d)
{
	if (d->rst_count > VSOCKDEV_RST_QUEUE)
		abort();
	for (unsigned i = 0; i < VSOCKDEV_MAX_CONNS; i++) {
		const struct vsockdev_conn *c = &d->conns[i];

		if (!c->used)
			continue;
		if (c->g2h_len > VSOCKDEV_BUF || c->h2g_len > VSOCKDEV_BUF || c->handle < 0)
			abort();
		/* The guest never has more in flight than it was allowed. */
		if ((uint32_t)(c->rx_cnt - c->fwd_cnt) != c->g2h_len)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vsockdev d;
	struct cursor cur = { data, size };

	next_handle = 3;
	vsockdev_init(&d, 18, &fz_ops, NULL);
	while (cur.n) {
		unsigned step = take(&cur, 1), i, n;
		struct vsockdev_conn *c;

		switch (step % 8) {
		case 0: { /* raw packet */
			n = take(&cur, 2) % (unsigned)sizeof(pkt);
			if (n > cur.n)
				n = (unsigned)cur.n;
			memcpy(pkt, cur.p, n);
			cur.p += n;
			cur.n -= n;
			vsockdev_guest_packet(&d, pkt, n);
			break;
		}
		case 1:
		case 2: { /* structured packet */
			struct vsockdev_hdr h;
			unsigned sel = take(&cur, 1);

			h.src_cid = (sel & 0x80) ? take(&cur, 1) : 18;
			h.dst_cid = (sel & 0x40) ? take(&cur, 1) : MIGTD_VSOCK_HOST_CID;
			h.src_port = 40001 + (sel & 7);
			h.dst_port = 7000 + ((sel >> 3) & 0xf);
			h.type = (sel & 0x20) && (take(&cur, 1) & 1) ? 2 : VSOCKDEV_TYPE_STREAM;
			h.op = (uint16_t)(take(&cur, 1) % 9);
			h.flags = take(&cur, 1);
			h.buf_alloc = take(&cur, 2) << 4;
			h.fwd_cnt = take(&cur, 2) << 4;
			n = take(&cur, 2) % (VSOCKDEV_BUF + 2);
			h.len = (sel & 0x10) ? n + take(&cur, 1) : n;
			vsockdev_hdr_write(pkt, &h);
			memset(pkt + VSOCKDEV_HDR_LEN, (int)n, n);
			vsockdev_guest_packet(&d, pkt, VSOCKDEV_HDR_LEN + n);
			break;
		}
		case 3: { /* the guest posts an RX buffer of some size */
			size_t cap = take(&cur, 2) % (sizeof(rx) + 1), got;

			got = vsockdev_rx_next(&d, rx, cap);
			if (got > cap || (got && got < VSOCKDEV_HDR_LEN))
				abort();
			break;
		}
		case 4: /* host bytes arrive */
			i = take(&cur, 1) % VSOCKDEV_MAX_CONNS;
			c = &d.conns[i];
			n = take(&cur, 2);
			if (n > vsockdev_h2g_room(c))
				n = (unsigned)vsockdev_h2g_room(c);
			if (n) {
				memset(vsockdev_h2g_tail(c), 0x5a, n);
				vsockdev_h2g_produced(c, n);
			}
			break;
		case 5: /* host takes bytes */
			i = take(&cur, 1) % VSOCKDEV_MAX_CONNS;
			vsockdev_g2h_consumed(&d, &d.conns[i], take(&cur, 2));
			break;
		case 6: vsockdev_host_eof(&d, &d.conns[take(&cur, 1) % VSOCKDEV_MAX_CONNS]); break;
		default:
			vsockdev_host_error(&d, &d.conns[take(&cur, 1) % VSOCKDEV_MAX_CONNS]);
			break;
		}
		check(&d);
	}
	/* Drain: bounded (every packet either moves bytes or clears a flag). */
	for (unsigned k = 0; k < 100000 && vsockdev_rx_pending(&d); k++)
		if (!vsockdev_rx_next(&d, rx, VSOCKDEV_HDR_LEN + 4096))
			break;
	vsockdev_fini(&d);
	return 0;
}
