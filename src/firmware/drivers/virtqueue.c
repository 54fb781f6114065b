/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * virtqueue.c -- split virtqueues (virtio 1.x §2.7) with a device that is
 * not trusted.
 *
 * The descriptor table lives in DMA (in a TD: shared) memory, so the device
 * could rewrite it; the driver therefore never reads it back. What was
 * posted is kept in a private shadow (address, length, flags, chain link,
 * which heads are in flight, how many device-writable bytes each chain
 * has), and every used-ring entry is read ONCE into locals and checked
 * against that shadow before anything acts on it: the id must be a head
 * the device currently owns, the length must not exceed the writable bytes
 * posted, and the used index may not run more than the queue size ahead.
 * A violation marks the queue broken for good (sticky error): a device
 * that lies once is not believed again.
 */
#include <string.h>

#include "../virtio.h"
#include "migtd/err.h"

#define VRING_DESC_F_NEXT 1u
#define VRING_DESC_F_WRITE 2u

/* Ring layout inside the queue's one page (room for VIRTQ_MAX_SIZE = 32). */
#define DESC_OFF 0u
#define AVAIL_OFF (16u * VIRTQ_MAX_SIZE)
#define USED_OFF 1024u
#define RING_PAGE 4096u

_Static_assert(AVAIL_OFF + 6u + 2u * VIRTQ_MAX_SIZE <= USED_OFF, "avail ring overlaps used");
_Static_assert(USED_OFF + 6u + 8u * VIRTQ_MAX_SIZE <= RING_PAGE, "rings exceed a page");
_Static_assert((VIRTQ_SIZE & (VIRTQ_SIZE - 1)) == 0, "queue size not a power of two");
_Static_assert(VIRTQ_SIZE <= VIRTQ_MAX_SIZE, "default queue size above the maximum");

void virtio_dma_init(struct virtio_dma *d, void *va, uint64_t gpa, size_t size)
{
	d->va = va;
	d->gpa = gpa;
	d->size = size;
	d->used = 0;
}

void *virtio_dma_alloc(struct virtio_dma *d, size_t size, size_t align, uint64_t *gpa)
{
	size_t start;
	uint8_t *p;

	if (align == 0 || (align & (align - 1)) != 0 || d->used > d->size)
		return NULL;
	/* Align the GPA (what the device sees); va and gpa move together. */
	start = d->used + (size_t)((align - ((d->gpa + d->used) & (align - 1))) & (align - 1));
	if (start > d->size || size > d->size - start)
		return NULL;
	p = d->va + start;
	memset(p, 0, size);
	*gpa = d->gpa + start;
	d->used = start + size;
	return p;
}

/* Ring fields are little endian; x86 only, so plain volatile accesses. */
static void w16(uint8_t *p, uint16_t v)
{
	*(volatile uint16_t *)(void *)p = v;
}

static void w32(uint8_t *p, uint32_t v)
{
	*(volatile uint32_t *)(void *)p = v;
}

static void w64(uint8_t *p, uint64_t v)
{
	*(volatile uint64_t *)(void *)p = v;
}

static uint16_t r16(const uint8_t *p)
{
	return *(const volatile uint16_t *)(const void *)p;
}

static uint32_t r32(const uint8_t *p)
{
	return *(const volatile uint32_t *)(const void *)p;
}

int virtq_init(struct virtq *vq, uint16_t index, struct virtio_dma *dma)
{
	return virtq_init_n(vq, index, VIRTQ_SIZE, dma);
}

int virtq_init_n(struct virtq *vq, uint16_t index, uint16_t size, struct virtio_dma *dma)
{
	uint64_t gpa;
	uint8_t *page;

	memset(vq, 0, sizeof(*vq));
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) != 0)
		return MIGTD_ERR_INVALID;
	page = virtio_dma_alloc(dma, RING_PAGE, RING_PAGE, &gpa);
	if (!page)
		return MIGTD_ERR_NOMEM;
	vq->index = index;
	vq->size = size;
	vq->desc = page + DESC_OFF;
	vq->avail = page + AVAIL_OFF;
	vq->used = page + USED_OFF;
	vq->desc_gpa = gpa + DESC_OFF;
	vq->avail_gpa = gpa + AVAIL_OFF;
	vq->used_gpa = gpa + USED_OFF;
	for (uint16_t i = 0; i < size; i++)
		vq->sh[i].next = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->num_free = size;
	return MIGTD_OK;
}

static void write_desc(struct virtq *vq, uint16_t i)
{
	uint8_t *d = vq->desc + 16u * i;

	w64(d, vq->sh[i].gpa);
	w32(d + 8, vq->sh[i].len);
	w16(d + 12, vq->sh[i].flags);
	w16(d + 14, vq->sh[i].next);
}

int virtq_add(struct virtq *vq, const struct virtq_buf *b, unsigned int n, uint16_t *head)
{
	uint32_t wlen = 0;
	uint16_t h, i, slot;

	if (vq->broken)
		return vq->broken;
	if (n == 0 || n > VIRTQ_MAX_CHAIN)
		return MIGTD_ERR_INVALID;
	for (unsigned int k = 0; k < n; k++) {
		if (b[k].len == 0)
			return MIGTD_ERR_INVALID;
		if (b[k].device_writes) {
			if (b[k].len > UINT32_MAX - wlen)
				return MIGTD_ERR_LENGTH;
			wlen += b[k].len;
		}
	}
	if (n > vq->num_free)
		return MIGTD_ERR_AGAIN;
	h = i = vq->free_head;
	for (unsigned int k = 0; k < n; k++) {
		uint16_t next_free = vq->sh[i].next;

		vq->sh[i].gpa = b[k].gpa;
		vq->sh[i].len = b[k].len;
		vq->sh[i].flags = (uint16_t)((b[k].device_writes ? VRING_DESC_F_WRITE : 0) |
					     (k + 1 < n ? VRING_DESC_F_NEXT : 0));
		/* The chain link is the next free descriptor, which the chain takes next. */
		vq->sh[i].next = k + 1 < n ? next_free : 0;
		write_desc(vq, i);
		if (k + 1 < n)
			i = next_free;
		else
			vq->free_head = next_free;
	}
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->in_flight[h] = (uint8_t)n;
	vq->wlen[h] = wlen;
	slot = (uint16_t)(vq->avail_idx & (vq->size - 1));
	w16(vq->avail + 4 + 2u * slot, h);
	/* Descriptors and ring slot before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->avail_idx++;
	w16(vq->avail + 2, vq->avail_idx);
	*head = h;
	return MIGTD_OK;
}

void virtq_kick(struct virtq *vq)
{
	/* The index store must be visible before the device looks (mfence). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->hw && vq->notify_addr)
		vq->hw->mmio_write(vq->hw->ctx, vq->notify_addr, 2, vq->index);
}

static int broken(struct virtq *vq, int err)
{
	vq->broken = err;
	return err;
}

/* Return the chain at head h to the free list (walks the private shadow only). */
static void free_chain(struct virtq *vq, uint16_t h)
{
	uint16_t n = vq->in_flight[h], i = h;

	for (uint16_t k = 1; k < n; k++)
		i = vq->sh[i].next;
	vq->sh[i].next = vq->free_head;
	vq->free_head = h;
	vq->num_free = (uint16_t)(vq->num_free + n);
	vq->in_flight[h] = 0;
	vq->wlen[h] = 0;
}

int virtq_get_used(struct virtq *vq, uint16_t *head, uint32_t *len)
{
	uint16_t idx, slot;
	uint32_t id, ulen;

	if (vq->broken)
		return vq->broken;
	idx = r16(vq->used + 2);
	if (idx == vq->last_used)
		return 0;
	/* The entries must be read after the index that published them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if ((uint16_t)(idx - vq->last_used) > vq->size)
		return broken(vq, MIGTD_ERR_INVALID);
	slot = (uint16_t)(vq->last_used & (vq->size - 1));
	id = r32(vq->used + 4 + 8u * slot);
	ulen = r32(vq->used + 8 + 8u * slot);
	if (id >= vq->size || !vq->in_flight[id])
		return broken(vq, MIGTD_ERR_INVALID);
	if (ulen > vq->wlen[id])
		return broken(vq, MIGTD_ERR_LENGTH);
	free_chain(vq, (uint16_t)id);
	vq->last_used++;
	*head = (uint16_t)id;
	*len = ulen;
	return 1;
}
