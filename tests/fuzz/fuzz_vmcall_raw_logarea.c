/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_vmcall_raw_logarea -- the vmcall-raw log ring (docs/protocol.md §2.4.7):
 * the reader on any 4 KiB a VMM could leave in the page, and the writer
 * driven by the input (message lengths, levels, ids), whose page must
 * always read back as exactly the entries it holds, the newest last.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/logarea.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct last {
	uint64_t id;
	int n;
};

static void visit(void *ctx, const struct migtd_logarea_entry *e)
{
	struct last *l = ctx;

	/* ids rise by one from the oldest to the newest */
	if (l->n && e->id != l->id + 1)
		abort();
	l->id = e->id;
	l->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct migtd_logarea_ring r;
	static uint8_t page[MIGTD_LOGAREA_PAGE];
	struct last l = { 0, 0 };
	uint32_t vcpu;
	size_t i = 0;
	int n;

	/* 1: the input as a page */
	memset(page, 0, sizeof(page));
	memcpy(page, data, size < sizeof(page) ? size : sizeof(page));
	(void)migtd_logarea_read(page, sizeof(page), &vcpu, NULL, NULL);
	/* 2: the input as a sequence of appends: u16 length, level, then text */
	migtd_logarea_ring_init(&r, 3);
	/* At most 300 appends an input (each is checked by a full read). */
	for (unsigned k = 0; i + 3 <= size && k < 300; k++) {
		size_t len = (size_t)(data[i] | data[i + 1] << 8) % 700u;
		uint8_t level = data[i + 2];

		i += 3;
		if (len > size - i)
			len = size - i;
		migtd_logarea_ring_append(&r, i, level, (const char *)data + i, len);
		i += len;
		l.n = 0;
		n = migtd_logarea_read(r.page, sizeof(r.page), &vcpu, visit, &l);
		if (n < 1 || (unsigned)n != r.count || vcpu != 3 || l.id + 1 != r.next_id)
			abort();
	}
	return 0;
}
