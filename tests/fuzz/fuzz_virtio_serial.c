/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_virtio_serial -- the virtio-serial control message parser (docs/protocol.md
 * §4.3) on arbitrary bytes: 8-byte header, the rest a view that must stay
 * inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtio.h"
#include "migtd/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vser_ctrl m;
	uint8_t *copy = malloc(size ? size : 1);
	int err;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	err = vser_ctrl_parse(copy, size, &m);
	if ((err == MIGTD_OK) != (size >= 8))
		abort();
	if (err == MIGTD_OK) {
		if (m.extra != copy + 8 || m.extra_len != size - 8)
			abort();
		if (m.id != ((uint32_t)copy[0] | (uint32_t)copy[1] << 8 | (uint32_t)copy[2] << 16 |
			     (uint32_t)copy[3] << 24))
			abort();
		/* Touch every byte of the view (ASan checks the bounds). */
		for (size_t i = 0; i < m.extra_len; i++)
			(void)*(volatile const uint8_t *)&m.extra[i];
	}
	free(copy);
	return 0;
}
