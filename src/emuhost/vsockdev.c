/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * vsockdev.c -- the device side of virtio-vsock (see vsockdev.h and
 * docs/vhost-user.md).
 *
 * Credit, both ways (docs/vsock.md):
 *  - towards the host the device advertises buf_alloc = VSOCKDEV_BUF and
 *    fwd_cnt = bytes the host endpoint took; a guest RW that does not fit
 *    in what is left of the buffer is a credit violation -> RST. The guest
 *    learns of freed space from the fwd_cnt of every packet we send, and
 *    from a CREDIT_UPDATE once its view of our free space fell below half
 *    of the buffer while the real free space is larger.
 *  - towards the guest the device sends at most
 *    peer_buf_alloc - (tx_cnt - peer_fwd_cnt) bytes (computed in wrapping
 *    u32 as on the wire, and 0 when the guest's numbers are inconsistent),
 *    and asks once with CREDIT_REQUEST when that is 0 and data waits.
 */
#include "vsockdev.h"

#include <stdlib.h>
#include <string.h>

#include "vsock_ids.h"
#include "migtd/wire.h"

void vsockdev_hdr_parse(const uint8_t b[VSOCKDEV_HDR_LEN], struct vsockdev_hdr *h)
{
	h->src_cid = migtd_wire_get_u64(b);
	h->dst_cid = migtd_wire_get_u64(b + 8);
	h->src_port = migtd_wire_get_u32(b + 16);
	h->dst_port = migtd_wire_get_u32(b + 20);
	h->len = migtd_wire_get_u32(b + 24);
	h->type = migtd_wire_get_u16(b + 28);
	h->op = migtd_wire_get_u16(b + 30);
	h->flags = migtd_wire_get_u32(b + 32);
	h->buf_alloc = migtd_wire_get_u32(b + 36);
	h->fwd_cnt = migtd_wire_get_u32(b + 40);
}

void vsockdev_hdr_write(uint8_t b[VSOCKDEV_HDR_LEN], const struct vsockdev_hdr *h)
{
	migtd_wire_put_u64(b, h->src_cid);
	migtd_wire_put_u64(b + 8, h->dst_cid);
	migtd_wire_put_u32(b + 16, h->src_port);
	migtd_wire_put_u32(b + 20, h->dst_port);
	migtd_wire_put_u32(b + 24, h->len);
	migtd_wire_put_u16(b + 28, h->type);
	migtd_wire_put_u16(b + 30, h->op);
	migtd_wire_put_u32(b + 32, h->flags);
	migtd_wire_put_u32(b + 36, h->buf_alloc);
	migtd_wire_put_u32(b + 40, h->fwd_cnt);
}

void vsockdev_init(struct vsockdev *d, uint64_t guest_cid, const struct vsockdev_host_ops *ops,
		   void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->guest_cid = guest_cid;
	d->ops = ops;
	d->ctx = ctx;
}

static void conn_free(struct vsockdev *d, struct vsockdev_conn *c)
{
	if (!c->used)
		return;
	d->ops->close(d->ctx, c->handle);
	free(c->g2h);
	free(c->h2g);
	memset(c, 0, sizeof(*c));
}

void vsockdev_fini(struct vsockdev *d)
{
	for (unsigned i = 0; i < VSOCKDEV_MAX_CONNS; i++)
		conn_free(d, &d->conns[i]);
}

void vsockdev_reset(struct vsockdev *d)
{
	vsockdev_fini(d);
	d->rst_head = d->rst_count = 0;
}

/* Queue an RST for an address pair that has (or keeps) no connection. */
static void rst_queue(struct vsockdev *d, uint32_t guest_port, uint32_t host_port)
{
	unsigned slot;

	if (d->rst_count == VSOCKDEV_RST_QUEUE) {
		/* A guest that floods bad packets and posts no RX buffers loses
		 * answers, not memory. */
		d->stats.dropped++;
		return;
	}
	slot = (d->rst_head + d->rst_count) % VSOCKDEV_RST_QUEUE;
	d->rst[slot].guest_port = guest_port;
	d->rst[slot].host_port = host_port;
	d->rst_count++;
}

/* End a connection with RST to the guest. */
static void conn_reset(struct vsockdev *d, struct vsockdev_conn *c)
{
	rst_queue(d, c->guest_port, c->host_port);
	conn_free(d, c);
}

static struct vsockdev_conn *conn_find(struct vsockdev *d, uint32_t guest_port, uint32_t host_port)
{
	for (unsigned i = 0; i < VSOCKDEV_MAX_CONNS; i++) {
		struct vsockdev_conn *c = &d->conns[i];

		if (c->used && c->guest_port == guest_port && c->host_port == host_port)
			return c;
	}
	return NULL;
}

static void on_request(struct vsockdev *d, const struct vsockdev_hdr *h)
{
	struct vsockdev_conn *c = NULL;
	int handle;

	for (unsigned i = 0; i < VSOCKDEV_MAX_CONNS && !c; i++)
		if (!d->conns[i].used)
			c = &d->conns[i];
	if (!c) {
		d->stats.refused++;
		rst_queue(d, h->src_port, h->dst_port);
		return;
	}
	c->g2h = malloc(VSOCKDEV_BUF);
	c->h2g = malloc(VSOCKDEV_BUF);
	handle = (c->g2h && c->h2g) ? d->ops->connect(d->ctx, h->dst_port, h->src_port) : -1;
	if (handle < 0) {
		free(c->g2h);
		free(c->h2g);
		c->g2h = c->h2g = NULL;
		d->stats.refused++;
		rst_queue(d, h->src_port, h->dst_port);
		return;
	}
	c->used = true;
	c->handle = handle;
	c->guest_port = h->src_port;
	c->host_port = h->dst_port;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	c->need_response = true;
	d->stats.connects++;
}

/* Deliverable end of a guest's sending half: pass it on once drained. */
static void conn_check_guest_done(struct vsockdev *d, struct vsockdev_conn *c)
{
	if (!(c->guest_shut & VSOCKDEV_SHUT_SEND) || c->g2h_len)
		return;
	if ((c->guest_shut & VSOCKDEV_SHUT_RCV) || (c->host_eof && !c->h2g_len)) {
		/* Nothing more either way: close, and the guest's SHUTDOWN is
		 * answered with the RST it waits for (docs/vsock.md). */
		conn_reset(d, c);
		return;
	}
	if (!c->host_shut_write) {
		c->host_shut_write = true;
		d->ops->shut_write(d->ctx, c->handle);
	}
}

void vsockdev_guest_packet(struct vsockdev *d, const uint8_t *pkt, size_t len)
{
	struct vsockdev_hdr h;
	struct vsockdev_conn *c;
	size_t payload;

	if (len < VSOCKDEV_HDR_LEN) {
		d->stats.bad_packets++;
		d->stats.dropped++;
		return;
	}
	vsockdev_hdr_parse(pkt, &h);
	payload = len - VSOCKDEV_HDR_LEN;
	/* A packet claiming another source, or for anyone but the host, has
	 * nobody we could answer: drop it. */
	if (h.src_cid != d->guest_cid || h.dst_cid != MIGTD_VSOCK_HOST_CID) {
		d->stats.bad_packets++;
		d->stats.dropped++;
		return;
	}
	if (h.op == VSOCKDEV_OP_RST) {
		/* Never answer an RST with one; just forget the connection. */
		c = conn_find(d, h.src_port, h.dst_port);
		if (c)
			conn_free(d, c);
		return;
	}
	c = conn_find(d, h.src_port, h.dst_port);
	if (h.type != VSOCKDEV_TYPE_STREAM || h.len != payload || h.len > VSOCKDEV_BUF ||
	    (h.op != VSOCKDEV_OP_RW && h.len != 0)) {
		d->stats.bad_packets++;
		if (c)
			conn_reset(d, c);
		else
			rst_queue(d, h.src_port, h.dst_port);
		return;
	}
	if (h.op == VSOCKDEV_OP_REQUEST) {
		if (c) {
			/* A second connect on a live address pair: the guest lost
			 * track; end both. */
			d->stats.bad_packets++;
			conn_reset(d, c);
			return;
		}
		on_request(d, &h);
		return;
	}
	if (!c) {
		rst_queue(d, h.src_port, h.dst_port);
		return;
	}
	/* Every header refreshes the guest's credit (docs/vsock.md). */
	if (h.fwd_cnt != c->peer_fwd_cnt)
		c->credit_requested = false;
	c->peer_buf_alloc = h.buf_alloc;
	c->peer_fwd_cnt = h.fwd_cnt;
	switch (h.op) {
	case VSOCKDEV_OP_RW:
		if (c->guest_shut & VSOCKDEV_SHUT_SEND) {
			d->stats.bad_packets++;
			conn_reset(d, c);
			return;
		}
		if (h.len > VSOCKDEV_BUF - c->g2h_len) {
			d->stats.credit_violations++;
			conn_reset(d, c);
			return;
		}
		memcpy(c->g2h + c->g2h_len, pkt + VSOCKDEV_HDR_LEN, h.len);
		c->g2h_len += h.len;
		c->rx_cnt += h.len;
		return;
	case VSOCKDEV_OP_CREDIT_UPDATE: return;
	case VSOCKDEV_OP_CREDIT_REQUEST: c->need_credit_update = true; return;
	case VSOCKDEV_OP_SHUTDOWN:
		c->guest_shut |= h.flags & (VSOCKDEV_SHUT_RCV | VSOCKDEV_SHUT_SEND);
		if (c->guest_shut & VSOCKDEV_SHUT_RCV)
			c->h2g_len = 0; /* the guest reads no more */
		conn_check_guest_done(d, c);
		return;
	default: /* RESPONSE (we never connect to the guest) or unknown op */
		d->stats.bad_packets++;
		conn_reset(d, c);
		return;
	}
}

static uint32_t guest_credit(const struct vsockdev_conn *c)
{
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

	return in_flight > c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

static bool conn_pending(const struct vsockdev_conn *c)
{
	if (!c->used)
		return false;
	if (c->need_response || c->need_credit_update)
		return true;
	if (c->h2g_len && !(c->guest_shut & VSOCKDEV_SHUT_RCV))
		return guest_credit(c) > 0 || !c->credit_requested;
	return c->host_eof && !c->h2g_len && !c->shutdown_sent;
}

bool vsockdev_rx_pending(const struct vsockdev *d)
{
	if (d->rst_count)
		return true;
	for (unsigned i = 0; i < VSOCKDEV_MAX_CONNS; i++)
		if (conn_pending(&d->conns[i]))
			return true;
	return false;
}

static void hdr_for(const struct vsockdev *d, const struct vsockdev_conn *c, uint32_t guest_port,
		    uint32_t host_port, uint16_t op, struct vsockdev_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = MIGTD_VSOCK_HOST_CID;
	h->dst_cid = d->guest_cid;
	h->src_port = host_port;
	h->dst_port = guest_port;
	h->type = VSOCKDEV_TYPE_STREAM;
	h->op = op;
	if (c) {
		h->buf_alloc = VSOCKDEV_BUF;
		h->fwd_cnt = c->fwd_cnt;
	}
}

size_t vsockdev_rx_next(struct vsockdev *d, uint8_t *buf, size_t cap)
{
	struct vsockdev_hdr h;

	if (cap < VSOCKDEV_HDR_LEN)
		return 0;
	if (d->rst_count) {
		hdr_for(d, NULL, d->rst[d->rst_head].guest_port, d->rst[d->rst_head].host_port,
			VSOCKDEV_OP_RST, &h);
		d->rst_head = (d->rst_head + 1) % VSOCKDEV_RST_QUEUE;
		d->rst_count--;
		d->stats.resets_sent++;
		vsockdev_hdr_write(buf, &h);
		return VSOCKDEV_HDR_LEN;
	}
	for (unsigned k = 0; k < VSOCKDEV_MAX_CONNS; k++) {
		unsigned i = (d->rr + k) % VSOCKDEV_MAX_CONNS;
		struct vsockdev_conn *c = &d->conns[i];
		size_t n = 0;
		uint16_t op;

		if (!conn_pending(c))
			continue;
		if (c->need_response) {
			op = VSOCKDEV_OP_RESPONSE;
			c->need_response = false;
		} else if (c->h2g_len && !(c->guest_shut & VSOCKDEV_SHUT_RCV) && guest_credit(c)) {
			op = VSOCKDEV_OP_RW;
			n = c->h2g_len;
			if (n > guest_credit(c))
				n = guest_credit(c);
			if (n > cap - VSOCKDEV_HDR_LEN)
				n = cap - VSOCKDEV_HDR_LEN;
			if (n == 0)
				return 0; /* only a header fits: wait for a bigger buffer */
		} else if (c->need_credit_update) {
			op = VSOCKDEV_OP_CREDIT_UPDATE;
		} else if (c->h2g_len && !(c->guest_shut & VSOCKDEV_SHUT_RCV)) {
			op = VSOCKDEV_OP_CREDIT_REQUEST; /* no credit: ask, once */
			c->credit_requested = true;
		} else {
			op = VSOCKDEV_OP_SHUTDOWN;
			c->shutdown_sent = true;
		}
		hdr_for(d, c, c->guest_port, c->host_port, op, &h);
		if (op == VSOCKDEV_OP_SHUTDOWN)
			h.flags = VSOCKDEV_SHUT_RCV | VSOCKDEV_SHUT_SEND;
		h.len = (uint32_t)n;
		vsockdev_hdr_write(buf, &h);
		if (n) {
			memcpy(buf + VSOCKDEV_HDR_LEN, c->h2g, n);
			memmove(c->h2g, c->h2g + n, c->h2g_len - n);
			c->h2g_len -= n;
			c->tx_cnt += (uint32_t)n;
		}
		/* Every packet tells the guest our fwd_cnt. */
		c->fwd_cnt_sent = c->fwd_cnt;
		c->need_credit_update = false;
		d->rr = (i + 1) % VSOCKDEV_MAX_CONNS;
		return VSOCKDEV_HDR_LEN + n;
	}
	return 0;
}

size_t vsockdev_h2g_room(const struct vsockdev_conn *c)
{
	if (!c->used || c->host_eof || (c->guest_shut & VSOCKDEV_SHUT_RCV))
		return 0;
	return VSOCKDEV_BUF - c->h2g_len;
}

uint8_t *vsockdev_h2g_tail(struct vsockdev_conn *c)
{
	return c->h2g + c->h2g_len;
}

void vsockdev_h2g_produced(struct vsockdev_conn *c, size_t n)
{
	if (n > VSOCKDEV_BUF - c->h2g_len)
		n = VSOCKDEV_BUF - c->h2g_len;
	c->h2g_len += n;
}

void vsockdev_host_eof(struct vsockdev *d, struct vsockdev_conn *c)
{
	if (!c->used)
		return;
	c->host_eof = true;
	conn_check_guest_done(d, c);
}

void vsockdev_host_error(struct vsockdev *d, struct vsockdev_conn *c)
{
	if (c->used)
		conn_reset(d, c);
}

void vsockdev_g2h_consumed(struct vsockdev *d, struct vsockdev_conn *c, size_t n)
{
	if (!c->used)
		return;
	if (n > c->g2h_len)
		n = c->g2h_len;
	memmove(c->g2h, c->g2h + n, c->g2h_len - n);
	c->g2h_len -= n;
	c->fwd_cnt += (uint32_t)n;
	/* Tell the guest once it believes more than half the buffer is used
	 * (from the last fwd_cnt it saw) while we have freed some of it.
	 * Compared as bytes in flight: a guest that overran its view of the
	 * credit cannot make this wrap. */
	if (c->rx_cnt - c->fwd_cnt_sent > VSOCKDEV_BUF / 2 && c->fwd_cnt != c->fwd_cnt_sent)
		c->need_credit_update = true;
	conn_check_guest_done(d, c);
}
