/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * vsockdev.h -- the device side of virtio-vsock: what a VM's vsock device
 * does with the packets its guest sends, and which packets it gives the
 * guest back (docs/vhost-user.md; packet layout and rules: docs/vsock.md).
 *
 * Transport-free: no vhost-user, no virtqueue, no socket. The caller
 * gathers each guest TX chain into one buffer (vsockdev_guest_packet),
 * fills each guest RX chain from vsockdev_rx_next, and moves stream bytes
 * between a connection's two buffers and its host-side endpoint (a handle
 * the host ops opened). So every rule about untrusted guest packets lives
 * here and is tested without QEMU (tests/unit/test_vsockdev.c,
 * tests/fuzz/fuzz_vsockdev.c).
 *
 * Only guest-initiated streams to the host CID exist: a MigTD is a vsock
 * client (docs/vsock.md). Anything the device cannot accept -- another CID,
 * a non-stream type, an unknown op, a length that disagrees with the
 * packet, more bytes than the buffer the device advertised has room for,
 * too many connections --
 * is answered with RST (or dropped when there is nobody to answer) and
 * counted; nothing the guest sends is read beyond the buffer it came in.
 */
#ifndef MIGTD_VSOCKDEV_H
#define MIGTD_VSOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSOCKDEV_HDR_LEN 44
/* Per connection and direction; also the buf_alloc the device advertises,
 * so the guest may never have more than this in flight towards the host. */
#define VSOCKDEV_BUF 65536u
/* The largest guest packet accepted: a header and one full buffer. */
#define VSOCKDEV_MAX_PKT (VSOCKDEV_HDR_LEN + VSOCKDEV_BUF)
/* 64 sessions (MIGTD_MAX_SESSIONS), the platform link, streams still closing. */
#define VSOCKDEV_MAX_CONNS 72
/* RSTs for packets that belong to no connection, waiting for RX buffers. */
#define VSOCKDEV_RST_QUEUE 32

enum vsockdev_op {
	VSOCKDEV_OP_REQUEST = 1,
	VSOCKDEV_OP_RESPONSE = 2,
	VSOCKDEV_OP_RST = 3,
	VSOCKDEV_OP_SHUTDOWN = 4,
	VSOCKDEV_OP_RW = 5,
	VSOCKDEV_OP_CREDIT_UPDATE = 6,
	VSOCKDEV_OP_CREDIT_REQUEST = 7,
};
#define VSOCKDEV_TYPE_STREAM 1
#define VSOCKDEV_SHUT_RCV 1u
#define VSOCKDEV_SHUT_SEND 2u

struct vsockdev_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

void vsockdev_hdr_parse(const uint8_t b[VSOCKDEV_HDR_LEN], struct vsockdev_hdr *h);
void vsockdev_hdr_write(uint8_t b[VSOCKDEV_HDR_LEN], const struct vsockdev_hdr *h);

/* The host side of the connections: who answers a guest's connect. */
struct vsockdev_host_ops {
	/* A guest connects to host port `port`: open the host endpoint and
	 * return its handle (>= 0), or -1 to refuse (the guest gets RST). */
	int (*connect)(void *ctx, uint32_t port, uint32_t guest_port);
	/* No more bytes will go to the host endpoint (guest sent SHUTDOWN
	 * with "no more send" and everything before it was delivered). */
	void (*shut_write)(void *ctx, int handle);
	/* The connection is gone (either side): release the handle. */
	void (*close)(void *ctx, int handle);
};

struct vsockdev_conn {
	bool used;
	int handle;
	uint32_t guest_port, host_port;
	/* guest -> host: bytes received, not yet taken by the host endpoint */
	uint8_t *g2h;
	size_t g2h_len;
	uint32_t rx_cnt, fwd_cnt, fwd_cnt_sent; /* wrapping, as on the wire */
	/* host -> guest: bytes from the host endpoint not yet sent */
	uint8_t *h2g;
	size_t h2g_len;
	uint32_t tx_cnt, peer_buf_alloc, peer_fwd_cnt;
	bool need_response, need_credit_update, credit_requested;
	bool host_eof, shutdown_sent, host_shut_write;
	uint32_t guest_shut; /* VSOCKDEV_SHUT_* the guest announced */
};

struct vsockdev_stats {
	unsigned long connects, refused, resets_sent, dropped, bad_packets, credit_violations;
};

struct vsockdev {
	uint64_t guest_cid;
	const struct vsockdev_host_ops *ops;
	void *ctx;
	struct vsockdev_conn conns[VSOCKDEV_MAX_CONNS];
	struct {
		uint32_t guest_port, host_port;
	} rst[VSOCKDEV_RST_QUEUE];
	unsigned rst_head, rst_count;
	unsigned rr; /* round robin over connections for RX */
	struct vsockdev_stats stats;
};

void vsockdev_init(struct vsockdev *d, uint64_t guest_cid, const struct vsockdev_host_ops *ops,
		   void *ctx);
/* Close every connection (host ops close) and free the buffers. */
void vsockdev_fini(struct vsockdev *d);

/* The guest reset the device (its queues stopped): every connection ends
 * without a word to the guest -- its driver has forgotten them -- and the
 * host ends are closed; pending RSTs are dropped. A rebooted guest reuses
 * its local ports from 40001, which must not meet stale connections. */
void vsockdev_reset(struct vsockdev *d);

/* One packet the guest sent (its TX chain gathered; len as gathered). */
void vsockdev_guest_packet(struct vsockdev *d, const uint8_t *pkt, size_t len);

/* Is there a packet for the guest (so an RX buffer is worth taking)? */
bool vsockdev_rx_pending(const struct vsockdev *d);
/* The next packet for the guest, header and payload, into buf (cap bytes:
 * the RX chain's size). Returns its length, 0 if nothing fits or nothing
 * is pending (cap < VSOCKDEV_HDR_LEN fits nothing). */
size_t vsockdev_rx_next(struct vsockdev *d, uint8_t *buf, size_t cap);

/* Host endpoint side, per connection. */
/* Room for bytes from the host endpoint (0: do not read it now). */
size_t vsockdev_h2g_room(const struct vsockdev_conn *c);
uint8_t *vsockdev_h2g_tail(struct vsockdev_conn *c);
void vsockdev_h2g_produced(struct vsockdev_conn *c, size_t n);
/* The host endpoint ended its stream: once its bytes are sent, the guest
 * gets SHUTDOWN. */
void vsockdev_host_eof(struct vsockdev *d, struct vsockdev_conn *c);
/* The host endpoint failed: RST the guest, close. */
void vsockdev_host_error(struct vsockdev *d, struct vsockdev_conn *c);
/* n bytes of c->g2h were delivered to the host endpoint. */
void vsockdev_g2h_consumed(struct vsockdev *d, struct vsockdev_conn *c, size_t n);

#endif /* MIGTD_VSOCKDEV_H */
