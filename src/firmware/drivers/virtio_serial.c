/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * virtio_serial.c -- virtio console with MULTIPORT (1AF4:1043), docs/protocol.md §4.3:
 * byte-stream ports found by name (PORT_NAME), non-blocking send/recv.
 *
 * Queues: port 0 RX/TX = 0/1, control RX/TX = 2/3, port n >= 1 RX/TX =
 * 2+2n/3+2n. All of them are set up before DRIVER_OK for the first
 * min(max_nr_ports, VSER_MAX_PORTS) ports; RX buffers are posted at once.
 * Control messages are copied out of the DMA buffer and parsed with the
 * bounded wire reader; one with an unknown event, a port id we do not
 * drive or a bad name is counted in bad_ctrl and ignored (the device
 * cannot make the driver act on a port that does not exist). Received data
 * is copied into a private per-port ring before the caller sees it, and a
 * used RX buffer is only taken off the queue when the ring has room for a
 * whole buffer (flow control towards the host without dropping bytes).
 *
 * PORT_OPEN semantics (QEMU): the host sends PORT_OPEN 1/0 when its side
 * (the chardev) connects/disconnects, and only passes host->guest data and
 * keeps guest->host data once the guest sent PORT_OPEN 1 for the port --
 * which vser_open does. Data sent while the host side is closed would be
 * discarded by QEMU, so vser_send says "again" until the host is open.
 */
#include <string.h>

#include "../virtio.h"
#include "migtd/err.h"
#include "migtd/wire.h"

#define VSER_CFG_MAX_NR_PORTS 4
#define VSER_CTRL_HDR 8

int vser_ctrl_parse(const uint8_t *buf, size_t len, struct vser_ctrl *m)
{
	struct wire_reader r;

	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_u32(&r, &m->id);
	migtd_wire_read_u16(&r, &m->event);
	migtd_wire_read_u16(&r, &m->value);
	m->extra_len = migtd_wire_remaining(&r);
	migtd_wire_read_ref(&r, &m->extra, m->extra_len);
	return migtd_wire_error(&r);
}

static uint16_t rx_queue(uint32_t port)
{
	return (uint16_t)(port == 0 ? 0 : 2 + 2 * port);
}

static void reclaim(struct virtq *vq, const uint16_t *heads, uint8_t *busy, unsigned int n)
{
	uint16_t h;
	uint32_t len;

	while (virtq_get_used(vq, &h, &len) == 1) {
		for (unsigned int i = 0; i < n; i++) {
			if (busy[i] && heads[i] == h) {
				busy[i] = 0;
				break;
			}
		}
	}
}

static int post_rx(struct virtq *vq, uint64_t gpa, uint32_t len, uint16_t *head)
{
	struct virtq_buf b = { gpa, len, true };

	return virtq_add(vq, &b, 1, head);
}

static int send_ctrl(struct vser *s, uint32_t id, uint16_t event, uint16_t value)
{
	struct wire_writer w;
	struct virtq_buf b;
	int err;

	for (unsigned int tries = 0; tries < VIRTIO_WAIT_POLLS; tries++) {
		reclaim(&s->ctx, s->ctx_head, s->ctx_busy, VSER_CTRL_BUFS);
		if (s->ctx.broken)
			return s->ctx.broken;
		for (unsigned int i = 0; i < VSER_CTRL_BUFS; i++) {
			if (s->ctx_busy[i])
				continue;
			migtd_wire_writer_init(&w, s->ctx_va[i], VSER_CTRL_BUF);
			migtd_wire_write_u32(&w, id);
			migtd_wire_write_u16(&w, event);
			migtd_wire_write_u16(&w, value);
			b.gpa = s->ctx_gpa[i];
			b.len = VSER_CTRL_HDR;
			b.device_writes = false;
			err = virtq_add(&s->ctx, &b, 1, &s->ctx_head[i]);
			if (err)
				return err;
			s->ctx_busy[i] = 1;
			virtq_kick(&s->ctx);
			return MIGTD_OK;
		}
		if (s->pci->hw->relax)
			s->pci->hw->relax(s->pci->hw->ctx);
	}
	return MIGTD_ERR_TIMEOUT;
}

static int alloc_buf(struct virtio_dma *dma, size_t size, uint8_t **va, uint64_t *gpa)
{
	*va = virtio_dma_alloc(dma, size, 64, gpa);
	return *va ? MIGTD_OK : MIGTD_ERR_NOMEM;
}

static int init_port(struct vser *s, uint32_t p, struct virtio_dma *dma)
{
	struct vser_port *pt = &s->port[p];
	uint16_t q = rx_queue(p);
	int err;

	err = virtio_pci_setup_queue(s->pci, &pt->rxq, q, dma);
	if (!err)
		err = virtio_pci_setup_queue(s->pci, &pt->txq, (uint16_t)(q + 1), dma);
	for (unsigned int i = 0; !err && i < VSER_RX_BUFS; i++) {
		err = alloc_buf(dma, VSER_BUF, &pt->rx_va[i], &pt->rx_gpa[i]);
		if (!err)
			err = post_rx(&pt->rxq, pt->rx_gpa[i], VSER_BUF, &pt->rx_head[i]);
	}
	for (unsigned int i = 0; !err && i < VSER_TX_BUFS; i++)
		err = alloc_buf(dma, VSER_BUF, &pt->tx_va[i], &pt->tx_gpa[i]);
	return err;
}

int vser_init(struct vser *s, struct virtio_pci_dev *pci, struct virtio_dma *dma)
{
	uint32_t max_ports;
	int err;

	memset(s, 0, sizeof(*s));
	s->pci = pci;
	err = virtio_pci_negotiate(pci, VIRTIO_CONSOLE_F_MULTIPORT | VIRTIO_F_ACCESS_PLATFORM);
	if (err)
		return err;
	if (!(pci->features & VIRTIO_CONSOLE_F_MULTIPORT))
		return MIGTD_ERR_UNSUPPORTED;
	err = virtio_pci_devcfg_read32(pci, VSER_CFG_MAX_NR_PORTS, &max_ports);
	if (err)
		return err;
	if (max_ports == 0)
		return MIGTD_ERR_INVALID;
	s->nports = max_ports < VSER_MAX_PORTS ? max_ports : VSER_MAX_PORTS;
	/* A device whose control queue is smaller gets the default size. */
	err = virtio_pci_setup_queue_n(pci, &s->crx, 2, VSER_CTRL_RX_BUFS, dma);
	if (err == MIGTD_ERR_UNSUPPORTED)
		err = virtio_pci_setup_queue(pci, &s->crx, 2, dma);
	s->crx_n = s->crx.size;
	if (!err)
		err = virtio_pci_setup_queue(pci, &s->ctx, 3, dma);
	for (unsigned int i = 0; !err && i < s->crx_n; i++) {
		err = alloc_buf(dma, VSER_CTRL_BUF, &s->crx_va[i], &s->crx_gpa[i]);
		if (!err)
			err = post_rx(&s->crx, s->crx_gpa[i], VSER_CTRL_BUF, &s->crx_head[i]);
	}
	for (unsigned int i = 0; !err && i < VSER_CTRL_BUFS; i++)
		err = alloc_buf(dma, VSER_CTRL_BUF, &s->ctx_va[i], &s->ctx_gpa[i]);
	for (uint32_t p = 0; !err && p < s->nports; p++)
		err = init_port(s, p, dma);
	if (!err)
		err = virtio_pci_driver_ok(pci);
	if (err)
		goto out;
	virtq_kick(&s->crx);
	for (uint32_t p = 0; p < s->nports; p++)
		virtq_kick(&s->port[p].rxq);
	err = send_ctrl(s, 0, VSER_DEVICE_READY, 1);
out:
	if (err)
		(void)virtio_pci_reset(pci);
	return err;
}

static bool valid_name(const uint8_t *p, size_t n)
{
	if (n == 0 || n > VSER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7E)
			return false;
	return true;
}

/* Forget buffered bytes and hand every filled RX buffer back unread. */
static int drop_rx(struct vser_port *pt)
{
	uint16_t h;
	uint32_t len;
	int r, err;

	pt->host_open = true;
	pt->ring_r = pt->ring_n = 0;
	if (!pt->rxq.desc)
		return MIGTD_OK; /* queues not set up (cannot happen after init) */
	while ((r = virtq_get_used(&pt->rxq, &h, &len)) == 1) {
		unsigned int i;

		for (i = 0; i < VSER_RX_BUFS && pt->rx_head[i] != h; i++)
			;
		if (i == VSER_RX_BUFS)
			return MIGTD_ERR_STATE;
		err = post_rx(&pt->rxq, pt->rx_gpa[i], VSER_BUF, &pt->rx_head[i]);
		if (err)
			return err;
	}
	virtq_kick(&pt->rxq);
	return r < 0 ? r : MIGTD_OK;
}

static int handle_ctrl(struct vser *s, const uint8_t *buf, size_t len)
{
	struct vser_ctrl m;
	struct vser_port *pt;

	if (vser_ctrl_parse(buf, len, &m) != MIGTD_OK || m.id >= s->nports) {
		s->bad_ctrl++;
		return MIGTD_OK;
	}
	pt = &s->port[m.id];
	switch (m.event) {
	case VSER_DEVICE_ADD:
		/* PORT_READY later (poll_ctrl): QEMU answers it at once with up to
		 * three messages, which must find posted buffers. */
		pt->added = true;
		pt->ready_due = true;
		return MIGTD_OK;
	case VSER_DEVICE_REMOVE:
		pt->added = pt->host_open = pt->guest_open = pt->ready_due = false;
		pt->name[0] = '\0';
		return MIGTD_OK;
	case VSER_PORT_OPEN:
		if (m.value != 0 && !pt->host_open) {
			/* A new connection: what is left of the old one is stale. */
			pt->host_gen++;
			return drop_rx(pt);
		}
		pt->host_open = m.value != 0;
		return MIGTD_OK;
	case VSER_PORT_NAME:
		/* QEMU sends the name with its NUL; Linux also accepts it without. */
		if (m.extra_len > 0 && m.extra[m.extra_len - 1] == 0)
			m.extra_len--;
		if (!pt->added || !valid_name(m.extra, m.extra_len)) {
			s->bad_ctrl++;
			return MIGTD_OK;
		}
		memcpy(pt->name, m.extra, m.extra_len);
		pt->name[m.extra_len] = '\0';
		return MIGTD_OK;
	case VSER_CONSOLE_PORT:
	case VSER_RESIZE: return MIGTD_OK;
	default: s->bad_ctrl++; return MIGTD_OK;
	}
}

static int drain_ctrl(struct vser *s)
{
	uint8_t msg[VSER_CTRL_BUF];
	uint16_t h;
	uint32_t len;
	int r, err;

	while ((r = virtq_get_used(&s->crx, &h, &len)) == 1) {
		unsigned int i;

		for (i = 0; i < s->crx_n && s->crx_head[i] != h; i++)
			;
		if (i == s->crx_n)
			return MIGTD_ERR_STATE; /* cannot happen: the queue checked h */
		/* Copy first: the device may still scribble on its buffer. */
		memcpy(msg, s->crx_va[i], len);
		err = post_rx(&s->crx, s->crx_gpa[i], VSER_CTRL_BUF, &s->crx_head[i]);
		if (err)
			return err;
		virtq_kick(&s->crx);
		err = handle_ctrl(s, msg, len);
		if (err)
			return err;
	}
	return r;
}

/*
 * Take every control message, then send at most one due PORT_READY: the
 * queue is empty then, and its answers are taken by the next poll before
 * the next PORT_READY goes out.
 */
static int poll_ctrl(struct vser *s)
{
	int err = drain_ctrl(s);

	if (err < 0)
		return err;
	for (uint32_t p = 0; p < s->nports; p++) {
		if (!s->port[p].ready_due)
			continue;
		s->port[p].ready_due = false;
		err = send_ctrl(s, p, VSER_PORT_READY, 1);
		if (err)
			return err;
		return drain_ctrl(s);
	}
	return MIGTD_OK;
}

static int poll_port(struct vser_port *pt)
{
	uint16_t h;
	uint32_t len;
	int r = 0, err;

	reclaim(&pt->txq, pt->tx_head, pt->tx_busy, VSER_TX_BUFS);
	if (pt->txq.broken)
		return pt->txq.broken;
	while (VSER_RX_RING - pt->ring_n >= VSER_BUF &&
	       (r = virtq_get_used(&pt->rxq, &h, &len)) == 1) {
		unsigned int i;
		size_t w = (pt->ring_r + pt->ring_n) % VSER_RX_RING, first;

		for (i = 0; i < VSER_RX_BUFS && pt->rx_head[i] != h; i++)
			;
		if (i == VSER_RX_BUFS)
			return MIGTD_ERR_STATE;
		first = VSER_RX_RING - w < len ? VSER_RX_RING - w : len;
		memcpy(pt->ring + w, pt->rx_va[i], first);
		memcpy(pt->ring, pt->rx_va[i] + first, len - first);
		pt->ring_n += len;
		err = post_rx(&pt->rxq, pt->rx_gpa[i], VSER_BUF, &pt->rx_head[i]);
		if (err)
			return err;
		virtq_kick(&pt->rxq);
	}
	return r < 0 ? r : MIGTD_OK;
}

int vser_poll(struct vser *s)
{
	int err = poll_ctrl(s);

	if (err < 0)
		return err;
	reclaim(&s->ctx, s->ctx_head, s->ctx_busy, VSER_CTRL_BUFS);
	if (s->ctx.broken)
		return s->ctx.broken;
	for (uint32_t p = 0; p < s->nports; p++) {
		err = poll_port(&s->port[p]);
		if (err)
			return err;
	}
	return MIGTD_OK;
}

int vser_find(struct vser *s, const char *name)
{
	for (uint32_t p = 0; p < s->nports; p++)
		if (s->port[p].added && s->port[p].name[0] && strcmp(s->port[p].name, name) == 0)
			return (int)p;
	return MIGTD_ERR_UNSUPPORTED;
}

int vser_open(struct vser *s, const char *name, unsigned int max_polls)
{
	for (unsigned int i = 0; i <= max_polls; i++) {
		int err = vser_poll(s), p;

		if (err)
			return err;
		p = vser_find(s, name);
		if (p >= 0) {
			err = send_ctrl(s, (uint32_t)p, VSER_PORT_OPEN, 1);
			if (err)
				return err;
			s->port[p].guest_open = true;
			return p;
		}
		if (s->pci->hw->relax)
			s->pci->hw->relax(s->pci->hw->ctx);
	}
	return MIGTD_ERR_TIMEOUT;
}

int vser_open_id(struct vser *s, uint32_t port)
{
	int err;

	if (port >= s->nports || !s->port[port].added)
		return MIGTD_ERR_AGAIN;
	if (s->port[port].guest_open)
		return MIGTD_OK;
	err = send_ctrl(s, port, VSER_PORT_OPEN, 1);
	if (err)
		return err;
	s->port[port].guest_open = true;
	return MIGTD_OK;
}

static struct vser_port *open_port(struct vser *s, uint32_t port)
{
	if (port >= s->nports || !s->port[port].added || !s->port[port].guest_open)
		return NULL;
	return &s->port[port];
}

int vser_send(struct vser *s, uint32_t port, const void *buf, size_t len)
{
	struct vser_port *pt = open_port(s, port);
	struct virtq_buf b;
	int err;

	if (!pt)
		return MIGTD_ERR_STATE;
	err = vser_poll(s);
	if (err)
		return err;
	if (!pt->host_open)
		return MIGTD_ERR_AGAIN;
	if (len == 0)
		return 0;
	for (unsigned int i = 0; i < VSER_TX_BUFS; i++) {
		if (pt->tx_busy[i])
			continue;
		b.gpa = pt->tx_gpa[i];
		b.len = (uint32_t)(len < VSER_BUF ? len : VSER_BUF);
		b.device_writes = false;
		memcpy(pt->tx_va[i], buf, b.len);
		err = virtq_add(&pt->txq, &b, 1, &pt->tx_head[i]);
		if (err)
			return err;
		pt->tx_busy[i] = 1;
		virtq_kick(&pt->txq);
		return (int)b.len;
	}
	return MIGTD_ERR_AGAIN;
}

int vser_recv(struct vser *s, uint32_t port, void *buf, size_t cap)
{
	struct vser_port *pt = open_port(s, port);
	uint8_t *out = buf;
	size_t n, first;
	int err;

	if (!pt)
		return MIGTD_ERR_STATE;
	err = vser_poll(s);
	if (err)
		return err;
	if (pt->ring_n == 0)
		return MIGTD_ERR_AGAIN;
	n = cap < pt->ring_n ? cap : pt->ring_n;
	if (n > VSER_RX_RING)
		n = VSER_RX_RING;
	first = VSER_RX_RING - pt->ring_r < n ? VSER_RX_RING - pt->ring_r : n;
	memcpy(out, pt->ring + pt->ring_r, first);
	memcpy(out + first, pt->ring, n - first);
	pt->ring_r = (pt->ring_r + n) % VSER_RX_RING;
	pt->ring_n -= n;
	return (int)n;
}

bool vser_tx_idle(struct vser *s, uint32_t port)
{
	if (port >= s->nports)
		return true;
	for (unsigned int i = 0; i < VSER_TX_BUFS; i++)
		if (s->port[port].tx_busy[i])
			return false;
	return true;
}

int vser_close(struct vser *s, uint32_t port)
{
	struct vser_port *pt = open_port(s, port);

	if (!pt)
		return MIGTD_ERR_STATE;
	pt->guest_open = false;
	return send_ctrl(s, port, VSER_PORT_OPEN, 0);
}

void vser_resync(struct vser *s)
{
	for (uint32_t p = 0; p < s->nports; p++)
		if (s->port[p].added && !s->port[p].host_open)
			s->port[p].ready_due = true;
}
