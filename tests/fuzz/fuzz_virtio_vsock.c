/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_virtio_vsock -- the virtio-vsock packet header parser (docs/protocol.md §4.1) on
 * arbitrary bytes: it accepts exactly the inputs of at least 44 bytes, and
 * what it accepts rebuilds to the same 44 bytes.
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
	struct vsock_hdr h;
	uint8_t out[VSOCK_HDR_SIZE];
	int err = vsock_hdr_parse(data, size, &h);

	if ((err == MIGTD_OK) != (size >= VSOCK_HDR_SIZE))
		abort();
	if (err == MIGTD_OK) {
		vsock_hdr_build(out, &h);
		if (memcmp(out, data, VSOCK_HDR_SIZE) != 0)
			abort();
	}
	return 0;
}
