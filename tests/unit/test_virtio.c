/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_virtio -- the firmware's virtio drivers (src/firmware/drivers/
 * virtio_pci.c, virtqueue.c, virtio_serial.c, virtio_vsock.c) compiled for
 * the host and run against an in-process device model: a fake PCI config
 * space with BARs that size like real ones, the modern virtio capability
 * list, a common-config register file, and a device side that pops the
 * avail ring and pushes used entries by reading the guest's rings the way
 * a device would (its own code, not the driver's). On top of it a
 * virtio-serial host (control messages, one named port) and a vsock host
 * endpoint. The malicious cases poke the model: bad ids, lengths, BARs,
 * capabilities, a device that never finishes its reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio.h"
#include "migtd/err.h"
/* The firmware transport header (src/firmware/migtd/, found through the
 * tests' -Isrc/firmware). */
#include "fw.h"
#include "migtd/fw_transport.h"

/* ------------------------------------------------------------------ model */
#define DMA_SIZE (1u << 20)
#define DMA_GPA 0x5000000ull
#define NQ 12
#define BAR4_SIZE 0x4000u
#define LOG_MAX 128 /* more than VSOCK_MAX_CONN requests in one test */

struct mq {
	uint16_t max, size, enable, noff, last_avail, used_idx;
	uint64_t desc, avail, used;
};

struct chain {
	uint16_t head;
	unsigned int n;
	uint8_t *p[8];
	uint32_t len[8];
	int wr[8];
};

struct pkt {
	uint8_t raw[44];
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len, flags, buf_alloc, fwd_cnt;
	uint16_t type, op;
	uint8_t data[4096];
};

struct model {
	uint8_t cfg[4096];
	uint32_t bar_size[6]; /* per register: low half size or 0 */
	uint32_t bar_mask_override[6];
	int bar64[6];
	uint64_t features;
	uint64_t drv_features;
	uint32_t dfsel, gfsel;
	uint8_t status;
	int reset_stuck, reject_features_ok;
	uint16_t numq, qsel;
	struct mq q[NQ];
	uint8_t devcfg[64];
	uint8_t *dma;
	unsigned int relax_calls;
	int kind; /* 0x1043 or 0x1053 */
	/* serial host */
	struct {
		uint32_t id;
		uint16_t ev, val;
	} ctl_log[LOG_MAX];
	unsigned int n_ctl;
	int auto_ports;            /* answer DEVICE_READY / PORT_READY like QEMU */
	unsigned int ser_ports;    /* ports 1..ser_ports exist (auto_ports) */
	uint16_t q2_max;           /* queue 2's maximum size after a reset, 0: 256 */
	uint8_t ser_connected[NQ]; /* host side of port i connected */
	uint8_t host_rx[65536];
	size_t host_rx_n;
	/* vsock host */
	struct pkt log[LOG_MAX];
	unsigned int n_log;
	int accept;          /* 1 answer REQUEST with RESPONSE, -1 with RST, 0 ignore */
	int answer_shutdown; /* reply RST to SHUTDOWN */
	uint32_t host_buf_alloc;
};

static struct model M;

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint8_t *gpa2va(uint64_t gpa, uint32_t len)
{
	assert_true(gpa >= DMA_GPA && gpa + len <= DMA_GPA + DMA_SIZE);
	return M.dma + (gpa - DMA_GPA);
}

static void set_cap(uint8_t at, uint8_t next, uint8_t type, uint8_t bar, uint32_t off, uint32_t len,
		    uint8_t caplen)
{
	M.cfg[at] = 0x09;
	M.cfg[at + 1] = next;
	M.cfg[at + 2] = caplen;
	M.cfg[at + 3] = type;
	M.cfg[at + 4] = bar;
	wr32(&M.cfg[at + 8], off);
	wr32(&M.cfg[at + 12], len);
}

static void model_init(int kind)
{
	free(M.dma);
	memset(&M, 0, sizeof(M));
	M.dma = calloc(1, DMA_SIZE);
	M.kind = kind;
	wr16(&M.cfg[0], 0x1AF4);
	wr16(&M.cfg[2], (uint16_t)kind);
	wr16(&M.cfg[6], 0x10); /* status: capability list */
	/* BAR1: 32-bit 4 KiB (MSI-X in QEMU), BAR4/5: 64-bit prefetchable 16 KiB. */
	M.bar_size[1] = 0x1000;
	M.bar_size[4] = BAR4_SIZE;
	M.bar64[4] = 1;
	wr32(&M.cfg[0x10 + 16], 0xC);
	M.cfg[0x34] = 0x40;
	set_cap(0x40, 0x50, 1, 4, 0x0000, 0x1000, 16);
	set_cap(0x50, 0x60, 3, 4, 0x1000, 0x1000, 16);
	set_cap(0x60, 0x70, 4, 4, 0x2000, 0x1000, 16);
	set_cap(0x70, 0x84, 2, 4, 0x3000, 0x1000, 20);
	wr32(&M.cfg[0x70 + 16], 4);
	set_cap(0x84, 0x00, 5, 0, 0, 0, 20);
	M.features = VIRTIO_F_VERSION_1 | (1ull << 28);
	if (kind == VIRTIO_PCI_DEV_CONSOLE) {
		M.features |= VIRTIO_CONSOLE_F_MULTIPORT;
		M.numq = 2 * (2 + 1) + 2; /* max_nr_ports 2... plus spare */
		wr32(&M.devcfg[4], 2);
		M.auto_ports = 1;
		M.ser_ports = 1;
		M.ser_connected[1] = 1;
	} else {
		M.numq = 3;
		wr32(&M.devcfg[0], 7);
		M.accept = 1;
		M.answer_shutdown = 1;
		M.host_buf_alloc = 0x40000;
	}
	for (int i = 0; i < NQ; i++)
		M.q[i].max = 256;
}

/* ---- config space ---- */
static uint32_t m_cfg_read32(void *ctx, uint16_t off)
{
	(void)ctx;
	assert_true(off < 4096 && (off & 3) == 0);
	return rd32(&M.cfg[off]);
}

static void m_cfg_write32(void *ctx, uint16_t off, uint32_t v)
{
	(void)ctx;
	assert_true(off < 4096 && (off & 3) == 0);
	if (off >= 0x10 && off < 0x28) {
		int i = (off - 0x10) / 4;
		uint32_t typ = rd32(&M.cfg[off]) & 0xF;

		if (M.bar_mask_override[i]) {
			wr32(&M.cfg[off], (v & M.bar_mask_override[i]) | typ);
		} else if (i > 0 && M.bar64[i - 1]) {
			wr32(&M.cfg[off], v); /* upper half: all bits writable (size < 4 GiB) */
		} else if (M.bar_size[i]) {
			wr32(&M.cfg[off], (v & ~(M.bar_size[i] - 1) & ~0xFu) | typ);
		}
		return;
	}
	if (off == 0x04) {
		wr16(&M.cfg[4], (uint16_t)v);
		return;
	}
}

static uint64_t bar4_addr(void)
{
	return (rd32(&M.cfg[0x20]) & ~0xFu) | (uint64_t)rd32(&M.cfg[0x24]) << 32;
}

/* ---- device side of the queues ---- */
static int dq_pop(unsigned int qi, struct chain *c)
{
	struct mq *q = &M.q[qi];
	uint8_t *avail, *desc;
	uint16_t idx, i;

	if (!q->enable)
		return 0;
	avail = gpa2va(q->avail, 4 + 2u * q->size);
	idx = rd16(avail + 2);
	if (idx == q->last_avail)
		return 0;
	desc = gpa2va(q->desc, 16u * q->size);
	c->head = rd16(avail + 4 + 2u * (q->last_avail % q->size));
	q->last_avail++;
	c->n = 0;
	i = c->head;
	for (;;) {
		uint8_t *d = desc + 16u * i;

		assert_true(c->n < 8);
		c->len[c->n] = rd32(d + 8);
		c->p[c->n] = gpa2va(rd64(d), c->len[c->n]);
		c->wr[c->n] = (rd16(d + 12) & 2) != 0;
		c->n++;
		if (!(rd16(d + 12) & 1))
			break;
		i = rd16(d + 14);
	}
	return 1;
}

static void dq_push_raw(unsigned int qi, uint32_t id, uint32_t len)
{
	struct mq *q = &M.q[qi];
	uint8_t *used = gpa2va(q->used, 4 + 8u * q->size);

	wr32(used + 4 + 8u * (q->used_idx % q->size), id);
	wr32(used + 8 + 8u * (q->used_idx % q->size), len);
	q->used_idx++;
	wr16(used + 2, q->used_idx);
}

static void dq_set_used_idx(unsigned int qi, uint16_t idx)
{
	struct mq *q = &M.q[qi];

	q->used_idx = idx;
	wr16(gpa2va(q->used, 4) + 2, idx);
}

/* Copy bytes into a writable chain. */
static uint32_t chain_write(struct chain *c, const uint8_t *src, uint32_t n)
{
	uint32_t done = 0;

	for (unsigned int k = 0; k < c->n && done < n; k++) {
		uint32_t m;

		assert_true(c->wr[k]);
		m = n - done < c->len[k] ? n - done : c->len[k];
		memcpy(c->p[k], src + done, m);
		done += m;
	}
	assert_int_equal(done, n);
	return done;
}

/* ---- serial host ---- */
static void ser_ctrl_send(uint32_t id, uint16_t ev, uint16_t val, const char *name)
{
	uint8_t msg[128];
	uint32_t n = 8;
	struct chain c;

	wr32(msg, id);
	wr16(msg + 4, ev);
	wr16(msg + 6, val);
	if (name) {
		/* Like QEMU: the name and its NUL. */
		memcpy(msg + 8, name, strlen(name) + 1);
		n += (uint32_t)strlen(name) + 1;
	}
	assert_true(dq_pop(2, &c));
	dq_push_raw(2, c.head, chain_write(&c, msg, n));
}

static void ser_ctrl_raw(const uint8_t *msg, uint32_t n)
{
	struct chain c;

	assert_true(dq_pop(2, &c));
	dq_push_raw(2, c.head, chain_write(&c, msg, n));
}

static void ser_host_write(unsigned int port, const void *data, uint32_t n)
{
	struct chain c;

	assert_true(dq_pop(2 + 2 * port, &c));
	dq_push_raw(2 + 2 * port, c.head, chain_write(&c, data, n));
}

static void ser_notify(unsigned int qi)
{
	struct chain c;

	if (qi == 3) {
		while (dq_pop(3, &c)) {
			uint32_t id = rd32(c.p[0]);
			uint16_t ev = rd16(c.p[0] + 4), val = rd16(c.p[0] + 6);

			assert_int_equal(c.len[0], 8);
			assert_false(c.wr[0]);
			if (M.n_ctl < LOG_MAX) {
				M.ctl_log[M.n_ctl].id = id;
				M.ctl_log[M.n_ctl].ev = ev;
				M.ctl_log[M.n_ctl].val = val;
				M.n_ctl++;
			}
			dq_push_raw(3, c.head, 0);
			if (!M.auto_ports)
				continue;
			/* QEMU: every port at once on DEVICE_READY; its name and (if
			 * connected) PORT_OPEN 1 on each PORT_READY. */
			if (ev == VSER_DEVICE_READY)
				for (uint32_t k = 1; k <= M.ser_ports; k++)
					ser_ctrl_send(k, VSER_DEVICE_ADD, 1, NULL);
			if (ev == VSER_PORT_READY && id >= 1 && id <= M.ser_ports) {
				char name[16] = "migtd.link";

				if (id > 1)
					snprintf(name, sizeof(name), "p.%u", (unsigned int)id);
				ser_ctrl_send(id, VSER_PORT_NAME, 1, name);
				if (M.ser_connected[id])
					ser_ctrl_send(id, VSER_PORT_OPEN, 1, NULL);
			}
		}
	} else if (qi == 5) {
		while (dq_pop(5, &c)) {
			for (unsigned int k = 0; k < c.n; k++) {
				assert_false(c.wr[k]);
				assert_true(M.host_rx_n + c.len[k] <= sizeof(M.host_rx));
				memcpy(M.host_rx + M.host_rx_n, c.p[k], c.len[k]);
				M.host_rx_n += c.len[k];
			}
			dq_push_raw(5, c.head, 0);
		}
	}
}

/* ---- vsock host ---- */
static void vs_host_send_ex(uint64_t dst_cid, uint32_t src_port, uint32_t dst_port, uint16_t op,
			    uint32_t flags, const void *data, uint32_t n, uint32_t hdr_len,
			    uint32_t used_extra, uint32_t fwd_cnt)
{
	uint8_t buf[44 + 4096 + 64];
	struct chain c;

	memset(buf, 0, sizeof(buf));
	wr32(buf + 0, 2); /* host CID */
	wr32(buf + 8, (uint32_t)dst_cid);
	wr32(buf + 16, src_port);
	wr32(buf + 20, dst_port);
	wr32(buf + 24, hdr_len);
	wr16(buf + 28, 1);
	wr16(buf + 30, op);
	wr32(buf + 32, flags);
	wr32(buf + 36, M.host_buf_alloc);
	wr32(buf + 40, fwd_cnt);
	if (n)
		memcpy(buf + 44, data, n);
	assert_true(dq_pop(0, &c));
	assert_int_equal(c.n, 2);
	assert_int_equal(c.len[0], 44);
	assert_int_equal(c.len[1], 4096);
	chain_write(&c, buf, 44 + n);
	dq_push_raw(0, c.head, 44 + n + used_extra);
}

static uint32_t host_fwd;

static void vs_host_send(uint32_t src_port, uint32_t dst_port, uint16_t op, uint32_t flags,
			 const void *data, uint32_t n)
{
	vs_host_send_ex(7, src_port, dst_port, op, flags, data, n, n, 0, host_fwd);
}

static void vs_notify(unsigned int qi)
{
	struct chain c;

	if (qi != 1)
		return;
	while (dq_pop(1, &c)) {
		struct pkt *p;
		uint8_t flat[44 + 4096];
		uint32_t n = 0;

		for (unsigned int k = 0; k < c.n; k++) {
			assert_false(c.wr[k]);
			assert_true(n + c.len[k] <= sizeof(flat));
			memcpy(flat + n, c.p[k], c.len[k]);
			n += c.len[k];
		}
		dq_push_raw(1, c.head, 0);
		assert_true(n >= 44);
		assert_true(M.n_log < LOG_MAX);
		p = &M.log[M.n_log++];
		memcpy(p->raw, flat, 44);
		p->src_cid = rd64(flat);
		p->dst_cid = rd64(flat + 8);
		p->src_port = rd32(flat + 16);
		p->dst_port = rd32(flat + 20);
		p->len = rd32(flat + 24);
		p->type = rd16(flat + 28);
		p->op = rd16(flat + 30);
		p->flags = rd32(flat + 32);
		p->buf_alloc = rd32(flat + 36);
		p->fwd_cnt = rd32(flat + 40);
		assert_int_equal(p->len, n - 44);
		memcpy(p->data, flat + 44, p->len);
		if (p->op == VSOCK_OP_REQUEST && M.accept)
			vs_host_send(p->dst_port, p->src_port,
				     M.accept > 0 ? VSOCK_OP_RESPONSE : VSOCK_OP_RST, 0, NULL, 0);
		if (p->op == VSOCK_OP_SHUTDOWN && M.answer_shutdown)
			vs_host_send(p->dst_port, p->src_port, VSOCK_OP_RST, 0, NULL, 0);
	}
}

/* ---- MMIO ---- */
static uint32_t cc_read(uint32_t off, unsigned int size)
{
	struct mq *q = &M.q[M.qsel < NQ ? M.qsel : 0];

	switch (off) {
	case 0x00: return M.dfsel;
	case 0x04: return M.dfsel < 2 ? (uint32_t)(M.features >> (32 * M.dfsel)) : 0;
	case 0x08: return M.gfsel;
	case 0x0C: return M.gfsel < 2 ? (uint32_t)(M.drv_features >> (32 * M.gfsel)) : 0;
	case 0x12: return M.numq;
	case 0x14: assert_int_equal(size, 1); return M.status;
	case 0x16: return M.qsel;
	case 0x18: return M.qsel < M.numq ? q->max : 0;
	case 0x1C: return q->enable;
	case 0x1E: return q->noff;
	default: return 0;
	}
}

static void cc_write(uint32_t off, unsigned int size, uint32_t v)
{
	struct mq *q = &M.q[M.qsel < NQ ? M.qsel : 0];

	switch (off) {
	case 0x00: M.dfsel = v; break;
	case 0x08: M.gfsel = v; break;
	case 0x0C:
		if (M.gfsel < 2) {
			M.drv_features &= ~(0xFFFFFFFFull << (32 * M.gfsel));
			M.drv_features |= (uint64_t)v << (32 * M.gfsel);
		}
		break;
	case 0x14:
		assert_int_equal(size, 1);
		if (v == 0) {
			if (!M.reset_stuck) {
				M.status = 0;
				memset(M.q, 0, sizeof(M.q));
				for (int i = 0; i < NQ; i++)
					M.q[i].max = 256;
				if (M.q2_max)
					M.q[2].max = M.q2_max;
			}
			break;
		}
		if ((v & VIRTIO_STATUS_FEATURES_OK) && M.reject_features_ok)
			v &= ~VIRTIO_STATUS_FEATURES_OK;
		M.status = (uint8_t)v;
		break;
	case 0x16: M.qsel = (uint16_t)v; break;
	case 0x18: q->size = (uint16_t)v; break;
	case 0x1C: q->enable = (uint16_t)v; break;
	case 0x20: q->desc = (q->desc & ~0xFFFFFFFFull) | v; break;
	case 0x24: q->desc = (q->desc & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
	case 0x28: q->avail = (q->avail & ~0xFFFFFFFFull) | v; break;
	case 0x2C: q->avail = (q->avail & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
	case 0x30: q->used = (q->used & ~0xFFFFFFFFull) | v; break;
	case 0x34: q->used = (q->used & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
	default: break;
	}
}

static uint32_t m_mmio_read(void *ctx, uint64_t addr, unsigned int size)
{
	uint64_t off;

	(void)ctx;
	assert_true(addr >= bar4_addr() && addr + size <= bar4_addr() + BAR4_SIZE);
	assert_true(rd16(&M.cfg[4]) & 2); /* memory decoding on */
	off = addr - bar4_addr();
	if (off < 0x1000)
		return cc_read((uint32_t)off, size);
	if (off >= 0x2000 && off < 0x2000 + sizeof(M.devcfg)) {
		assert_int_equal(size, 4);
		return rd32(&M.devcfg[off - 0x2000]);
	}
	return 0;
}

static void m_mmio_write(void *ctx, uint64_t addr, unsigned int size, uint32_t v)
{
	uint64_t off;

	(void)ctx;
	assert_true(addr >= bar4_addr() && addr + size <= bar4_addr() + BAR4_SIZE);
	off = addr - bar4_addr();
	if (off < 0x1000) {
		cc_write((uint32_t)off, size, v);
	} else if (off >= 0x3000 && off < 0x4000) {
		assert_int_equal(size, 2);
		assert_int_equal(off - 0x3000, 4u * M.q[v].noff);
		if (!(M.status & VIRTIO_STATUS_DRIVER_OK))
			return;
		if (M.kind == VIRTIO_PCI_DEV_CONSOLE)
			ser_notify(v);
		else
			vs_notify(v);
	}
}

static void m_relax(void *ctx)
{
	(void)ctx;
	M.relax_calls++;
}

static const struct virtio_hw HW = { NULL,        m_cfg_read32, m_cfg_write32,
				     m_mmio_read, m_mmio_write, m_relax };

static struct virtio_mmio_window W32, W64;
static struct virtio_dma DMA;
static struct virtio_pci_dev PD;

static int probe(void)
{
	W32 = (struct virtio_mmio_window){ 0xC0000000, 0x20000000, 0 };
	W64 = (struct virtio_mmio_window){ 0x100000000ull, 0x40000000, 0 };
	virtio_dma_init(&DMA, M.dma, DMA_GPA, DMA_SIZE);
	return virtio_pci_probe(&PD, &HW, (uint16_t)M.kind, &W32, &W64);
}

static int setup_model(void **state)
{
	(void)state;
	host_fwd = 0;
	model_init(VIRTIO_PCI_DEV_VSOCK);
	return 0;
}

static int teardown_model(void **state)
{
	(void)state;
	free(M.dma);
	M.dma = NULL;
	return 0;
}

/* ------------------------------------------------------------------ PCI */
static void test_probe_ok(void **state)
{
	(void)state;
	assert_int_equal(probe(), MIGTD_OK);
	/* BAR1 (32-bit) from the 32-bit window, BAR4 (64-bit) from the 64-bit one. */
	assert_int_equal(PD.bar_addr[1], 0xC0000000);
	assert_int_equal(PD.bar_size[1], 0x1000);
	assert_int_equal(PD.bar_addr[4], 0x100000000ull);
	assert_int_equal(PD.bar_size[4], BAR4_SIZE);
	assert_int_equal(bar4_addr(), 0x100000000ull);
	assert_int_equal(PD.common.addr, 0x100000000ull);
	assert_int_equal(PD.isr.addr, 0x100001000ull);
	assert_int_equal(PD.device.addr, 0x100002000ull);
	assert_int_equal(PD.notify.addr, 0x100003000ull);
	assert_int_equal(PD.notify_mult, 4);
	assert_int_equal(rd16(&M.cfg[4]) & 6, 6); /* memory + bus master */
	/* No 64-bit window: BAR4 goes below 4 GiB, naturally aligned. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	W32 = (struct virtio_mmio_window){ 0xC0000000, 0x20000000, 0 };
	W64.size = 0;
	assert_int_equal(virtio_pci_probe(&PD, &HW, VIRTIO_PCI_DEV_VSOCK, &W32, &W64), MIGTD_OK);
	assert_int_equal(PD.bar_addr[4], 0xC0004000);
}

static void test_probe_wrong_id(void **state)
{
	(void)state;
	wr16(&M.cfg[2], 0x1041);
	assert_int_equal(probe(), MIGTD_ERR_UNSUPPORTED);
	model_init(VIRTIO_PCI_DEV_VSOCK);
	wr16(&M.cfg[0], 0x8086);
	assert_int_equal(probe(), MIGTD_ERR_UNSUPPORTED);
}

static void test_probe_bar_sizes(void **state)
{
	(void)state;
	/* A cap on a BAR that probes as size 0 (absent). */
	M.cfg[0x50 + 4] = 2;
	assert_int_equal(probe(), MIGTD_ERR_INVALID);
	/* Bits that are not contiguous from the top: not a size. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	M.bar_mask_override[1] = 0xFF00FF00;
	assert_int_equal(probe(), MIGTD_ERR_INVALID);
	/* Window too small for the BARs. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	W32 = (struct virtio_mmio_window){ 0xC0000000, 0x800, 0 };
	virtio_dma_init(&DMA, M.dma, DMA_GPA, DMA_SIZE);
	assert_int_equal(virtio_pci_probe(&PD, &HW, VIRTIO_PCI_DEV_VSOCK, &W32, NULL),
			 MIGTD_ERR_NOMEM);
	/* A window at the very top of the address space: no wrap-around. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	W32 = (struct virtio_mmio_window){ 0xFFFFFFFFFFFFF000ull, 0x1000, 0 };
	assert_int_equal(virtio_pci_probe(&PD, &HW, VIRTIO_PCI_DEV_VSOCK, &W32, NULL),
			 MIGTD_ERR_NOMEM);
	/* 64-bit BAR in the last slot has no upper half. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	M.bar_size[4] = 0;
	M.bar64[4] = 0;
	wr32(&M.cfg[0x10 + 16], 0);
	wr32(&M.cfg[0x10 + 20], 0x4);
	M.bar_size[5] = 0x1000;
	assert_int_equal(probe(), MIGTD_ERR_INVALID);
}

static void test_cap_bounds(void **state)
{
	(void)state;
	/* Device config region runs past the end of BAR4. */
	wr32(&M.cfg[0x60 + 8], BAR4_SIZE - 0x10);
	wr32(&M.cfg[0x60 + 12], 0x20);
	assert_int_equal(probe(), MIGTD_ERR_LENGTH);
	/* offset + length overflows 32 bits. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	wr32(&M.cfg[0x50 + 8], 0xFFFFFFF0);
	wr32(&M.cfg[0x50 + 12], 0x20);
	assert_int_equal(probe(), MIGTD_ERR_LENGTH);
	/* Common config shorter than its registers. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	wr32(&M.cfg[0x40 + 12], 0x37);
	assert_int_equal(probe(), MIGTD_ERR_LENGTH);
	/* BAR index beyond 5. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	M.cfg[0x40 + 4] = 6;
	assert_int_equal(probe(), MIGTD_ERR_INVALID);
	/* Notify cap too short for notify_off_multiplier. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	M.cfg[0x70 + 2] = 16;
	assert_int_equal(probe(), MIGTD_ERR_LENGTH);
}

static void test_cap_overlap(void **state)
{
	(void)state;
	/* ISR inside the common config region. */
	wr32(&M.cfg[0x50 + 8], 0x10);
	wr32(&M.cfg[0x50 + 12], 4);
	assert_int_equal(probe(), MIGTD_ERR_INVALID);
	/* Device config sharing its last byte with notify. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	wr32(&M.cfg[0x60 + 12], 0x1001);
	assert_int_equal(probe(), MIGTD_ERR_INVALID);
	/* Same offsets in different BARs do not overlap. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	M.cfg[0x50 + 4] = 1;
	wr32(&M.cfg[0x50 + 8], 0);
	assert_int_equal(probe(), MIGTD_OK);
}

static void test_cap_missing_and_list(void **state)
{
	(void)state;
	/* ISR cap not there (skipped in the chain). */
	M.cfg[0x40 + 1] = 0x60;
	assert_int_equal(probe(), MIGTD_ERR_UNSUPPORTED);
	/* No capability list at all. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	wr16(&M.cfg[6], 0);
	assert_int_equal(probe(), MIGTD_ERR_UNSUPPORTED);
	/* The list loops. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	M.cfg[0x84 + 1] = 0x84;
	assert_int_equal(probe(), MIGTD_ERR_INVALID);
	/* A pointer into the standard header. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	M.cfg[0x34] = 0x20;
	assert_int_equal(probe(), MIGTD_ERR_INVALID);
	/* Duplicate common cap later in the list: the first one is used. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	M.cfg[0x84 + 3] = 1;
	wr32(&M.cfg[0x84 + 8], 0xFFFFFF00);
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(PD.common.off, 0);
}

static void test_negotiate(void **state)
{
	(void)state;
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(virtio_pci_negotiate(&PD, VIRTIO_F_ACCESS_PLATFORM | (1ull << 5)),
			 MIGTD_OK);
	/* Only VERSION_1: ACCESS_PLATFORM and bit 5 are not offered, bit 28 not wanted. */
	assert_int_equal(M.drv_features, VIRTIO_F_VERSION_1);
	assert_int_equal(PD.features, VIRTIO_F_VERSION_1);
	assert_int_equal(M.status,
			 VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(PD.num_queues, 3);
}

static void test_negotiate_failures(void **state)
{
	(void)state;
	/* The reset never completes: bounded wait. */
	assert_int_equal(probe(), MIGTD_OK);
	M.status = VIRTIO_STATUS_ACK;
	M.reset_stuck = 1;
	M.relax_calls = 0;
	assert_int_equal(virtio_pci_negotiate(&PD, 0), MIGTD_ERR_TIMEOUT);
	assert_int_equal(M.relax_calls, VIRTIO_WAIT_POLLS);
	/* FEATURES_OK does not stick. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	assert_int_equal(probe(), MIGTD_OK);
	M.reject_features_ok = 1;
	assert_int_equal(virtio_pci_negotiate(&PD, 0), MIGTD_ERR_UNSUPPORTED);
	assert_true(M.status & VIRTIO_STATUS_FAILED);
	/* A "modern" device without VERSION_1. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	assert_int_equal(probe(), MIGTD_OK);
	M.features = 1ull << 28;
	assert_int_equal(virtio_pci_negotiate(&PD, 0), MIGTD_ERR_UNSUPPORTED);
	assert_true(M.status & VIRTIO_STATUS_FAILED);
}

static void test_queue_setup(void **state)
{
	struct virtq vq;

	(void)state;
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(virtio_pci_negotiate(&PD, 0), MIGTD_OK);
	M.q[1].noff = 1;
	assert_int_equal(virtio_pci_setup_queue(&PD, &vq, 1, &DMA), MIGTD_OK);
	assert_int_equal(vq.notify_addr, PD.notify.addr + 4);
	assert_int_equal(M.q[1].size, 16);
	assert_int_equal(M.q[1].enable, 1);
	assert_int_equal(M.q[1].desc, vq.desc_gpa);
	assert_int_equal(M.q[1].avail, vq.avail_gpa);
	assert_int_equal(M.q[1].used, vq.used_gpa);
	assert_int_equal(vq.desc_gpa % 16, 0);
	assert_int_equal(vq.used_gpa % 4, 0);
	/* Queue beyond num_queues, too small, doorbell outside the notify region. */
	assert_int_equal(virtio_pci_setup_queue(&PD, &vq, 3, &DMA), MIGTD_ERR_UNSUPPORTED);
	M.q[0].max = 8;
	assert_int_equal(virtio_pci_setup_queue(&PD, &vq, 0, &DMA), MIGTD_ERR_UNSUPPORTED);
	M.q[2].noff = 0x400; /* 0x400 * 4 = 0x1000: past the notify region */
	assert_int_equal(virtio_pci_setup_queue(&PD, &vq, 2, &DMA), MIGTD_ERR_LENGTH);
	M.q[2].noff = 0xFFFF; /* 0xFFFF * 4 */
	assert_int_equal(virtio_pci_setup_queue(&PD, &vq, 2, &DMA), MIGTD_ERR_LENGTH);
	M.q[2].noff = 0x3FF; /* the last u16 of the region */
	assert_int_equal(virtio_pci_setup_queue(&PD, &vq, 2, &DMA), MIGTD_OK);
	/* Device config reads stay inside the region. */
	uint32_t v;
	assert_int_equal(virtio_pci_devcfg_read32(&PD, 0, &v), MIGTD_OK);
	assert_int_equal(v, 7);
	assert_int_equal(virtio_pci_devcfg_read32(&PD, 0xFFD, &v), MIGTD_ERR_LENGTH);
	assert_int_equal(virtio_pci_devcfg_read32(&PD, 0xFFFFFFFE, &v), MIGTD_ERR_LENGTH);
}

/* ------------------------------------------------------------------ virtqueue */
static struct virtq VQ;

static void vq_setup(void)
{
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(virtio_pci_negotiate(&PD, 0), MIGTD_OK);
	assert_int_equal(virtio_pci_setup_queue(&PD, &VQ, 0, &DMA), MIGTD_OK);
	M.status |= VIRTIO_STATUS_DRIVER_OK;
}

static void test_vq_layout(void **state)
{
	struct virtq_buf b[3] = { { DMA_GPA + 0x80000, 10, false },
				  { DMA_GPA + 0x81000, 20, true },
				  { DMA_GPA + 0x82000, 30, true } };
	struct chain c;
	uint16_t h, h2;
	uint32_t len;

	(void)state;
	vq_setup();
	assert_int_equal(virtq_add(&VQ, b, 3, &h), MIGTD_OK);
	/* Descriptor table bytes as the device reads them. */
	uint8_t *d = gpa2va(M.q[0].desc, 256);
	assert_int_equal(rd64(d + 16 * h), DMA_GPA + 0x80000);
	assert_int_equal(rd32(d + 16 * h + 8), 10);
	assert_int_equal(rd16(d + 16 * h + 12), 1); /* NEXT */
	uint16_t n1 = rd16(d + 16 * h + 14);
	assert_int_equal(rd16(d + 16 * n1 + 12), 3); /* NEXT|WRITE */
	uint16_t n2 = rd16(d + 16 * n1 + 14);
	assert_int_equal(rd16(d + 16 * n2 + 12), 2); /* WRITE, end */
	assert_int_equal(rd32(d + 16 * n2 + 8), 30);
	assert_int_equal(rd16(gpa2va(M.q[0].avail, 6) + 2), 1);
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), 0);
	/* The device may write up to 50 bytes. */
	M.q[0].last_avail = 0;
	assert_true(dq_pop(0, &c) == 1);
	dq_push_raw(0, c.head, 50);
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), 1);
	assert_int_equal(h2, h);
	assert_int_equal(len, 50);
	assert_int_equal(VQ.num_free, 16);
	/* Full ring: 16 single buffers, then "again"; a 0-length or too long chain is refused. */
	for (int i = 0; i < 16; i++)
		assert_int_equal(virtq_add(&VQ, b, 1, &h), MIGTD_OK);
	assert_int_equal(virtq_add(&VQ, b, 1, &h), MIGTD_ERR_AGAIN);
	struct virtq_buf z = { 0x1000, 0, true };
	assert_int_equal(virtq_add(&VQ, &z, 1, &h), MIGTD_ERR_INVALID);
	assert_int_equal(virtq_add(&VQ, b, VIRTQ_MAX_CHAIN + 1, &h), MIGTD_ERR_INVALID);
	/* Writable lengths that overflow u32. */
	vq_setup();
	struct virtq_buf big[2] = { { 0x1000, 0xFFFFFFF0u, true }, { 0x2000, 0x20, true } };
	assert_int_equal(virtq_add(&VQ, big, 2, &h), MIGTD_ERR_LENGTH);
}

static void test_vq_bad_id(void **state)
{
	struct virtq_buf b = { 0x1000, 64, true };
	uint16_t h, h2;
	uint32_t len;

	(void)state;
	vq_setup();
	assert_int_equal(virtq_add(&VQ, &b, 1, &h), MIGTD_OK);
	dq_push_raw(0, 16, 0); /* id == queue size */
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), MIGTD_ERR_INVALID);
	/* Sticky: a later good entry is not believed, nothing more is posted. */
	dq_push_raw(0, h, 0);
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), MIGTD_ERR_INVALID);
	assert_int_equal(virtq_add(&VQ, &b, 1, &h), MIGTD_ERR_INVALID);
	/* Huge id. */
	vq_setup();
	assert_int_equal(virtq_add(&VQ, &b, 1, &h), MIGTD_OK);
	dq_push_raw(0, 0xFFFFFFFFu, 0);
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), MIGTD_ERR_INVALID);
}

static void test_vq_not_in_flight(void **state)
{
	struct virtq_buf b2[2] = { { 0x1000, 8, false }, { 0x2000, 64, true } };
	uint16_t h, h2;
	uint32_t len;

	(void)state;
	/* Never posted. */
	vq_setup();
	assert_int_equal(virtq_add(&VQ, b2, 2, &h), MIGTD_OK);
	dq_push_raw(0, 5, 0);
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), MIGTD_ERR_INVALID);
	/* The second descriptor of a chain is not a head. */
	vq_setup();
	assert_int_equal(virtq_add(&VQ, b2, 2, &h), MIGTD_OK);
	dq_push_raw(0, (uint32_t)VQ.sh[h].next, 0);
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), MIGTD_ERR_INVALID);
	/* Completed twice. */
	vq_setup();
	assert_int_equal(virtq_add(&VQ, b2, 2, &h), MIGTD_OK);
	dq_push_raw(0, h, 64);
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), 1);
	dq_push_raw(0, h, 64);
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), MIGTD_ERR_INVALID);
}

static void test_vq_bad_len(void **state)
{
	struct virtq_buf b2[2] = { { 0x1000, 8, false }, { 0x2000, 64, true } };
	uint16_t h, h2;
	uint32_t len;

	(void)state;
	vq_setup();
	assert_int_equal(virtq_add(&VQ, b2, 2, &h), MIGTD_OK);
	dq_push_raw(0, h, 65); /* readable bytes do not count */
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), MIGTD_ERR_LENGTH);
	/* A read-only chain: any length is too long. */
	vq_setup();
	assert_int_equal(virtq_add(&VQ, b2, 1, &h), MIGTD_OK);
	dq_push_raw(0, h, 1);
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), MIGTD_ERR_LENGTH);
	/* The used index runs ahead by more than the ring. */
	vq_setup();
	assert_int_equal(virtq_add(&VQ, b2, 2, &h), MIGTD_OK);
	dq_set_used_idx(0, 17);
	assert_int_equal(virtq_get_used(&VQ, &h2, &len), MIGTD_ERR_INVALID);
}

/* ------------------------------------------------------------------ vsock */
static struct vsock VS;
static struct vsock_conn C1, C2;
static uint8_t RX1[0x40000], RX2[8192];

static void vsock_up(void)
{
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(vsock_init(&VS, &PD, &DMA), MIGTD_OK);
	assert_int_equal(VS.guest_cid, 7);
	assert_true(M.status & VIRTIO_STATUS_DRIVER_OK);
}

static void test_vsock_init(void **state)
{
	(void)state;
	vsock_up();
	assert_int_equal(M.q[0].size, 16);
	assert_int_equal(M.q[2].enable, 1);
	/* Reserved CIDs and the reserved upper half are refused. */
	model_init(VIRTIO_PCI_DEV_VSOCK);
	wr32(&M.devcfg[0], 2);
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(vsock_init(&VS, &PD, &DMA), MIGTD_ERR_INVALID);
	model_init(VIRTIO_PCI_DEV_VSOCK);
	wr32(&M.devcfg[4], 1);
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(vsock_init(&VS, &PD, &DMA), MIGTD_ERR_INVALID);
}

static void test_vsock_hdr(void **state)
{
	static const uint8_t want[44] = {
		7, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x41, 0x9c, 0, 0, 0xd2, 4,
		0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4,    0,    0, 0, 0,    0,
	};
	struct vsock_hdr h;

	(void)state;
	vsock_up();
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	/* REQUEST from port 40001 to 2:1234, buf_alloc 0x40000, at the spec's offsets. */
	assert_int_equal(M.n_log, 1);
	assert_memory_equal(M.log[0].raw, want, 44);
	assert_int_equal(vsock_hdr_parse(want, 44, &h), MIGTD_OK);
	assert_int_equal(h.src_port, 40001);
	assert_int_equal(h.buf_alloc, 0x40000);
	for (size_t n = 0; n < 44; n++)
		assert_int_equal(vsock_hdr_parse(want, n, &h), MIGTD_ERR_TRUNCATED);
	uint8_t out[44];
	vsock_hdr_build(out, &h);
	assert_memory_equal(out, want, 44);
}

static void test_vsock_connect_rw(void **state)
{
	uint8_t buf[5000], big[9000];
	int n;

	(void)state;
	vsock_up();
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	assert_int_equal(C1.state, VSOCK_CONNECTED);
	assert_int_equal(C1.peer_buf_alloc, 0x40000);
	assert_int_equal(vsock_connect(&VS, &C2, 2, 1235, RX2, sizeof(RX2), 10), MIGTD_OK);
	assert_int_equal(C2.local_port, 40002);
	/* Guest -> host: split at 4096 per packet. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	M.n_log = 0;
	size_t sent = 0;
	while (sent < sizeof(big)) {
		n = vsock_send(&VS, &C1, big + sent, sizeof(big) - sent);
		assert_true(n > 0);
		sent += (size_t)n;
	}
	assert_int_equal(M.n_log, 3);
	assert_int_equal(M.log[0].op, VSOCK_OP_RW);
	assert_int_equal(M.log[0].len, 4096);
	assert_int_equal(M.log[2].len, 9000 - 8192);
	assert_int_equal(M.log[0].src_port, 40001);
	assert_int_equal(M.log[0].dst_port, 1234);
	assert_memory_equal(M.log[1].data, big + 4096, 4096);
	assert_int_equal(C1.tx_cnt, 9000);
	/* Host -> guest on the second connection, not the first. */
	assert_int_equal(vsock_recv(&VS, &C2, buf, sizeof(buf)), MIGTD_ERR_AGAIN);
	vs_host_send(1235, 40002, VSOCK_OP_RW, 0, "hello", 5);
	assert_int_equal(vsock_recv(&VS, &C1, buf, sizeof(buf)), MIGTD_ERR_AGAIN);
	assert_int_equal(vsock_recv(&VS, &C2, buf, 3), 3);
	assert_memory_equal(buf, "hel", 3);
	assert_int_equal(vsock_recv(&VS, &C2, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "lo", 2);
	assert_int_equal(C2.fwd_cnt, 5);
	assert_int_equal(VS.dropped, 0);
}

static void test_vsock_refused_timeout(void **state)
{
	(void)state;
	vsock_up();
	M.accept = -1;
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_ERR_NETWORK);
	assert_null(VS.conn[0]);
	/* Nobody answers: bounded, and the half-open request is reset. */
	M.accept = 0;
	M.n_log = 0;
	M.relax_calls = 0;
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 50), MIGTD_ERR_TIMEOUT);
	assert_int_equal(M.relax_calls, 51);
	assert_int_equal(M.n_log, 2);
	assert_int_equal(M.log[1].op, VSOCK_OP_RST);
	assert_int_equal(M.log[1].src_port, 40002); /* ports are never reused */
	/* A reply that is not RESPONSE refuses the connection. */
	M.accept = 0;
	M.n_log = 0;
	vs_host_send(1234, 40003, VSOCK_OP_RW, 0, "x", 1); /* arrives before we even connect */
	assert_int_equal(vsock_poll(&VS), MIGTD_OK);
	assert_int_equal(M.log[0].op, VSOCK_OP_RST); /* unknown connection */
	assert_int_equal(VS.dropped, 1);
}

static void test_vsock_credit_send(void **state)
{
	uint8_t data[300];

	(void)state;
	vsock_up();
	M.host_buf_alloc = 100;
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	memset(data, 0xAB, sizeof(data));
	assert_int_equal(vsock_send(&VS, &C1, data, sizeof(data)), 100);
	assert_int_equal(vsock_send(&VS, &C1, data, sizeof(data)), MIGTD_ERR_AGAIN);
	/* Host read 60 bytes: credit 60. */
	host_fwd = 60;
	vs_host_send(1234, 40001, VSOCK_OP_CREDIT_UPDATE, 0, NULL, 0);
	assert_int_equal(vsock_send(&VS, &C1, data, sizeof(data)), 60);
	assert_int_equal(vsock_send(&VS, &C1, data, sizeof(data)), MIGTD_ERR_AGAIN);
	/* A fwd_cnt beyond what was sent yields no credit (no wrap-around). */
	host_fwd = 1000;
	vs_host_send(1234, 40001, VSOCK_OP_CREDIT_UPDATE, 0, NULL, 0);
	assert_int_equal(vsock_send(&VS, &C1, data, sizeof(data)), MIGTD_ERR_AGAIN);
	/* CREDIT_REQUEST is answered with our credit. */
	M.n_log = 0;
	vs_host_send(1234, 40001, VSOCK_OP_CREDIT_REQUEST, 0, NULL, 0);
	assert_int_equal(vsock_poll(&VS), MIGTD_OK);
	assert_int_equal(M.n_log, 1);
	assert_int_equal(M.log[0].op, VSOCK_OP_CREDIT_UPDATE);
	assert_int_equal(M.log[0].buf_alloc, 0x40000);
	assert_int_equal(M.log[0].fwd_cnt, 0);
}

static void test_vsock_credit_recv(void **state)
{
	uint8_t chunk[4096], out[8192];

	(void)state;
	vsock_up();
	assert_int_equal(vsock_connect(&VS, &C2, 2, 1234, RX2, sizeof(RX2), 10), MIGTD_OK);
	assert_int_equal(M.log[0].buf_alloc, 8192);
	memset(chunk, 0x11, sizeof(chunk));
	vs_host_send(1234, 40001, VSOCK_OP_RW, 0, chunk, 4096);
	vs_host_send(1234, 40001, VSOCK_OP_RW, 0, chunk, 4096);
	M.n_log = 0;
	/* Reading 4096 of 8192: the peer's view of our room is 0 -> CREDIT_UPDATE. */
	assert_int_equal(vsock_recv(&VS, &C2, out, 4096), 4096);
	assert_int_equal(M.n_log, 1);
	assert_int_equal(M.log[0].op, VSOCK_OP_CREDIT_UPDATE);
	assert_int_equal(M.log[0].fwd_cnt, 4096);
	/* Beyond the credit granted (4096 free, 4097 sent in two packets). */
	vs_host_send(1234, 40001, VSOCK_OP_RW, 0, chunk, 4096);
	vs_host_send(1234, 40001, VSOCK_OP_RW, 0, chunk, 1);
	assert_int_equal(vsock_recv(&VS, &C2, out, sizeof(out)), 8192);
	assert_int_equal(C2.state, VSOCK_PEER_CLOSED);
	assert_int_equal(M.log[M.n_log - 1].op, VSOCK_OP_RST);
	assert_int_equal(vsock_recv(&VS, &C2, out, sizeof(out)), MIGTD_ERR_NETWORK);
	assert_int_equal(vsock_send(&VS, &C2, out, 1), MIGTD_ERR_NETWORK);
}

/*
 * The firmware's stream transport drives many streams at once through the
 * non-blocking calls: connects answered out of order, data routed by port,
 * the driver's connection table full, SHUTDOWN then the peer's RST.
 */
static struct vsock_conn CM[VSOCK_MAX_CONN + 1];
static uint8_t RXM[VSOCK_MAX_CONN + 1][256];

static void test_vsock_nonblocking_many(void **state)
{
	uint8_t out[16];

	(void)state;
	vsock_up();
	M.accept = 0; /* the test answers */
	M.answer_shutdown = 0;
	M.n_log = 0;
	for (unsigned int i = 0; i < VSOCK_MAX_CONN; i++) {
		assert_int_equal(vsock_connect_start(&VS, &CM[i], 2, 5000 + i, RXM[i], 256),
				 MIGTD_OK);
		assert_int_equal(CM[i].state, VSOCK_CONNECTING);
		assert_int_equal(CM[i].local_port, 40001 + i);
		assert_int_equal(M.log[i].op, VSOCK_OP_REQUEST);
		assert_int_equal(M.log[i].dst_port, 5000 + i);
		assert_int_equal(M.log[i].buf_alloc, 256);
	}
	/* Every driver slot taken: the next one must wait, and says so. */
	assert_int_equal(vsock_connect_start(&VS, &CM[VSOCK_MAX_CONN], 2, 9, RXM[0], 256),
			 MIGTD_ERR_NOMEM);
	/* Answers in reverse order; one stream is refused. */
	for (unsigned int i = VSOCK_MAX_CONN; i-- > 0;) {
		vs_host_send(5000 + i, 40001 + i, i == 3 ? VSOCK_OP_RST : VSOCK_OP_RESPONSE, 0,
			     NULL, 0);
		assert_int_equal(vsock_poll(&VS), MIGTD_OK);
	}
	for (unsigned int i = 0; i < VSOCK_MAX_CONN; i++)
		assert_int_equal(CM[i].state, i == 3 ? VSOCK_REFUSED : VSOCK_CONNECTED);
	/* Data for stream 7 lands only there. */
	vs_host_send(5007, 40008, VSOCK_OP_RW, 0, "seven", 5);
	assert_int_equal(vsock_recv(&VS, &CM[6], out, sizeof(out)), MIGTD_ERR_AGAIN);
	assert_int_equal(vsock_recv(&VS, &CM[7], out, sizeof(out)), 5);
	assert_memory_equal(out, "seven", 5);
	/* Release the refused one: its slot is free again, the port is not reused. */
	vsock_release(&VS, &CM[3]);
	assert_int_equal(vsock_connect_start(&VS, &CM[VSOCK_MAX_CONN], 2, 9, RXM[3], 256),
			 MIGTD_OK);
	assert_int_equal(CM[VSOCK_MAX_CONN].local_port, 40001 + VSOCK_MAX_CONN);
	/* Non-blocking close: SHUTDOWN(3), CLOSING until the peer's RST, which we answer. */
	M.n_log = 0;
	assert_int_equal(vsock_shutdown(&VS, &CM[5]), MIGTD_OK);
	assert_int_equal(CM[5].state, VSOCK_CLOSING);
	assert_int_equal(M.log[0].op, VSOCK_OP_SHUTDOWN);
	assert_int_equal(M.log[0].flags, 3);
	assert_int_equal(vsock_poll(&VS), MIGTD_OK);
	assert_int_equal(CM[5].state, VSOCK_CLOSING);
	vs_host_send(5005, 40006, VSOCK_OP_RST, 0, NULL, 0);
	assert_int_equal(vsock_poll(&VS), MIGTD_OK);
	assert_int_equal(CM[5].state, VSOCK_CLOSED);
	assert_int_equal(M.log[M.n_log - 1].op, VSOCK_OP_RST);
	/* Released after the orderly end: no second RST. */
	M.n_log = 0;
	vsock_release(&VS, &CM[5]);
	assert_int_equal(M.n_log, 0);
	/* Releasing a live stream resets it so the peer does not wait. */
	vsock_release(&VS, &CM[6]);
	assert_int_equal(M.n_log, 1);
	assert_int_equal(M.log[0].op, VSOCK_OP_RST);
	assert_int_equal(M.log[0].src_port, 40007);
	assert_int_equal(VS.dropped, 0);
}

/* ---- the firmware's vsock stream transport (src/firmware/migtd/tr_vsock.c) ----
 * linked into this test with the few firmware services it uses stubbed: the
 * device is the model above, the clock a counter the test moves. */
static uint64_t fake_ms;

struct vsock *fw_vsock_setup(void)
{
	return &VS;
}

void fw_vsock_relax(void)
{
	fake_ms++;
}

uint64_t fw_ticks(void)
{
	return fake_ms;
}

void fw_printf(const char *fmt, ...)
{
	(void)fmt;
}

static void test_vsock_transport_streams(void **state)
{
	const struct migtd_stream_ops *ops = fw_transport.stream_ops;
	void *ctx = fw_transport.stream_ctx;
	struct migtd_stream_params prm = { .peer_cid = 0xAB00000002ull, .peer_port = 1234 };
	uint32_t h, h2, hs[80];
	size_t n;
	uint8_t buf[64];
	unsigned int k;

	(void)state;
	assert_string_equal(fw_transport.name, "virtio-vsock");
	assert_true(fw_transport.require_socket_info);
	vsock_up();
	assert_int_equal(fw_transport.start(NULL), MIGTD_OK); /* a TD: no link */
	M.accept = 0;
	M.answer_shutdown = 0;
	M.n_log = 0;
	/* Open = REQUEST to (low 32 bits of mig_td_cid, mig_channel_port) from 40001. */
	assert_int_equal(ops->open(ctx, &prm, &h), MIGTD_OK);
	assert_int_equal(M.n_log, 1);
	assert_int_equal(M.log[0].op, VSOCK_OP_REQUEST);
	assert_int_equal(M.log[0].dst_cid, 2);
	assert_int_equal(M.log[0].dst_port, 1234);
	assert_int_equal(M.log[0].src_port, 40001);
	assert_int_equal(M.log[0].buf_alloc, 0x8000); /* tr_vsock.c's receive ring */
	/* Until RESPONSE: AGAIN both ways, nothing sent. */
	assert_int_equal(ops->send(ctx, h, "x", 1, &n), MIGTD_ERR_AGAIN);
	assert_int_equal(ops->recv(ctx, h, buf, sizeof(buf), &n), MIGTD_ERR_AGAIN);
	assert_int_equal(M.n_log, 1);
	vs_host_send(1234, 40001, VSOCK_OP_RESPONSE, 0, NULL, 0);
	/* Raw bytes both ways, no header of ours in front. */
	assert_int_equal(ops->send(ctx, h, "\x16\x03\x03", 3, &n), MIGTD_OK);
	assert_int_equal(n, 3);
	assert_int_equal(M.log[M.n_log - 1].op, VSOCK_OP_RW);
	assert_memory_equal(M.log[M.n_log - 1].data, "\x16\x03\x03", 3);
	vs_host_send(1234, 40001, VSOCK_OP_RW, 0, "tls", 3);
	assert_int_equal(ops->recv(ctx, h, buf, sizeof(buf), &n), MIGTD_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "tls", 3);
	/* Close: SHUTDOWN(3), AGAIN until the peer's RST, then done. */
	M.n_log = 0;
	assert_int_equal(ops->close(ctx, h), MIGTD_ERR_AGAIN);
	assert_int_equal(M.log[0].op, VSOCK_OP_SHUTDOWN);
	assert_int_equal(M.log[0].flags, 3);
	assert_int_equal(ops->close(ctx, h), MIGTD_ERR_AGAIN);
	vs_host_send(1234, 40001, VSOCK_OP_RST, 0, NULL, 0);
	assert_int_equal(ops->close(ctx, h), MIGTD_OK);
	assert_int_equal(ops->send(ctx, h, "x", 1, &n), MIGTD_ERR_STATE);

	/* A refused stream fails the session's first I/O; closing it is immediate. */
	assert_int_equal(ops->open(ctx, &prm, &h), MIGTD_OK);
	vs_host_send(1234, 40002, VSOCK_OP_RST, 0, NULL, 0);
	assert_int_equal(ops->send(ctx, h, "x", 1, &n), MIGTD_ERR_NETWORK);
	assert_int_equal(ops->close(ctx, h), MIGTD_OK);

	/* A peer that never answers the SHUTDOWN: after 3 s we RST it ourselves. */
	assert_int_equal(ops->open(ctx, &prm, &h), MIGTD_OK);
	vs_host_send(1234, 40003, VSOCK_OP_RESPONSE, 0, NULL, 0);
	assert_int_equal(ops->recv(ctx, h, buf, sizeof(buf), &n), MIGTD_ERR_AGAIN);
	assert_int_equal(ops->close(ctx, h), MIGTD_ERR_AGAIN);
	fake_ms += 3001;
	M.n_log = 0;
	assert_int_equal(ops->close(ctx, h), MIGTD_OK);
	assert_int_equal(M.log[M.n_log - 1].op, VSOCK_OP_RST);
	assert_int_equal(M.log[M.n_log - 1].src_port, 40003);

	/* 66 streams at once (64 sessions and spares); the 67th waits (AGAIN),
	 * ports keep counting up. */
	for (k = 0; k < 66; k++)
		assert_int_equal(ops->open(ctx, &prm, &hs[k]), MIGTD_OK);
	assert_int_equal(ops->open(ctx, &prm, &h2), MIGTD_ERR_AGAIN);
	/* A stream the core abandoned while closing is reclaimed on the next open. */
	vs_host_send(1234, 40004, VSOCK_OP_RESPONSE, 0, NULL, 0);
	assert_int_equal(ops->recv(ctx, hs[0], buf, sizeof(buf), &n), MIGTD_ERR_AGAIN);
	assert_int_equal(ops->close(ctx, hs[0]), MIGTD_ERR_AGAIN);
	assert_int_equal(ops->open(ctx, &prm, &h2), MIGTD_ERR_AGAIN);
	fake_ms += 3001;
	M.n_log = 0;
	assert_int_equal(ops->open(ctx, &prm, &h2), MIGTD_OK);
	assert_int_equal(M.log[M.n_log - 1].op, VSOCK_OP_REQUEST);
	assert_int_equal(M.log[M.n_log - 1].src_port, 40004 + 66);
	/* A stream whose close completed (the peer's RST came) still belongs to
	 * its session until that session's next close call: an open in between
	 * must not take its slot (it did: the close then failed with status 1). */
	vs_host_send(1234, 40005, VSOCK_OP_RESPONSE, 0, NULL, 0);
	assert_int_equal(ops->recv(ctx, hs[1], buf, sizeof(buf), &n), MIGTD_ERR_AGAIN);
	assert_int_equal(ops->close(ctx, hs[1]), MIGTD_ERR_AGAIN);
	vs_host_send(1234, 40005, VSOCK_OP_RST, 0, NULL, 0);
	assert_int_equal(ops->recv(ctx, hs[2], buf, sizeof(buf), &n), MIGTD_ERR_AGAIN);
	assert_int_equal(ops->open(ctx, &prm, &h), MIGTD_ERR_AGAIN);
	assert_int_equal(ops->close(ctx, hs[1]), MIGTD_OK);
	assert_int_equal(ops->open(ctx, &prm, &h), MIGTD_OK);
	assert_int_equal(VS.dropped, 0);
}

static void test_vsock_shutdown(void **state)
{
	uint8_t out[16];

	(void)state;
	vsock_up();
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	M.n_log = 0;
	assert_int_equal(vsock_close(&VS, &C1, 10), MIGTD_OK);
	/* SHUTDOWN flags 3, the host's RST, our RST. */
	assert_int_equal(M.n_log, 2);
	assert_int_equal(M.log[0].op, VSOCK_OP_SHUTDOWN);
	assert_int_equal(M.log[0].flags, 3);
	assert_int_equal(M.log[1].op, VSOCK_OP_RST);
	assert_null(VS.conn[0]);
	/* Peer never answers the SHUTDOWN: bounded, then RST. */
	M.answer_shutdown = 0;
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	M.n_log = 0;
	assert_int_equal(vsock_close(&VS, &C1, 20), MIGTD_ERR_TIMEOUT);
	assert_int_equal(M.log[M.n_log - 1].op, VSOCK_OP_RST);
	/* Peer SHUTDOWN: buffered bytes, then end of stream (0); we answer RST. */
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	vs_host_send(1234, 40003, VSOCK_OP_RW, 0, "bye", 3);
	vs_host_send(1234, 40003, VSOCK_OP_SHUTDOWN, 3, NULL, 0);
	M.n_log = 0;
	assert_int_equal(vsock_recv(&VS, &C1, out, sizeof(out)), 3);
	assert_int_equal(M.log[0].op, VSOCK_OP_RST);
	assert_int_equal(vsock_recv(&VS, &C1, out, sizeof(out)), 0);
	assert_int_equal(vsock_close(&VS, &C1, 10), MIGTD_OK);
	/* Peer RST mid-stream: an error, not a clean end. */
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	vs_host_send(1234, 40004, VSOCK_OP_RST, 0, NULL, 0);
	assert_int_equal(vsock_recv(&VS, &C1, out, sizeof(out)), MIGTD_ERR_NETWORK);
}

static void test_vsock_malicious_packets(void **state)
{
	uint8_t out[16];

	(void)state;
	vsock_up();
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	/* Used length shorter than a header: dropped. */
	struct chain c;
	assert_true(dq_pop(0, &c));
	dq_push_raw(0, c.head, 43);
	assert_int_equal(vsock_poll(&VS), MIGTD_OK);
	assert_int_equal(VS.dropped, 1);
	assert_int_equal(C1.state, VSOCK_CONNECTED);
	/* Wrong destination CID: dropped. */
	vs_host_send_ex(8, 1234, 40001, VSOCK_OP_RW, 0, "x", 1, 1, 0, 0);
	assert_int_equal(vsock_poll(&VS), MIGTD_OK);
	assert_int_equal(VS.dropped, 2);
	assert_int_equal(C1.rx_n, 0);
	/* Header len beyond what the device says it wrote: stream reset. */
	vs_host_send_ex(7, 1234, 40001, VSOCK_OP_RW, 0, "abcd", 4, 100, 0, 0);
	assert_int_equal(vsock_recv(&VS, &C1, out, sizeof(out)), MIGTD_ERR_NETWORK);
	assert_int_equal(C1.rx_n, 0);
	assert_int_equal(M.log[M.n_log - 1].op, VSOCK_OP_RST);
	assert_int_equal(vsock_close(&VS, &C1, 10), MIGTD_OK);
	/* Header len beyond the 4096-byte data buffer. */
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	vs_host_send_ex(7, 1234, 40002, VSOCK_OP_RW, 0, "abcd", 4, 4097, 4092, 0);
	assert_int_equal(vsock_recv(&VS, &C1, out, sizeof(out)), MIGTD_ERR_NETWORK);
	assert_int_equal(vsock_close(&VS, &C1, 10), MIGTD_OK);
	/* An op that has no business on a connected stream. */
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	vs_host_send(1234, 40003, 99, 0, NULL, 0);
	assert_int_equal(vsock_recv(&VS, &C1, out, sizeof(out)), MIGTD_ERR_NETWORK);
	assert_int_equal(vsock_close(&VS, &C1, 10), MIGTD_OK);
	/* The device completes an RX chain that is not in flight: the queue is dead. */
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	dq_push_raw(0, 1, 44); /* descriptor 1 is the data half of chain 0 */
	assert_int_equal(vsock_poll(&VS), MIGTD_ERR_INVALID);
	assert_int_equal(vsock_recv(&VS, &C1, out, sizeof(out)), MIGTD_ERR_INVALID);
	/* TX used length above what was posted writable (0). */
	vsock_up();
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	M.status &= (uint8_t)~VIRTIO_STATUS_DRIVER_OK; /* the model stops answering */
	assert_int_equal(vsock_send(&VS, &C1, "x", 1), 1);
	assert_true(dq_pop(1, &c));
	dq_push_raw(1, c.head, 45);
	assert_int_equal(vsock_send(&VS, &C1, "x", 1), MIGTD_ERR_LENGTH);
}

static void test_vsock_transport_reset(void **state)
{
	uint8_t out[4];
	struct chain c;
	uint8_t ev[4] = { 0, 0, 0, 0 };

	(void)state;
	vsock_up();
	assert_int_equal(vsock_connect(&VS, &C1, 2, 1234, RX1, sizeof(RX1), 10), MIGTD_OK);
	assert_true(dq_pop(2, &c));
	dq_push_raw(2, c.head, chain_write(&c, ev, 4));
	assert_int_equal(vsock_recv(&VS, &C1, out, sizeof(out)), MIGTD_ERR_NETWORK);
	/* Event buffers are 8 bytes: a longer used length kills the queue. */
	assert_true(dq_pop(2, &c));
	dq_push_raw(2, c.head, 9);
	assert_int_equal(vsock_poll(&VS), MIGTD_ERR_LENGTH);
}

/* ------------------------------------------------------------------ serial */
static struct vser SER;

static void serial_up(void)
{
	model_init(VIRTIO_PCI_DEV_CONSOLE);
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(vser_init(&SER, &PD, &DMA), MIGTD_OK);
}

static void test_serial_open_echo(void **state)
{
	uint8_t buf[64];
	int port;

	(void)state;
	serial_up();
	assert_int_equal(M.drv_features, VIRTIO_F_VERSION_1 | VIRTIO_CONSOLE_F_MULTIPORT);
	assert_int_equal(SER.nports, 2);
	/* DEVICE_READY(0,1) went out; the model answered DEVICE_ADD(1). */
	assert_int_equal(M.ctl_log[0].id, 0);
	assert_int_equal(M.ctl_log[0].ev, VSER_DEVICE_READY);
	assert_int_equal(M.ctl_log[0].val, 1);
	port = vser_open(&SER, "migtd.link", 10);
	assert_int_equal(port, 1);
	assert_int_equal(M.n_ctl, 3);
	assert_int_equal(M.ctl_log[1].id, 1);
	assert_int_equal(M.ctl_log[1].ev, VSER_PORT_READY);
	assert_int_equal(M.ctl_log[2].ev, VSER_PORT_OPEN);
	assert_int_equal(M.ctl_log[2].val, 1);
	assert_true(SER.port[1].host_open);
	assert_int_equal(vser_send(&SER, 1, "hello", 5), 5);
	assert_int_equal(M.host_rx_n, 5);
	assert_memory_equal(M.host_rx, "hello", 5);
	assert_int_equal(vser_recv(&SER, 1, buf, sizeof(buf)), MIGTD_ERR_AGAIN);
	ser_host_write(1, "world!", 6);
	assert_int_equal(vser_recv(&SER, 1, buf, 4), 4);
	assert_int_equal(vser_recv(&SER, 1, buf + 4, sizeof(buf)), 2);
	assert_memory_equal(buf, "world!", 6);
	/* Not-open ports. */
	assert_int_equal(vser_send(&SER, 0, "x", 1), MIGTD_ERR_STATE);
	assert_int_equal(vser_send(&SER, 7, "x", 1), MIGTD_ERR_STATE);
	assert_int_equal(vser_close(&SER, 1), MIGTD_OK);
	assert_int_equal(M.ctl_log[M.n_ctl - 1].ev, VSER_PORT_OPEN);
	assert_int_equal(M.ctl_log[M.n_ctl - 1].val, 0);
	assert_int_equal(SER.bad_ctrl, 0);
}

static void test_serial_flow(void **state)
{
	static uint8_t big[VSER_RX_RING + 3 * VSER_BUF], out[sizeof(big)];
	size_t got = 0;

	(void)state;
	serial_up();
	assert_int_equal(vser_open(&SER, "migtd.link", 10), 1);
	/* Host closed: sending waits. */
	ser_ctrl_send(1, VSER_PORT_OPEN, 0, NULL);
	assert_int_equal(vser_send(&SER, 1, "x", 1), MIGTD_ERR_AGAIN);
	ser_ctrl_send(1, VSER_PORT_OPEN, 1, NULL);
	assert_int_equal(vser_send(&SER, 1, "x", 1), 1);
	/* More data than the private ring holds: nothing lost, in order. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + 1);
	size_t put = 0;
	for (int k = 0; k < 4; k++, put += VSER_BUF)
		ser_host_write(1, big + put, VSER_BUF);
	while (got < sizeof(big)) {
		int n = vser_recv(&SER, 1, out + got, 1000);

		if (n == MIGTD_ERR_AGAIN) {
			/* Feed the buffers that were reposted. */
			struct chain c;

			while (put < sizeof(big) && dq_pop(4, &c))
				dq_push_raw(4, c.head, chain_write(&c, big + put, VSER_BUF)),
					put += VSER_BUF;
			continue;
		}
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_memory_equal(out, big, sizeof(big));
}

static void test_serial_bad_ctrl(void **state)
{
	static const uint8_t shortmsg[4] = { 1, 0, 0, 0 };
	char longname[80];

	(void)state;
	serial_up();
	assert_int_equal(vser_open(&SER, "migtd.link", 10), 1);
	/* Port id beyond max_nr_ports (2) and a huge one. */
	ser_ctrl_send(2, VSER_DEVICE_ADD, 1, NULL);
	ser_ctrl_send(0xFFFFFFFFu, VSER_PORT_OPEN, 1, NULL);
	/* Short message, unknown event, DEVICE_READY from the device. */
	ser_ctrl_raw(shortmsg, sizeof(shortmsg));
	ser_ctrl_send(1, 99, 1, NULL);
	ser_ctrl_send(1, VSER_DEVICE_READY, 1, NULL);
	unsigned int before = M.n_ctl;
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_int_equal(SER.bad_ctrl, 5);
	/* Names: too long, empty, non-printable, two NULs, for a port never added. */
	memset(longname, 'a', sizeof(longname));
	longname[64] = '\0';
	ser_ctrl_send(1, VSER_PORT_NAME, 1, longname);
	ser_ctrl_send(1, VSER_PORT_NAME, 1, "");
	ser_ctrl_send(1, VSER_PORT_NAME, 1, "bad\nname");
	static const uint8_t twonul[] = { 1, 0, 0, 0, 7, 0, 1, 0, 'a', 0, 0 };
	ser_ctrl_raw(twonul, sizeof(twonul));
	ser_ctrl_send(0, VSER_PORT_NAME, 1, "evil");
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_int_equal(SER.bad_ctrl, 10);
	assert_int_equal(M.n_ctl, before); /* nothing answered */
	assert_false(SER.port[0].added);
	assert_string_equal(SER.port[1].name, "migtd.link");
	assert_true(SER.port[1].host_open);
	/* 63 characters is the longest name accepted, with or without the NUL. */
	longname[63] = '\0';
	ser_ctrl_send(1, VSER_PORT_NAME, 1, longname);
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_int_equal(strlen(SER.port[1].name), 63);
	uint8_t nonul[8 + 3] = { 1, 0, 0, 0, 7, 0, 1, 0, 'x', 'y', 'z' };
	ser_ctrl_raw(nonul, sizeof(nonul));
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_string_equal(SER.port[1].name, "xyz");
	assert_int_equal(SER.bad_ctrl, 10);
	assert_int_equal(vser_find(&SER, "migtd.link"), MIGTD_ERR_UNSUPPORTED);
	/* DEVICE_REMOVE forgets the port. */
	ser_ctrl_send(1, VSER_DEVICE_REMOVE, 0, NULL);
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_int_equal(vser_send(&SER, 1, "x", 1), MIGTD_ERR_STATE);
	/* A control used length above the 128 bytes posted kills the queue. */
	struct chain c;
	assert_true(dq_pop(2, &c));
	dq_push_raw(2, c.head, 129);
	assert_int_equal(vser_poll(&SER), MIGTD_ERR_LENGTH);
}

static void test_serial_ctrl_parse(void **state)
{
	static const uint8_t msg[] = { 1, 0, 0, 0, 7, 0, 1, 0, 'a', 'b' };
	struct vser_ctrl m;

	(void)state;
	assert_int_equal(vser_ctrl_parse(msg, sizeof(msg), &m), MIGTD_OK);
	assert_int_equal(m.id, 1);
	assert_int_equal(m.event, VSER_PORT_NAME);
	assert_int_equal(m.value, 1);
	assert_int_equal(m.extra_len, 2);
	assert_memory_equal(m.extra, "ab", 2);
	for (size_t n = 0; n < 8; n++)
		assert_int_equal(vser_ctrl_parse(msg, n, &m), MIGTD_ERR_TRUNCATED);
	assert_int_equal(vser_ctrl_parse(msg, 8, &m), MIGTD_OK);
	assert_int_equal(m.extra_len, 0);
}

static void test_serial_no_multiport(void **state)
{
	(void)state;
	model_init(VIRTIO_PCI_DEV_CONSOLE);
	M.features &= ~VIRTIO_CONSOLE_F_MULTIPORT;
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(vser_init(&SER, &PD, &DMA), MIGTD_ERR_UNSUPPORTED);
	/* max_nr_ports 0. */
	model_init(VIRTIO_PCI_DEV_CONSOLE);
	wr32(&M.devcfg[4], 0);
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(vser_init(&SER, &PD, &DMA), MIGTD_ERR_INVALID);
	/* A port that never shows up: bounded. */
	model_init(VIRTIO_PCI_DEV_CONSOLE);
	M.auto_ports = 0;
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(vser_init(&SER, &PD, &DMA), MIGTD_OK);
	M.relax_calls = 0;
	assert_int_equal(vser_open(&SER, "migtd.link", 30), MIGTD_ERR_TIMEOUT);
	assert_int_equal(M.relax_calls, 31);
}

/* Control buffers posted by the driver and not yet used by the device. */
static unsigned int ctrl_bufs_free(void)
{
	uint8_t *avail = gpa2va(M.q[2].avail, 4);

	return (uint16_t)(rd16(avail + 2) - M.q[2].last_avail);
}

static unsigned int ctl_count(uint16_t ev)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < M.n_ctl; i++)
		n += M.ctl_log[i].ev == ev;
	return n;
}

/*
 * QEMU drops a control message when no buffer is posted: the control RX
 * queue is QEMU's 32 entries, all posted; DEVICE_ADDs are answered with
 * PORT_READY one per poll, each after the queue was drained.
 */
static void test_serial_ctrl_burst(void **state)
{
	unsigned int polls = 0;

	(void)state;
	model_init(VIRTIO_PCI_DEV_CONSOLE);
	wr32(&M.devcfg[4], 5);
	M.numq = 12;
	M.ser_ports = 4;
	for (int i = 1; i <= 4; i++)
		M.ser_connected[i] = 1;
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(vser_init(&SER, &PD, &DMA), MIGTD_OK);
	assert_int_equal(M.q[2].size, VSER_CTRL_RX_BUFS);
	assert_int_equal(M.q[3].size, VIRTQ_SIZE);
	assert_int_equal(M.q[4].size, VIRTQ_SIZE);
	assert_int_equal(SER.crx_n, 32);
	/* The four DEVICE_ADDs took four buffers; no PORT_READY yet. */
	assert_int_equal(ctrl_bufs_free(), 28);
	assert_int_equal(ctl_count(VSER_PORT_READY), 0);
	/* One PORT_READY per poll; its answers are taken by the same poll. */
	for (unsigned int k = 1; k <= 4; k++) {
		assert_int_equal(vser_poll(&SER), MIGTD_OK);
		polls++;
		assert_int_equal(ctl_count(VSER_PORT_READY), k);
		assert_int_equal(M.ctl_log[M.n_ctl - 1].id, k);
		assert_int_equal(ctrl_bufs_free(), 32);
		assert_true(SER.port[k].host_open);
	}
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_int_equal(ctl_count(VSER_PORT_READY), 4);
	assert_int_equal(vser_find(&SER, "migtd.link"), 1);
	assert_int_equal(vser_find(&SER, "p.4"), 4);
	/* 32 messages before the next poll (every port closing and reopening,
	 * eight times over): each finds a buffer (ser_ctrl_send asserts it). */
	for (unsigned int k = 0; k < 32; k++)
		ser_ctrl_send(1 + k % 4, VSER_PORT_OPEN, (uint16_t)((k / 4) % 2), NULL);
	assert_int_equal(ctrl_bufs_free(), 0);
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_int_equal(ctrl_bufs_free(), 32);
	for (unsigned int k = 1; k <= 4; k++) {
		assert_true(SER.port[k].host_open);
		assert_int_equal(SER.port[k].host_gen, 1 + 4);
	}
	assert_int_equal(SER.bad_ctrl, 0);
	assert_int_equal(polls, 4);
}

/* A device with a smaller control queue gets the default size. */
static void test_serial_small_ctrl_queue(void **state)
{
	(void)state;
	model_init(VIRTIO_PCI_DEV_CONSOLE);
	M.q2_max = 16;
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(vser_init(&SER, &PD, &DMA), MIGTD_OK);
	assert_int_equal(M.q[2].size, 16);
	assert_int_equal(SER.crx_n, 16);
	assert_int_equal(vser_open(&SER, "migtd.link", 10), 1);
	/* Too small even for that. */
	model_init(VIRTIO_PCI_DEV_CONSOLE);
	M.q2_max = 8;
	assert_int_equal(probe(), MIGTD_OK);
	assert_int_equal(vser_init(&SER, &PD, &DMA), MIGTD_ERR_UNSUPPORTED);
}

/* A PORT_OPEN 1 the device dropped is recovered by asking again. */
static void test_serial_resync(void **state)
{
	unsigned int before;

	(void)state;
	serial_up();
	assert_int_equal(vser_open(&SER, "migtd.link", 10), 1);
	assert_int_equal(SER.port[1].host_gen, 1);
	ser_ctrl_send(1, VSER_PORT_OPEN, 0, NULL);
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_false(SER.port[1].host_open);
	/* The device dropped the PORT_OPEN 1 of its next connection. */
	M.ser_connected[1] = 1;
	before = ctl_count(VSER_PORT_READY);
	vser_resync(&SER);
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_int_equal(ctl_count(VSER_PORT_READY), before + 1);
	assert_int_equal(M.ctl_log[M.n_ctl - 1].id, 1);
	assert_true(SER.port[1].host_open);
	assert_int_equal(SER.port[1].host_gen, 2);
	/* Open ports are not asked about. */
	vser_resync(&SER);
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_int_equal(ctl_count(VSER_PORT_READY), before + 1);
	/* Still closed on the host: the answer is only the name. */
	ser_ctrl_send(1, VSER_PORT_OPEN, 0, NULL);
	M.ser_connected[1] = 0;
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	vser_resync(&SER);
	assert_int_equal(vser_poll(&SER), MIGTD_OK);
	assert_int_equal(ctl_count(VSER_PORT_READY), before + 2);
	assert_false(SER.port[1].host_open);
	assert_string_equal(SER.port[1].name, "migtd.link");
	assert_int_equal(SER.bad_ctrl, 0);
}

/* virtq_init_n: sizes are powers of two up to VIRTQ_MAX_SIZE. */
static void test_vq_sizes(void **state)
{
	static const uint16_t bad[] = { 0, 3, 24, 64, 0xFFFF };
	struct virtq vq;

	(void)state;
	virtio_dma_init(&DMA, M.dma, DMA_GPA, DMA_SIZE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(virtq_init_n(&vq, 0, bad[i], &DMA), MIGTD_ERR_INVALID);
	assert_int_equal(virtq_init_n(&vq, 0, VIRTQ_MAX_SIZE, &DMA), MIGTD_OK);
	assert_int_equal(vq.size, 32);
	assert_int_equal(vq.num_free, 32);
	assert_int_equal(vq.avail_gpa - vq.desc_gpa, 16u * 32);
	assert_true(vq.used_gpa - vq.avail_gpa >= 6u + 2u * 32);
	assert_true(vq.used_gpa - vq.desc_gpa + 6u + 8u * 32 <= 4096);
	/* All 32 entries usable, then full. */
	for (unsigned int i = 0; i < 32; i++) {
		struct virtq_buf b = { DMA_GPA, 8, true };
		uint16_t h;

		assert_int_equal(virtq_add(&vq, &b, 1, &h), MIGTD_OK);
	}
	struct virtq_buf b = { DMA_GPA, 8, true };
	uint16_t h;
	assert_int_equal(virtq_add(&vq, &b, 1, &h), MIGTD_ERR_AGAIN);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_model, teardown_model)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_probe_ok),
		T(test_probe_wrong_id),
		T(test_probe_bar_sizes),
		T(test_cap_bounds),
		T(test_cap_overlap),
		T(test_cap_missing_and_list),
		T(test_negotiate),
		T(test_negotiate_failures),
		T(test_queue_setup),
		T(test_vq_layout),
		T(test_vq_sizes),
		T(test_vq_bad_id),
		T(test_vq_not_in_flight),
		T(test_vq_bad_len),
		T(test_vsock_init),
		T(test_vsock_hdr),
		T(test_vsock_connect_rw),
		T(test_vsock_refused_timeout),
		T(test_vsock_credit_send),
		T(test_vsock_credit_recv),
		T(test_vsock_shutdown),
		T(test_vsock_nonblocking_many),
		T(test_vsock_transport_streams),
		T(test_vsock_malicious_packets),
		T(test_vsock_transport_reset),
		T(test_serial_open_echo),
		T(test_serial_flow),
		T(test_serial_bad_ctrl),
		T(test_serial_ctrl_parse),
		T(test_serial_no_multiport),
		T(test_serial_ctrl_burst),
		T(test_serial_small_ctrl_queue),
		T(test_serial_resync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
