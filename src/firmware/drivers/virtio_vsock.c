/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * virtio_vsock.c -- virtio-vsock (1AF4:1053), docs/protocol.md §4.1: queues 0 RX, 1 TX,
 * 2 event; 44-byte header; stream connections as a client with local ports
 * from 40001 (never reused); buf_alloc/fwd_cnt credit flow control.
 *
 * RX chains are a 44-byte header buffer + a 4096-byte data buffer. The
 * header is copied out of DMA memory and parsed with the wire reader; the
 * payload length must fit both the data buffer and the bytes the device
 * says it wrote (used len - 44; upstream ignores the used length, we do
 * not trust either number alone). The payload is copied straight into the
 * connection's private receive ring.
 *
 * Credit: the receive ring is caller-owned and its size is the buf_alloc we
 * advertise (the spec's MigTD uses 0x40000). Unlike upstream, which counts
 * fwd_cnt when a packet is queued into an unbounded buffer, fwd_cnt counts
 * bytes the application has READ, so a peer that respects credit can never
 * overrun the ring; one that does not is reset. A CREDIT_UPDATE is sent when
 * the peer's view of our free space falls below half the ring.
 */
#include <string.h>

#include "../virtio.h"
#include "migtd/err.h"
#include "migtd/wire.h"

#define VSOCK_CFG_CID 0
#define VSOCK_EVENT_TRANSPORT_RESET 0
#define VSOCK_EV_BUFS 2
#define VSOCK_EV_LEN 8
#define VSOCK_MAX_PKT 0x10000u

int vsock_hdr_parse(const uint8_t *buf, size_t len, struct vsock_hdr *h)
{
	struct wire_reader r;

	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_u64(&r, &h->src_cid);
	migtd_wire_read_u64(&r, &h->dst_cid);
	migtd_wire_read_u32(&r, &h->src_port);
	migtd_wire_read_u32(&r, &h->dst_port);
	migtd_wire_read_u32(&r, &h->len);
	migtd_wire_read_u16(&r, &h->type);
	migtd_wire_read_u16(&r, &h->op);
	migtd_wire_read_u32(&r, &h->flags);
	migtd_wire_read_u32(&r, &h->buf_alloc);
	migtd_wire_read_u32(&r, &h->fwd_cnt);
	return migtd_wire_error(&r);
}

void vsock_hdr_build(uint8_t out[VSOCK_HDR_SIZE], const struct vsock_hdr *h)
{
	struct wire_writer w;

	migtd_wire_writer_init(&w, out, VSOCK_HDR_SIZE);
	migtd_wire_write_u64(&w, h->src_cid);
	migtd_wire_write_u64(&w, h->dst_cid);
	migtd_wire_write_u32(&w, h->src_port);
	migtd_wire_write_u32(&w, h->dst_port);
	migtd_wire_write_u32(&w, h->len);
	migtd_wire_write_u16(&w, h->type);
	migtd_wire_write_u16(&w, h->op);
	migtd_wire_write_u32(&w, h->flags);
	migtd_wire_write_u32(&w, h->buf_alloc);
	migtd_wire_write_u32(&w, h->fwd_cnt);
}

static void relax(struct vsock *v)
{
	if (v->pci->hw->relax)
		v->pci->hw->relax(v->pci->hw->ctx);
}

static int reclaim_tx(struct vsock *v)
{
	uint16_t h;
	uint32_t len;
	int r;

	while ((r = virtq_get_used(&v->txq, &h, &len)) == 1)
		for (unsigned int i = 0; i < VSOCK_TX_SLOTS; i++)
			if (v->tx_busy[i] && v->tx_head[i] == h)
				v->tx_busy[i] = 0;
	return r;
}

/* One packet in one descriptor; waits (bounded) for a slot only if wait. */
static int send_pkt(struct vsock *v, const struct vsock_hdr *h, const void *payload, bool wait)
{
	struct virtq_buf b;
	int err;

	if (h->len > VSOCK_TX_DATA)
		return MIGTD_ERR_LENGTH;
	for (unsigned int tries = 0; tries < VIRTIO_WAIT_POLLS; tries++) {
		err = reclaim_tx(v);
		if (err < 0)
			return err;
		for (unsigned int i = 0; i < VSOCK_TX_SLOTS; i++) {
			if (v->tx_busy[i])
				continue;
			vsock_hdr_build(v->tx_va[i], h);
			if (h->len)
				memcpy(v->tx_va[i] + VSOCK_HDR_SIZE, payload, h->len);
			b.gpa = v->tx_gpa[i];
			b.len = VSOCK_HDR_SIZE + h->len;
			b.device_writes = false;
			err = virtq_add(&v->txq, &b, 1, &v->tx_head[i]);
			if (err)
				return err;
			v->tx_busy[i] = 1;
			virtq_kick(&v->txq);
			return MIGTD_OK;
		}
		if (!wait)
			return MIGTD_ERR_AGAIN;
		relax(v);
	}
	return MIGTD_ERR_TIMEOUT;
}

/* The header of a packet of connection c, with our current credit. */
static struct vsock_hdr conn_hdr(const struct vsock *v, const struct vsock_conn *c, uint16_t op,
				 uint32_t len, uint32_t flags)
{
	return (struct vsock_hdr){
		.src_cid = v->guest_cid,
		.dst_cid = c->peer_cid,
		.src_port = c->local_port,
		.dst_port = c->peer_port,
		.len = len,
		.type = VSOCK_TYPE_STREAM,
		.op = op,
		.flags = flags,
		.buf_alloc = c->rx_cap,
		.fwd_cnt = c->fwd_cnt,
	};
}

static int send_ctl(struct vsock *v, struct vsock_conn *c, uint16_t op, uint32_t flags)
{
	struct vsock_hdr h = conn_hdr(v, c, op, 0, flags);

	c->last_fwd_sent = c->fwd_cnt;
	return send_pkt(v, &h, NULL, true);
}

/* RST for a packet no connection of ours wants (never in answer to an RST). */
static int reset_unknown(struct vsock *v, const struct vsock_hdr *in)
{
	struct vsock_hdr h = {
		.src_cid = v->guest_cid,
		.dst_cid = in->src_cid,
		.src_port = in->dst_port,
		.dst_port = in->src_port,
		.type = VSOCK_TYPE_STREAM,
		.op = VSOCK_OP_RST,
	};

	if (in->op == VSOCK_OP_RST)
		return MIGTD_OK;
	return send_pkt(v, &h, NULL, true);
}

static int post_rx_chain(struct vsock *v, unsigned int i)
{
	struct virtq_buf b[2] = {
		{ v->rx_hdr_gpa[i], VSOCK_HDR_SIZE, true },
		{ v->rx_data_gpa[i], VSOCK_RX_DATA, true },
	};

	return virtq_add(&v->rxq, b, 2, &v->rx_head[i]);
}

static int post_event(struct vsock *v, const uint8_t *va)
{
	uint16_t h;
	uint64_t gpa = v->evq.desc_gpa + (uint64_t)(va - v->evq.desc);
	struct virtq_buf b = { gpa, VSOCK_EV_LEN, true };

	return virtq_add(&v->evq, &b, 1, &h);
}

static int read_cid(struct vsock *v)
{
	uint32_t lo, hi, lo2, hi2;
	int err;

	/* Two 32-bit reads; read twice so a torn value is not taken. */
	for (unsigned int i = 0; i < 4; i++) {
		err = virtio_pci_devcfg_read32(v->pci, VSOCK_CFG_CID, &lo);
		if (!err)
			err = virtio_pci_devcfg_read32(v->pci, VSOCK_CFG_CID + 4, &hi);
		if (!err)
			err = virtio_pci_devcfg_read32(v->pci, VSOCK_CFG_CID, &lo2);
		if (!err)
			err = virtio_pci_devcfg_read32(v->pci, VSOCK_CFG_CID + 4, &hi2);
		if (err)
			return err;
		if (lo == lo2 && hi == hi2)
			break;
		if (i == 3)
			return MIGTD_ERR_INVALID;
	}
	/* 0, 1, 2 are reserved, -1 is "any"; the upper 32 bits are reserved. */
	if (hi != 0 || lo < 3 || lo == 0xFFFFFFFFu)
		return MIGTD_ERR_INVALID;
	v->guest_cid = lo;
	return MIGTD_OK;
}

int vsock_init(struct vsock *v, struct virtio_pci_dev *pci, struct virtio_dma *dma)
{
	uint8_t *ev;
	int err;

	memset(v, 0, sizeof(*v));
	v->pci = pci;
	v->next_port = VSOCK_FIRST_PORT;
	err = virtio_pci_negotiate(pci, VIRTIO_F_ACCESS_PLATFORM);
	if (!err)
		err = read_cid(v);
	if (!err)
		err = virtio_pci_setup_queue(pci, &v->rxq, 0, dma);
	if (!err)
		err = virtio_pci_setup_queue(pci, &v->txq, 1, dma);
	if (!err)
		err = virtio_pci_setup_queue(pci, &v->evq, 2, dma);
	for (unsigned int i = 0; !err && i < VSOCK_RX_CHAINS; i++) {
		v->rx_hdr_va[i] = virtio_dma_alloc(dma, VSOCK_HDR_SIZE, 64, &v->rx_hdr_gpa[i]);
		v->rx_data_va[i] = virtio_dma_alloc(dma, VSOCK_RX_DATA, 64, &v->rx_data_gpa[i]);
		if (!v->rx_hdr_va[i] || !v->rx_data_va[i])
			err = MIGTD_ERR_NOMEM;
		else
			err = post_rx_chain(v, i);
	}
	for (unsigned int i = 0; !err && i < VSOCK_TX_SLOTS; i++) {
		v->tx_va[i] =
			virtio_dma_alloc(dma, VSOCK_HDR_SIZE + VSOCK_TX_DATA, 64, &v->tx_gpa[i]);
		if (!v->tx_va[i])
			err = MIGTD_ERR_NOMEM;
	}
	/* The event buffers sit in the event queue's ring page, past the used ring. */
	ev = v->evq.desc;
	for (unsigned int i = 0; !err && i < VSOCK_EV_BUFS; i++)
		err = post_event(v, ev + 2048 + VSOCK_EV_LEN * i);
	if (!err)
		err = virtio_pci_driver_ok(pci);
	if (err) {
		(void)virtio_pci_reset(pci);
		return err;
	}
	virtq_kick(&v->rxq);
	virtq_kick(&v->evq);
	return MIGTD_OK;
}

static struct vsock_conn *find_conn(struct vsock *v, const struct vsock_hdr *h)
{
	for (unsigned int i = 0; i < VSOCK_MAX_CONN; i++) {
		struct vsock_conn *c = v->conn[i];

		if (c && c->local_port == h->dst_port && c->peer_cid == h->src_cid &&
		    c->peer_port == h->src_port)
			return c;
	}
	return NULL;
}

/* End the stream with an error and tell the peer. */
static int conn_reset(struct vsock *v, struct vsock_conn *c, int why)
{
	c->state = VSOCK_PEER_CLOSED;
	if (c->error == MIGTD_OK)
		c->error = why;
	return send_ctl(v, c, VSOCK_OP_RST, 0);
}

static int conn_rx(struct vsock *v, struct vsock_conn *c, const struct vsock_hdr *h,
		   const uint8_t *payload)
{
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	if (c->state == VSOCK_CONNECTING) {
		if (h->op == VSOCK_OP_RESPONSE) {
			c->state = VSOCK_CONNECTED;
			return MIGTD_OK;
		}
		c->state = VSOCK_REFUSED;
		return h->op == VSOCK_OP_RST ? MIGTD_OK : send_ctl(v, c, VSOCK_OP_RST, 0);
	}
	if (c->state != VSOCK_CONNECTED && c->state != VSOCK_CLOSING)
		return h->op == VSOCK_OP_RST ? MIGTD_OK : send_ctl(v, c, VSOCK_OP_RST, 0);
	switch (h->op) {
	case VSOCK_OP_RW: {
		uint32_t w, first;

		if (h->len == 0 || c->state == VSOCK_CLOSING)
			return MIGTD_OK;
		/* Beyond the credit we granted: the peer broke flow control. */
		if (h->len > c->rx_cap - c->rx_n)
			return conn_reset(v, c, MIGTD_ERR_NETWORK);
		w = (c->rx_r + c->rx_n) % c->rx_cap;
		first = c->rx_cap - w < h->len ? c->rx_cap - w : h->len;
		memcpy(c->rx + w, payload, first);
		memcpy(c->rx, payload + first, h->len - first);
		c->rx_n += h->len;
		c->rx_cnt += h->len;
		return MIGTD_OK;
	}
	case VSOCK_OP_CREDIT_UPDATE: return MIGTD_OK;
	case VSOCK_OP_CREDIT_REQUEST: return send_ctl(v, c, VSOCK_OP_CREDIT_UPDATE, 0);
	case VSOCK_OP_SHUTDOWN:
		/* Peer is done: end of stream after the buffered bytes; RST ends it. */
		c->state = VSOCK_PEER_CLOSED;
		return send_ctl(v, c, VSOCK_OP_RST, 0);
	case VSOCK_OP_RST:
		if (c->state == VSOCK_CLOSING) {
			/* The orderly end of our SHUTDOWN (spec: answer with RST). */
			c->state = VSOCK_CLOSED;
			return send_ctl(v, c, VSOCK_OP_RST, 0);
		}
		c->state = VSOCK_PEER_CLOSED;
		c->error = MIGTD_ERR_NETWORK;
		return MIGTD_OK;
	default: return conn_reset(v, c, MIGTD_ERR_NETWORK);
	}
}

static int handle_rx(struct vsock *v, unsigned int i, uint32_t used_len)
{
	uint8_t hb[VSOCK_HDR_SIZE];
	struct vsock_hdr h;
	struct vsock_conn *c;

	if (used_len < VSOCK_HDR_SIZE) {
		v->dropped++;
		return MIGTD_OK;
	}
	/* Copy, then parse: the device may change its buffer at any time. */
	memcpy(hb, v->rx_hdr_va[i], VSOCK_HDR_SIZE);
	if (vsock_hdr_parse(hb, sizeof(hb), &h) != MIGTD_OK || h.dst_cid != v->guest_cid) {
		v->dropped++;
		return MIGTD_OK;
	}
	c = find_conn(v, &h);
	if (h.type != VSOCK_TYPE_STREAM || !c) {
		v->dropped++;
		return reset_unknown(v, &h);
	}
	if (h.len > VSOCK_RX_DATA || h.len > used_len - VSOCK_HDR_SIZE ||
	    (h.len && h.op != VSOCK_OP_RW)) {
		v->dropped++;
		return conn_reset(v, c, MIGTD_ERR_NETWORK);
	}
	/* The payload goes to the private ring in one copy (conn_rx). */
	return conn_rx(v, c, &h, v->rx_data_va[i]);
}

int vsock_poll(struct vsock *v)
{
	uint16_t h;
	uint32_t len;
	int r, err;

	while ((r = virtq_get_used(&v->rxq, &h, &len)) == 1) {
		unsigned int i;

		for (i = 0; i < VSOCK_RX_CHAINS && v->rx_head[i] != h; i++)
			;
		if (i == VSOCK_RX_CHAINS)
			return MIGTD_ERR_STATE;
		err = handle_rx(v, i, len);
		if (!err)
			err = post_rx_chain(v, i);
		virtq_kick(&v->rxq);
		if (err)
			return err;
	}
	if (r < 0)
		return r;
	while ((r = virtq_get_used(&v->evq, &h, &len)) == 1) {
		/* Event buffers: same address as posted (shadow), 4-byte id. */
		uint8_t *ev = v->evq.desc + (v->evq.sh[h].gpa - v->evq.desc_gpa);
		uint32_t id = len >= 4 ? migtd_wire_get_u32(ev) : 0xFFFFFFFFu;

		if (id == VSOCK_EVENT_TRANSPORT_RESET) {
			for (unsigned int k = 0; k < VSOCK_MAX_CONN; k++) {
				if (v->conn[k] && v->conn[k]->state != VSOCK_CLOSED) {
					v->conn[k]->state = VSOCK_PEER_CLOSED;
					v->conn[k]->error = MIGTD_ERR_NETWORK;
				}
			}
			err = read_cid(v);
			if (err)
				return err;
		}
		err = post_event(v, ev);
		if (err)
			return err;
		virtq_kick(&v->evq);
	}
	if (r < 0)
		return r;
	r = reclaim_tx(v);
	return r < 0 ? r : MIGTD_OK;
}

static void unregister(struct vsock *v, const struct vsock_conn *c)
{
	for (unsigned int i = 0; i < VSOCK_MAX_CONN; i++)
		if (v->conn[i] == c)
			v->conn[i] = NULL;
}

int vsock_connect_start(struct vsock *v, struct vsock_conn *c, uint64_t cid, uint32_t port,
			uint8_t *rx, uint32_t rx_cap)
{
	unsigned int slot;
	int err;

	if (!rx || rx_cap == 0)
		return MIGTD_ERR_INVALID;
	for (slot = 0; slot < VSOCK_MAX_CONN && v->conn[slot]; slot++)
		;
	if (slot == VSOCK_MAX_CONN || v->next_port == 0)
		return MIGTD_ERR_NOMEM;
	memset(c, 0, sizeof(*c));
	c->peer_cid = cid;
	c->peer_port = port;
	c->local_port = v->next_port++; /* never reused (docs/protocol.md §4.1) */
	c->rx = rx;
	c->rx_cap = rx_cap;
	c->state = VSOCK_CONNECTING;
	v->conn[slot] = c;
	err = send_ctl(v, c, VSOCK_OP_REQUEST, 0);
	if (err) {
		c->state = VSOCK_CLOSED;
		unregister(v, c);
	}
	return err;
}

int vsock_connect(struct vsock *v, struct vsock_conn *c, uint64_t cid, uint32_t port, uint8_t *rx,
		  uint32_t rx_cap, unsigned int max_polls)
{
	int err = vsock_connect_start(v, c, cid, port, rx, rx_cap);

	if (err)
		return err;
	for (unsigned int i = 0; !err && c->state == VSOCK_CONNECTING && i <= max_polls; i++) {
		err = vsock_poll(v);
		if (!err && c->state == VSOCK_CONNECTING)
			relax(v);
	}
	if (!err && c->state == VSOCK_CONNECTED)
		return MIGTD_OK;
	if (!err && c->state == VSOCK_CONNECTING)
		err = MIGTD_ERR_TIMEOUT;
	else if (!err)
		err = MIGTD_ERR_NETWORK; /* refused */
	vsock_release(v, c);
	return err;
}

int vsock_shutdown(struct vsock *v, struct vsock_conn *c)
{
	if (c->state != VSOCK_CONNECTED)
		return MIGTD_OK;
	c->state = VSOCK_CLOSING;
	return send_ctl(v, c, VSOCK_OP_SHUTDOWN, VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND);
}

void vsock_release(struct vsock *v, struct vsock_conn *c)
{
	/* A stream the peer may still think open gets an RST (best effort). */
	if (c->state == VSOCK_CONNECTING || c->state == VSOCK_CONNECTED ||
	    c->state == VSOCK_CLOSING)
		(void)send_ctl(v, c, VSOCK_OP_RST, 0);
	c->state = VSOCK_CLOSED;
	unregister(v, c);
}

int vsock_send(struct vsock *v, struct vsock_conn *c, const void *buf, size_t len)
{
	struct vsock_hdr h;
	uint32_t inflight, credit, n;
	int err = vsock_poll(v);

	if (err)
		return err;
	if (c->state != VSOCK_CONNECTED)
		return c->error ? c->error : MIGTD_ERR_STATE;
	if (len == 0)
		return 0;
	/* A peer claiming more consumed than sent gets no credit, not a wrap. */
	inflight = c->tx_cnt - c->peer_fwd_cnt;
	credit = inflight > c->peer_buf_alloc ? 0 : c->peer_buf_alloc - inflight;
	n = credit < VSOCK_TX_DATA ? credit : VSOCK_TX_DATA;
	/* cppcheck-suppress knownConditionTrueFalse ; false positive: credit comes from the peer */
	if (len < n)
		n = (uint32_t)len;
	/* cppcheck-suppress knownConditionTrueFalse ; false positive: no credit left gives 0 */
	if (n == 0)
		return MIGTD_ERR_AGAIN;
	h = conn_hdr(v, c, VSOCK_OP_RW, n, 0);
	err = send_pkt(v, &h, buf, false);
	if (err)
		return err;
	c->last_fwd_sent = c->fwd_cnt;
	c->tx_cnt += n;
	return (int)n;
}

int vsock_recv(struct vsock *v, struct vsock_conn *c, void *buf, size_t cap)
{
	uint8_t *out = buf;
	uint32_t n, first, peer_free;
	int err = vsock_poll(v);

	if (err)
		return err;
	if (c->rx_n == 0) {
		if (c->state == VSOCK_CONNECTED)
			return MIGTD_ERR_AGAIN;
		return c->error ? c->error : 0;
	}
	n = cap < c->rx_n ? (uint32_t)cap : c->rx_n;
	if (n > 0x7FFFFFFFu)
		n = 0x7FFFFFFFu;
	first = c->rx_cap - c->rx_r < n ? c->rx_cap - c->rx_r : n;
	memcpy(out, c->rx + c->rx_r, first);
	memcpy(out + first, c->rx, n - first);
	c->rx_r = (c->rx_r + n) % c->rx_cap;
	c->rx_n -= n;
	c->fwd_cnt += n;
	/* Tell the peer about the room once its view of it is below half. */
	peer_free = c->rx_cap - (c->rx_cnt - c->last_fwd_sent);
	if (c->state == VSOCK_CONNECTED && peer_free < c->rx_cap / 2) {
		err = send_ctl(v, c, VSOCK_OP_CREDIT_UPDATE, 0);
		if (err)
			return err;
	}
	return (int)n;
}

int vsock_close(struct vsock *v, struct vsock_conn *c, unsigned int max_polls)
{
	int err = MIGTD_OK;

	if (c->state == VSOCK_CONNECTED) {
		err = vsock_shutdown(v, c);
		for (unsigned int i = 0; !err && c->state == VSOCK_CLOSING && i <= max_polls; i++) {
			err = vsock_poll(v);
			if (!err && c->state == VSOCK_CLOSING)
				relax(v);
		}
		/* The peer never answered: give up on the stream (the spec's MigTD
		 * would leave it "closing" for good); vsock_release sends RST. */
		if (!err && c->state == VSOCK_CLOSING)
			err = MIGTD_ERR_TIMEOUT;
	}
	vsock_release(v, c);
	return err;
}
