/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_vmcall_raw_stream -- the vmcall-raw stream (docs/protocol.md §2.4.3, §4.4)
 * fed with VMM completions: the input is a sequence of Send/Receive
 * completion buffers ({u16 size, bytes}) that a fake VMM writes into
 * whatever call the stream has posted. Whatever the VMM writes, the stream
 * hands out only bytes inside the completed payload and never more than
 * asked.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/rawstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct migtd_raw_call *posted[2];

static int f_start(void *ctx, struct migtd_raw_call *call)
{
	(void)ctx;
	posted[call->leaf == GHCI_RAW_LEAF_SEND ? 0 : 1] = call;
	call->plat = call;
	return MIGTD_OK;
}

static int f_poll(void *ctx, struct migtd_raw_call *call)
{
	(void)ctx;
	return call->plat == NULL ? MIGTD_OK : MIGTD_ERR_AGAIN;
}

static int f_cancel(void *ctx, struct migtd_raw_call *call)
{
	(void)ctx;
	if (posted[0] == call)
		posted[0] = NULL;
	if (posted[1] == call)
		posted[1] = NULL;
	return MIGTD_OK;
}

static const struct migtd_platform_ops ops = {
	.raw_start = f_start,
	.raw_poll = f_poll,
	.raw_cancel = f_cancel,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct migtd_rawstreams rs;
	static struct migtd_rawstream slot[1];
	static struct migtd_platform plat;
	static uint8_t out[70000];
	const struct migtd_stream_params prm = { .mig_request_id = 1 };
	uint32_t h;
	size_t i = 0;

	plat.ops = &ops;
	posted[0] = posted[1] = NULL;
	migtd_rawstreams_init(&rs, &plat, slot, 1);
	if (migtd_rawstream_ops.open(&rs, &prm, &h) != MIGTD_OK)
		abort();
	while (i + 3 <= size) {
		size_t n = (size_t)(data[i] | data[i + 1] << 8), got = 0, sent = 0, cap;
		int which = data[i + 2] & 1, ret;
		struct migtd_raw_call *c;

		i += 3;
		if (n > size - i)
			n = size - i;
		if (which == 0)
			(void)migtd_rawstream_ops.send(&rs, h, "0123456789", 10, &sent);
		cap = 1 + data[i - 1] * 300u;
		ret = migtd_rawstream_ops.recv(&rs, h, out, cap, &got);
		if (ret == MIGTD_OK && (got == 0 || got > cap || got > 0xFFF4))
			abort();
		c = posted[which];
		if (c && c->plat) {
			memcpy(c->buf, data + i, n < c->cap ? n : c->cap);
			c->plat = NULL; /* the vector fired */
		}
		i += n;
	}
	(void)migtd_rawstream_ops.close(&rs, h);
	return 0;
}
