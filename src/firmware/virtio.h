/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * virtio.h -- modern (1.x) virtio-pci, split virtqueues, virtio-serial and
 * virtio-vsock for the firmware (docs/protocol.md §4.1, §4.3).
 *
 * Everything coming back from the device is untrusted: BARs and capability
 * regions are bounds-checked, used-ring entries are validated against a
 * PRIVATE shadow of what was posted (id in range and in flight, length
 * within the device-writable bytes posted), and device-written bytes are
 * copied into private memory before anything parses them.
 *
 * The drivers reach hardware only through struct virtio_hw (config space,
 * MMIO, a relax hook between polls), so the unit tests run them unchanged
 * against an in-process device model. Little-endian hosts only (x86).
 * No interrupts yet: everything polls (MSI-X, docs/protocol.md §2.1 vectors 0x52/0x53,
 * is left for later).
 */
#ifndef MIGTD_FW_VIRTIO_H
#define MIGTD_FW_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- hardware access ------------------------------------------------------ */
struct virtio_hw {
	void *ctx;
	/* Config space of the one function being driven (offset < 0x1000, 4-aligned). */
	uint32_t (*cfg_read32)(void *ctx, uint16_t off);
	void (*cfg_write32)(void *ctx, uint16_t off, uint32_t v);
	/* MMIO of size 1, 2 or 4 bytes at a BAR address the driver assigned. */
	uint32_t (*mmio_read)(void *ctx, uint64_t addr, unsigned int size);
	void (*mmio_write)(void *ctx, uint64_t addr, unsigned int size, uint32_t v);
	/* Called between two polls of a bounded wait (firmware: idle ~1 ms). */
	void (*relax)(void *ctx);
};

/* A fixed MMIO window BARs are assigned from (bump allocation, naturally aligned). */
struct virtio_mmio_window {
	uint64_t base, size, next;
};

/*
 * The DMA region: rings and every buffer the device reads or writes. One
 * contiguous region so that a TD can convert it to shared memory in one go
 * (va = what the CPU uses, gpa = what the device is told).
 */
struct virtio_dma {
	uint8_t *va;
	uint64_t gpa;
	size_t size, used;
};

void virtio_dma_init(struct virtio_dma *d, void *va, uint64_t gpa, size_t size);
/* Zeroed, align a power of two; NULL if the region is exhausted. */
void *virtio_dma_alloc(struct virtio_dma *d, size_t size, size_t align, uint64_t *gpa);

/* ---- virtio-pci (modern) --------------------------------------------------- */
#define VIRTIO_PCI_VENDOR 0x1AF4
#define VIRTIO_PCI_DEV_CONSOLE 0x1043
#define VIRTIO_PCI_DEV_CONSOLE_TRANSITIONAL 0x1003
#define VIRTIO_PCI_DEV_VSOCK 0x1053

#define VIRTIO_STATUS_ACK 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED 0x80u

#define VIRTIO_F_VERSION_1 (1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)

/* Polls of a bounded wait (reset, queue completions, connect): ~relax calls. */
#define VIRTIO_WAIT_POLLS 5000u

struct virtio_region {
	uint64_t addr; /* absolute MMIO address */
	uint32_t len;
	uint8_t bar;
	uint32_t off; /* offset inside the BAR */
};

struct virtio_pci_dev {
	const struct virtio_hw *hw;
	uint16_t device_id;
	uint64_t bar_addr[6], bar_size[6]; /* size 0: absent (or upper half of a 64-bit BAR) */
	struct virtio_region common, notify, isr, device;
	uint32_t notify_mult;
	uint16_t num_queues;
	uint64_t features; /* negotiated */
};

/*
 * Check the IDs (1AF4, device_id), size and assign the memory BARs (64-bit
 * BARs go to w64 when it has room, else to w32), walk the vendor capability
 * list. Memory decoding and bus mastering are enabled on success.
 */
int virtio_pci_probe(struct virtio_pci_dev *d, const struct virtio_hw *hw, uint16_t device_id,
		     struct virtio_mmio_window *w32, struct virtio_mmio_window *w64);
/*
 * Reset, ACKNOWLEDGE, DRIVER, driver features = offered & wanted (must
 * include VIRTIO_F_VERSION_1), FEATURES_OK and check that it stuck.
 */
int virtio_pci_negotiate(struct virtio_pci_dev *d, uint64_t wanted);
int virtio_pci_driver_ok(struct virtio_pci_dev *d);
/* Reset the device (wait for status 0, bounded); used on failure paths. */
int virtio_pci_reset(struct virtio_pci_dev *d);
/* Device config: off + size inside the device-config region, else error. */
int virtio_pci_devcfg_read32(struct virtio_pci_dev *d, uint32_t off, uint32_t *v);
uint8_t virtio_pci_status(struct virtio_pci_dev *d);

/* ---- split virtqueue ------------------------------------------------------- */
#define VIRTQ_SIZE 16 /* every queue (docs/protocol.md §4.1/§4.3); the device max must be >= 16 */
/* Largest queue a driver may ask for (virtio_pci_setup_queue_n): the
 * virtio-serial control RX queue uses QEMU's full 32 entries. */
#define VIRTQ_MAX_SIZE 32
#define VIRTQ_MAX_CHAIN 4

struct virtq_buf {
	uint64_t gpa;
	uint32_t len;
	bool device_writes;
};

/* What the driver posted: the device never gets to change this copy. */
struct virtq_shadow {
	uint64_t gpa;
	uint32_t len;
	uint16_t flags, next;
};

struct virtq {
	uint16_t index, size;
	uint8_t *desc, *avail, *used; /* in the DMA region */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint64_t notify_addr;
	const struct virtio_hw *hw;
	struct virtq_shadow sh[VIRTQ_MAX_SIZE];
	uint32_t wlen[VIRTQ_MAX_SIZE];     /* device-writable bytes of the chain at this head */
	uint8_t in_flight[VIRTQ_MAX_SIZE]; /* 1 at the head of a chain the device owns */
	uint16_t free_head, num_free, avail_idx, last_used;
	int broken; /* sticky: the device broke the protocol */
};

/* Allocate the rings from dma; hw/notify_addr may be NULL/0 (host tests). */
int virtq_init(struct virtq *vq, uint16_t index, struct virtio_dma *dma);
/* The same with `size` entries: a power of two, 1..VIRTQ_MAX_SIZE. */
int virtq_init_n(struct virtq *vq, uint16_t index, uint16_t size, struct virtio_dma *dma);
/* Post a chain (readable buffers first); *head identifies it in virtq_get_used. */
int virtq_add(struct virtq *vq, const struct virtq_buf *b, unsigned int n, uint16_t *head);
void virtq_kick(struct virtq *vq);
/*
 * Next used entry: 1 and (*head, *len) when one was there, 0 when none,
 * negative (and the queue broken for good) if the device returned an id out
 * of range or not in flight, a length above the writable bytes posted, or
 * moved the used index by more than the queue size.
 */
int virtq_get_used(struct virtq *vq, uint16_t *head, uint32_t *len);

/* Set up queue `index` on the device (size VIRTQ_SIZE, rings from dma), enable it. */
int virtio_pci_setup_queue(struct virtio_pci_dev *d, struct virtq *vq, uint16_t index,
			   struct virtio_dma *dma);
/* The same with `size` entries (power of two <= VIRTQ_MAX_SIZE); the device's
 * maximum for the queue must be at least that. */
int virtio_pci_setup_queue_n(struct virtio_pci_dev *d, struct virtq *vq, uint16_t index,
			     uint16_t size, struct virtio_dma *dma);

/* ---- virtio-serial (docs/protocol.md §4.3) -------------------------------------------- */
#define VIRTIO_CONSOLE_F_MULTIPORT (1ull << 1)

/* Port 0 is QEMU's console port: 19 named ports (the platform link and up
 * to 18 session streams). */
#define VSER_MAX_PORTS 20
#define VSER_NAME_MAX 63
#define VSER_BUF 4096
#define VSER_RX_BUFS 4
#define VSER_TX_BUFS 4
/*
 * QEMU drops a control message when no control RX buffer is posted, so the
 * control RX queue takes QEMU's whole 32 entries, each with a buffer: its
 * DEVICE_ADD burst is one message per port (the link + 16 streams = 17),
 * and at run time every stream port can have PORT_OPEN 0 and 1 pending
 * (16 x 2). PORT_READY replies go out one per poll, after the queue was
 * drained, so their answers (NAME, OPEN) never meet a full queue either.
 * VSER_CTRL_BUFS is the control TX side (our own messages, reclaimed).
 */
#define VSER_CTRL_RX_BUFS 32
#define VSER_CTRL_BUFS 16
#define VSER_CTRL_BUF 128
#define VSER_RX_RING (VSER_BUF * VSER_RX_BUFS)

enum vser_event {
	VSER_DEVICE_READY = 0,
	VSER_DEVICE_ADD = 1,
	VSER_DEVICE_REMOVE = 2,
	VSER_PORT_READY = 3,
	VSER_CONSOLE_PORT = 4,
	VSER_RESIZE = 5,
	VSER_PORT_OPEN = 6,
	VSER_PORT_NAME = 7,
};

struct vser_ctrl {
	uint32_t id;
	uint16_t event, value;
	const uint8_t *extra; /* bytes after the 8-byte header (PORT_NAME) */
	size_t extra_len;
};

/* Parse one control message (8 bytes + optional name), bounded. */
int vser_ctrl_parse(const uint8_t *buf, size_t len, struct vser_ctrl *m);

struct vser_port {
	bool added, host_open, guest_open;
	bool ready_due; /* DEVICE_ADD seen, PORT_READY not sent yet */
	/*
	 * Counts host connects (PORT_OPEN 1 after 0). A new host connection is
	 * a new byte stream: bytes still buffered from the previous one are
	 * dropped when it starts, so a reader that remembers the generation
	 * sees the end of its stream instead of the next stream's bytes.
	 */
	uint32_t host_gen;
	char name[VSER_NAME_MAX + 1];
	struct virtq rxq, txq;
	uint8_t *rx_va[VSER_RX_BUFS], *tx_va[VSER_TX_BUFS];
	uint64_t rx_gpa[VSER_RX_BUFS], tx_gpa[VSER_TX_BUFS];
	uint16_t rx_head[VSER_RX_BUFS], tx_head[VSER_TX_BUFS];
	uint8_t tx_busy[VSER_TX_BUFS];
	/* Received bytes, copied out of the DMA buffers (private). */
	uint8_t ring[VSER_RX_RING];
	size_t ring_r, ring_n;
};

struct vser {
	struct virtio_pci_dev *pci;
	uint32_t nports; /* min(max_nr_ports, VSER_MAX_PORTS) */
	struct virtq crx, ctx;
	uint16_t crx_n; /* control RX buffers posted (the queue size) */
	uint8_t *crx_va[VSER_CTRL_RX_BUFS];
	uint64_t crx_gpa[VSER_CTRL_RX_BUFS];
	uint16_t crx_head[VSER_CTRL_RX_BUFS];
	uint8_t *ctx_va[VSER_CTRL_BUFS];
	uint64_t ctx_gpa[VSER_CTRL_BUFS];
	uint16_t ctx_head[VSER_CTRL_BUFS];
	uint8_t ctx_busy[VSER_CTRL_BUFS];
	uint32_t bad_ctrl; /* control messages rejected (bad id/length/event) */
	struct vser_port port[VSER_MAX_PORTS];
};

/* Negotiate MULTIPORT, set up all queues, DRIVER_OK, send DEVICE_READY. */
int vser_init(struct vser *s, struct virtio_pci_dev *pci, struct virtio_dma *dma);
/* Handle control messages, collect received data, reclaim TX buffers. */
int vser_poll(struct vser *s);
/* Port id of the port named `name` once the host announced it, else error. */
int vser_find(struct vser *s, const char *name);
/* Wait (bounded polls) for the named port, open it (PORT_OPEN 1); port id. */
int vser_open(struct vser *s, const char *name, unsigned int max_polls);
/* Open port `port` by number (an unnamed port, docs/protocol.md §4.3): PORT_OPEN 1 once
 * the device added it; MIGTD_ERR_AGAIN before that. */
int vser_open_id(struct vser *s, uint32_t port);
/* Non-blocking: bytes queued (<= VSER_BUF), MIGTD_ERR_AGAIN if not now. */
int vser_send(struct vser *s, uint32_t port, const void *buf, size_t len);
/* Non-blocking: bytes read, MIGTD_ERR_AGAIN if none yet. */
int vser_recv(struct vser *s, uint32_t port, void *buf, size_t cap);
int vser_close(struct vser *s, uint32_t port);
/* True when every buffer sent on the port was taken by the device. */
bool vser_tx_idle(struct vser *s, uint32_t port);
/*
 * Ask the device again about every port it added whose host side we see
 * closed (PORT_READY, one per later poll): QEMU answers with the name and,
 * if its side is connected, PORT_OPEN 1 -- which recovers a PORT_OPEN the
 * device dropped because every control buffer was full.
 */
void vser_resync(struct vser *s);

/* ---- virtio-vsock (docs/protocol.md §4.1) ------------------------------------------------ */
#define VSOCK_HDR_SIZE 44
#define VSOCK_TYPE_STREAM 1
#define VSOCK_OP_REQUEST 1
#define VSOCK_OP_RESPONSE 2
#define VSOCK_OP_RST 3
#define VSOCK_OP_SHUTDOWN 4
#define VSOCK_OP_RW 5
#define VSOCK_OP_CREDIT_UPDATE 6
#define VSOCK_OP_CREDIT_REQUEST 7
#define VSOCK_SHUTDOWN_RCV 1u
#define VSOCK_SHUTDOWN_SEND 2u
#define VSOCK_FIRST_PORT 40001u
#define VSOCK_BUF_ALLOC 0x40000u /* what the spec's MigTD advertises */
#define VSOCK_RX_DATA 4096
#define VSOCK_RX_CHAINS 8
#define VSOCK_TX_SLOTS 8
#define VSOCK_TX_DATA 4096 /* payload per packet we send (<= 0x10000) */
#define VSOCK_MAX_CONN 68  /* 64 concurrent sessions, spares and the link */

struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

int vsock_hdr_parse(const uint8_t *buf, size_t len, struct vsock_hdr *h);
void vsock_hdr_build(uint8_t out[VSOCK_HDR_SIZE], const struct vsock_hdr *h);

enum vsock_state {
	VSOCK_CLOSED = 0,
	VSOCK_CONNECTING,
	VSOCK_CONNECTED,
	VSOCK_CLOSING,     /* we sent SHUTDOWN, waiting for the peer's RST */
	VSOCK_PEER_CLOSED, /* peer sent SHUTDOWN or RST: no more data */
	VSOCK_REFUSED,
};

struct vsock_conn {
	enum vsock_state state;
	int error; /* why the stream ended badly (MIGTD_OK if it did not) */
	uint64_t peer_cid;
	uint32_t local_port, peer_port;
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	uint32_t tx_cnt;        /* payload bytes sent */
	uint32_t rx_cnt;        /* payload bytes received */
	uint32_t fwd_cnt;       /* payload bytes the application has read */
	uint32_t last_fwd_sent; /* fwd_cnt the peer last heard from us */
	uint8_t *rx;            /* caller-owned receive ring; its size is our buf_alloc */
	uint32_t rx_cap, rx_r, rx_n;
};

struct vsock {
	struct virtio_pci_dev *pci;
	uint64_t guest_cid;
	uint32_t next_port;
	struct virtq rxq, txq, evq;
	uint8_t *rx_hdr_va[VSOCK_RX_CHAINS], *rx_data_va[VSOCK_RX_CHAINS];
	uint64_t rx_hdr_gpa[VSOCK_RX_CHAINS], rx_data_gpa[VSOCK_RX_CHAINS];
	uint16_t rx_head[VSOCK_RX_CHAINS];
	uint8_t *tx_va[VSOCK_TX_SLOTS];
	uint64_t tx_gpa[VSOCK_TX_SLOTS];
	uint16_t tx_head[VSOCK_TX_SLOTS];
	uint8_t tx_busy[VSOCK_TX_SLOTS];
	uint32_t dropped; /* malformed or unroutable packets */
	struct vsock_conn *conn[VSOCK_MAX_CONN];
};

int vsock_init(struct vsock *v, struct virtio_pci_dev *pci, struct virtio_dma *dma);
/* Receive and dispatch packets, reclaim TX slots. */
int vsock_poll(struct vsock *v);
/*
 * Connect to (cid, port) with a fresh local port (from 40001, never
 * reused); rx/rx_cap is the receive ring (rx_cap = our buf_alloc).
 * Waits up to max_polls for the RESPONSE.
 */
int vsock_connect(struct vsock *v, struct vsock_conn *c, uint64_t cid, uint32_t port, uint8_t *rx,
		  uint32_t rx_cap, unsigned int max_polls);
/*
 * Non-blocking connect: send REQUEST from a fresh local port and register
 * c; vsock_poll moves it to CONNECTED (RESPONSE) or REFUSED.
 */
int vsock_connect_start(struct vsock *v, struct vsock_conn *c, uint64_t cid, uint32_t port,
			uint8_t *rx, uint32_t rx_cap);
/* Non-blocking close: SHUTDOWN(3) if connected (state CLOSING until the
 * peer's RST, answered by vsock_poll). */
int vsock_shutdown(struct vsock *v, struct vsock_conn *c);
/* Forget c (an RST first if the peer may still think it open). */
void vsock_release(struct vsock *v, struct vsock_conn *c);
/* Non-blocking: bytes sent (<= peer credit), MIGTD_ERR_AGAIN without credit/slot. */
int vsock_send(struct vsock *v, struct vsock_conn *c, const void *buf, size_t len);
/* Non-blocking: bytes read; 0 at end of stream; MIGTD_ERR_AGAIN if none yet. */
int vsock_recv(struct vsock *v, struct vsock_conn *c, void *buf, size_t cap);
/* SHUTDOWN(3), wait (bounded) for the peer's RST and answer RST; forget c. */
int vsock_close(struct vsock *v, struct vsock_conn *c, unsigned int max_polls);

#endif /* MIGTD_FW_VIRTIO_H */
