/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_virtio_virtq -- a split virtqueue facing a device that writes
 * arbitrary used-ring contents. The input is a script: per step one byte
 * of action (post a chain of 1..4 buffers / let the "device" write a used
 * entry and index from the next bytes / collect). Whatever the device
 * does, virtq_get_used may only hand back heads that were in flight with a
 * length within what was posted writable, and the free count stays exact.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtio.h"
#include "migtd/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t take32(const uint8_t *d, size_t size, size_t *pos)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)(*pos < size ? d[(*pos)++] : 0) << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[8192] __attribute__((aligned(4096)));
	struct virtio_dma dma;
	struct virtq vq;
	uint32_t posted_w[VIRTQ_SIZE] = { 0 };
	uint8_t live[VIRTQ_SIZE] = { 0 };
	unsigned int used_descs = 0, chain_n[VIRTQ_SIZE] = { 0 };
	size_t pos = 0;

	virtio_dma_init(&dma, mem, 0x100000, sizeof(mem));
	if (virtq_init(&vq, 0, &dma) != MIGTD_OK)
		abort();
	while (pos < size) {
		uint8_t op = data[pos++];

		if ((op & 3) == 0) {
			struct virtq_buf b[VIRTQ_MAX_CHAIN];
			unsigned int n = 1u + ((op >> 2) & 3);
			uint32_t w = 0;
			uint16_t h;

			for (unsigned int k = 0; k < n; k++) {
				b[k].gpa = 0x200000 + 0x1000 * k;
				b[k].len = 1 + ((op >> 4) * 64u) + k;
				b[k].device_writes = (op >> (k + 4)) & 1;
				if (b[k].device_writes)
					w += b[k].len;
			}
			if (virtq_add(&vq, b, n, &h) == MIGTD_OK) {
				if (h >= VIRTQ_SIZE || live[h])
					abort();
				live[h] = 1;
				posted_w[h] = w;
				chain_n[h] = n;
				used_descs += n;
			}
		} else if ((op & 3) == 1) {
			/* The device writes one used entry (any id/len) and bumps idx. */
			uint32_t id = take32(data, size, &pos), len = take32(data, size, &pos);
			uint16_t idx = (uint16_t)(vq.used[2] | vq.used[3] << 8);
			unsigned int slot = idx & (VIRTQ_SIZE - 1);

			memcpy(vq.used + 4 + 8 * slot, &id, 4);
			memcpy(vq.used + 8 + 8 * slot, &len, 4);
			idx = (uint16_t)(idx + 1 +
					 ((op >> 2) == 63 ? take32(data, size, &pos) : 0));
			vq.used[2] = (uint8_t)idx;
			vq.used[3] = (uint8_t)(idx >> 8);
		} else {
			uint16_t h;
			uint32_t len;
			int r = virtq_get_used(&vq, &h, &len);

			if (r == 1) {
				if (h >= VIRTQ_SIZE || !live[h] || len > posted_w[h])
					abort();
				live[h] = 0;
				used_descs -= chain_n[h];
			} else if (r < 0 && vq.broken != r) {
				abort();
			}
		}
		if (vq.num_free != VIRTQ_SIZE - used_descs)
			abort();
	}
	return 0;
}
