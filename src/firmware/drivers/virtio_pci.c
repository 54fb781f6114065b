/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * virtio_pci.c -- modern virtio over PCI (virtio 1.x §4.1), docs/protocol.md §4.1.
 *
 * Nothing in the firmware assigns BARs for us (no BIOS ran before it), so
 * probe() sizes each memory BAR and places it in a fixed MMIO window; a BAR
 * that probes as size 0 is absent, I/O BARs are left alone (not used).
 * Then the vendor capabilities (id 0x09) locate the common, notify, ISR and
 * device-config regions. All four are required; each must lie inside an
 * assigned BAR (offset + length computed in 64 bits) and no two may
 * overlap. The capability list itself is walked with a bounded number of
 * steps and pointers confined to the standard config space, so a looping or
 * out-of-range list is an error, not a hang.
 */
#include <string.h>

#include "../virtio.h"
#include "migtd/err.h"

#define PCI_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_STATUS_CAP_LIST 0x10u
#define PCI_CMD_MEM 0x2u
#define PCI_CMD_MASTER 0x4u
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_MAX 48 /* (256 - 64) / 4: more steps means a loop */

#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_NOTIFY 2
#define VIRTIO_CAP_ISR 3
#define VIRTIO_CAP_DEVICE 4

/* Common configuration structure offsets (virtio 1.x §4.1.4.3). */
#define CC_DFSELECT 0x00
#define CC_DF 0x04
#define CC_GFSELECT 0x08
#define CC_GF 0x0C
#define CC_MSIX 0x10
#define CC_NUMQ 0x12
#define CC_STATUS 0x14
#define CC_Q_SELECT 0x16
#define CC_Q_SIZE 0x18
#define CC_Q_MSIX 0x1A
#define CC_Q_ENABLE 0x1C
#define CC_Q_NOFF 0x1E
#define CC_Q_DESC 0x20
#define CC_Q_AVAIL 0x28
#define CC_Q_USED 0x30
#define CC_MIN_LEN 0x38
#define VIRTIO_NO_VECTOR 0xFFFF

static uint32_t cfg_rd(struct virtio_pci_dev *d, uint16_t off)
{
	return d->hw->cfg_read32(d->hw->ctx, off);
}

static void cfg_wr(struct virtio_pci_dev *d, uint16_t off, uint32_t v)
{
	d->hw->cfg_write32(d->hw->ctx, off, v);
}

static uint32_t cc_rd(struct virtio_pci_dev *d, uint32_t off, unsigned int size)
{
	return d->hw->mmio_read(d->hw->ctx, d->common.addr + off, size);
}

static void cc_wr(struct virtio_pci_dev *d, uint32_t off, unsigned int size, uint32_t v)
{
	d->hw->mmio_write(d->hw->ctx, d->common.addr + off, size, v);
}

/* Place a BAR of `size` (a power of two) naturally aligned in w. */
static int window_alloc(struct virtio_mmio_window *w, uint64_t size, uint64_t *addr)
{
	uint64_t a, end = w->base + w->size;

	if (w->next < w->base)
		w->next = w->base;
	a = (w->next + size - 1) & ~(size - 1);
	if (a < w->next || a > end || size > end - a)
		return MIGTD_ERR_NOMEM;
	w->next = a + size;
	*addr = a;
	return MIGTD_OK;
}

static int assign_bars(struct virtio_pci_dev *d, struct virtio_mmio_window *w32,
		       struct virtio_mmio_window *w64)
{
	for (uint16_t i = 0; i < 6; i++) {
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
		uint32_t orig = cfg_rd(d, off), lo, hi = 0;
		bool is64 = (orig & 0x7u) == 0x4u;
		uint64_t mask, size, addr;
		struct virtio_mmio_window *w = w32;
		int err;

		if (orig & 1u)
			continue; /* I/O BAR: unused */
		if ((orig & 0x6u) == 0x6u || (is64 && i == 5))
			return MIGTD_ERR_INVALID; /* reserved type / 64-bit BAR without its upper half */
		cfg_wr(d, off, 0xFFFFFFFFu);
		lo = cfg_rd(d, off) & ~0xFu;
		if (is64) {
			cfg_wr(d, (uint16_t)(off + 4), 0xFFFFFFFFu);
			hi = cfg_rd(d, (uint16_t)(off + 4));
			mask = (uint64_t)hi << 32 | lo;
		} else {
			mask = 0xFFFFFFFF00000000ull | lo;
		}
		if (lo == 0 && hi == 0) {
			/* Size 0: absent. */
			cfg_wr(d, off, orig);
			if (is64)
				i++;
			continue;
		}
		size = ~mask + 1;
		/* The writable bits must be contiguous from the top: a power of two
		 * (size < 16 also rejects 0, which the bit test would let through). */
		if ((size & (size - 1)) != 0 || size < 16)
			return MIGTD_ERR_INVALID;
		if (is64 && w64 && w64->size)
			w = w64;
		err = window_alloc(w, size, &addr);
		if (err)
			return err;
		cfg_wr(d, off, (uint32_t)addr);
		if (is64)
			cfg_wr(d, (uint16_t)(off + 4), (uint32_t)(addr >> 32));
		/* Keep the address only if the BAR took it (read back). */
		if ((cfg_rd(d, off) & ~0xFu) != (uint32_t)addr)
			return MIGTD_ERR_INVALID;
		d->bar_addr[i] = addr;
		d->bar_size[i] = size;
		if (is64)
			i++;
	}
	return MIGTD_OK;
}

static bool overlap(const struct virtio_region *a, const struct virtio_region *b)
{
	if (a->bar != b->bar)
		return false;
	return (uint64_t)a->off < (uint64_t)b->off + b->len &&
	       (uint64_t)b->off < (uint64_t)a->off + a->len;
}

static int set_region(struct virtio_pci_dev *d, struct virtio_region *r, uint8_t bar, uint32_t off,
		      uint32_t len, uint32_t min_len)
{
	if (bar > 5 || d->bar_size[bar] == 0)
		return MIGTD_ERR_INVALID;
	if (len < min_len || (uint64_t)off + len > d->bar_size[bar])
		return MIGTD_ERR_LENGTH;
	r->bar = bar;
	r->off = off;
	r->len = len;
	r->addr = d->bar_addr[bar] + off;
	return MIGTD_OK;
}

static int walk_caps(struct virtio_pci_dev *d)
{
	uint32_t ptr, n;
	bool have[5] = { false };
	int err;

	if (!((cfg_rd(d, PCI_COMMAND) >> 16) & PCI_STATUS_CAP_LIST))
		return MIGTD_ERR_UNSUPPORTED;
	ptr = cfg_rd(d, PCI_CAP_PTR) & 0xFCu;
	for (n = 0; ptr != 0 && n < PCI_CAP_MAX; n++) {
		uint32_t dw0, type, caplen, bar, off, len;

		/* A capability is at least 4 bytes past the header; ours up to 20. */
		if (ptr < 0x40 || ptr > 0xFC)
			return MIGTD_ERR_INVALID;
		dw0 = cfg_rd(d, (uint16_t)ptr);
		caplen = (dw0 >> 16) & 0xFFu;
		type = dw0 >> 24;
		if ((dw0 & 0xFFu) == PCI_CAP_VENDOR && type >= VIRTIO_CAP_COMMON &&
		    type <= VIRTIO_CAP_DEVICE && !have[type]) {
			struct virtio_region *r;
			uint32_t min_len = 1;

			if (caplen < 16 || ptr + 16 > 0x100 ||
			    (type == VIRTIO_CAP_NOTIFY && (caplen < 20 || ptr + 20 > 0x100)))
				return MIGTD_ERR_LENGTH;
			bar = cfg_rd(d, (uint16_t)(ptr + 4)) & 0xFFu;
			off = cfg_rd(d, (uint16_t)(ptr + 8));
			len = cfg_rd(d, (uint16_t)(ptr + 12));
			switch (type) {
			case VIRTIO_CAP_COMMON:
				r = &d->common;
				min_len = CC_MIN_LEN;
				break;
			case VIRTIO_CAP_NOTIFY:
				r = &d->notify;
				min_len = 2;
				d->notify_mult = cfg_rd(d, (uint16_t)(ptr + 16));
				break;
			case VIRTIO_CAP_ISR: r = &d->isr; break;
			default: r = &d->device; break;
			}
			err = set_region(d, r, (uint8_t)bar, off, len, min_len);
			if (err)
				return err;
			have[type] = true;
		}
		ptr = (dw0 >> 8) & 0xFCu;
	}
	if (ptr != 0)
		return MIGTD_ERR_INVALID; /* the list loops */
	for (unsigned int t = VIRTIO_CAP_COMMON; t <= VIRTIO_CAP_DEVICE; t++)
		if (!have[t])
			return MIGTD_ERR_UNSUPPORTED;
	if (overlap(&d->common, &d->notify) || overlap(&d->common, &d->isr) ||
	    overlap(&d->common, &d->device) || overlap(&d->notify, &d->isr) ||
	    overlap(&d->notify, &d->device) || overlap(&d->isr, &d->device))
		return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}

int virtio_pci_probe(struct virtio_pci_dev *d, const struct virtio_hw *hw, uint16_t device_id,
		     struct virtio_mmio_window *w32, struct virtio_mmio_window *w64)
{
	uint32_t id, cmd;
	int err;

	memset(d, 0, sizeof(*d));
	d->hw = hw;
	id = cfg_rd(d, PCI_ID);
	if ((id & 0xFFFFu) != VIRTIO_PCI_VENDOR || (id >> 16) != device_id)
		return MIGTD_ERR_UNSUPPORTED;
	d->device_id = device_id;
	/* No decoding while the BARs move; status half written 0 (RW1C bits). */
	cmd = cfg_rd(d, PCI_COMMAND) & 0xFFFFu;
	cfg_wr(d, PCI_COMMAND, cmd & ~(PCI_CMD_MEM | PCI_CMD_MASTER));
	err = assign_bars(d, w32, w64);
	if (err)
		return err;
	err = walk_caps(d);
	if (err)
		return err;
	cfg_wr(d, PCI_COMMAND, (cmd & ~1u) | PCI_CMD_MEM | PCI_CMD_MASTER);
	return MIGTD_OK;
}

uint8_t virtio_pci_status(struct virtio_pci_dev *d)
{
	return (uint8_t)cc_rd(d, CC_STATUS, 1);
}

static void set_status(struct virtio_pci_dev *d, uint8_t s)
{
	cc_wr(d, CC_STATUS, 1, s);
}

int virtio_pci_reset(struct virtio_pci_dev *d)
{
	set_status(d, 0);
	/* The reset is complete when the device reads back 0 (virtio 1.x §4.1.4.3.2). */
	for (unsigned int i = 0; i < VIRTIO_WAIT_POLLS; i++) {
		if (virtio_pci_status(d) == 0)
			return MIGTD_OK;
		if (d->hw->relax)
			d->hw->relax(d->hw->ctx);
	}
	return MIGTD_ERR_TIMEOUT;
}

static int fail(struct virtio_pci_dev *d, int err)
{
	set_status(d, (uint8_t)(virtio_pci_status(d) | VIRTIO_STATUS_FAILED));
	return err;
}

int virtio_pci_negotiate(struct virtio_pci_dev *d, uint64_t wanted)
{
	uint64_t offered, drv;
	int err = virtio_pci_reset(d);

	if (err)
		return err;
	set_status(d, VIRTIO_STATUS_ACK);
	set_status(d, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	cc_wr(d, CC_DFSELECT, 4, 0);
	offered = cc_rd(d, CC_DF, 4);
	cc_wr(d, CC_DFSELECT, 4, 1);
	offered |= (uint64_t)cc_rd(d, CC_DF, 4) << 32;
	/* A modern device must offer VERSION_1 and a 1.x driver must take it. */
	if (!(offered & VIRTIO_F_VERSION_1))
		return fail(d, MIGTD_ERR_UNSUPPORTED);
	drv = offered & (wanted | VIRTIO_F_VERSION_1);
	cc_wr(d, CC_GFSELECT, 4, 0);
	cc_wr(d, CC_GF, 4, (uint32_t)drv);
	cc_wr(d, CC_GFSELECT, 4, 1);
	cc_wr(d, CC_GF, 4, (uint32_t)(drv >> 32));
	set_status(d, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_pci_status(d) & VIRTIO_STATUS_FEATURES_OK))
		return fail(d, MIGTD_ERR_UNSUPPORTED);
	d->features = drv;
	d->num_queues = (uint16_t)cc_rd(d, CC_NUMQ, 2);
	cc_wr(d, CC_MSIX, 2, VIRTIO_NO_VECTOR);
	return MIGTD_OK;
}

int virtio_pci_setup_queue(struct virtio_pci_dev *d, struct virtq *vq, uint16_t index,
			   struct virtio_dma *dma)
{
	return virtio_pci_setup_queue_n(d, vq, index, VIRTQ_SIZE, dma);
}

int virtio_pci_setup_queue_n(struct virtio_pci_dev *d, struct virtq *vq, uint16_t index,
			     uint16_t size, struct virtio_dma *dma)
{
	uint16_t max, noff;
	uint64_t nbyte;
	int err;

	if (index >= d->num_queues)
		return MIGTD_ERR_UNSUPPORTED;
	cc_wr(d, CC_Q_SELECT, 2, index);
	max = (uint16_t)cc_rd(d, CC_Q_SIZE, 2);
	if (max < size)
		return MIGTD_ERR_UNSUPPORTED;
	err = virtq_init_n(vq, index, size, dma);
	if (err)
		return err;
	noff = (uint16_t)cc_rd(d, CC_Q_NOFF, 2);
	/* The doorbell must lie inside the notify region: 16-bit write. */
	nbyte = (uint64_t)noff * d->notify_mult;
	if (nbyte > d->notify.len || d->notify.len - nbyte < 2)
		return fail(d, MIGTD_ERR_LENGTH);
	vq->hw = d->hw;
	vq->notify_addr = d->notify.addr + nbyte;
	cc_wr(d, CC_Q_SIZE, 2, size);
	cc_wr(d, CC_Q_MSIX, 2, VIRTIO_NO_VECTOR);
	cc_wr(d, CC_Q_DESC, 4, (uint32_t)vq->desc_gpa);
	cc_wr(d, CC_Q_DESC + 4, 4, (uint32_t)(vq->desc_gpa >> 32));
	cc_wr(d, CC_Q_AVAIL, 4, (uint32_t)vq->avail_gpa);
	cc_wr(d, CC_Q_AVAIL + 4, 4, (uint32_t)(vq->avail_gpa >> 32));
	cc_wr(d, CC_Q_USED, 4, (uint32_t)vq->used_gpa);
	cc_wr(d, CC_Q_USED + 4, 4, (uint32_t)(vq->used_gpa >> 32));
	cc_wr(d, CC_Q_ENABLE, 2, 1);
	return MIGTD_OK;
}

int virtio_pci_driver_ok(struct virtio_pci_dev *d)
{
	uint8_t s;

	set_status(d, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
			      VIRTIO_STATUS_DRIVER_OK);
	s = virtio_pci_status(d);
	if (!(s & VIRTIO_STATUS_DRIVER_OK) ||
	    (s & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)))
		return MIGTD_ERR_STATE;
	return MIGTD_OK;
}

int virtio_pci_devcfg_read32(struct virtio_pci_dev *d, uint32_t off, uint32_t *v)
{
	if (off > d->device.len || d->device.len - off < 4)
		return MIGTD_ERR_LENGTH;
	*v = d->hw->mmio_read(d->hw->ctx, d->device.addr + off, 4);
	return MIGTD_OK;
}
