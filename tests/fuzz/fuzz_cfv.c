/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_cfv -- the Configuration Firmware Volume reader (docs/protocol.md §9.3) on
 * arbitrary bytes: header check, the whole file walk, lookups of the three
 * enrolled files. Every file the walk returns must lie inside the volume,
 * and rebuilding the found RAW files gives a volume that reads back the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/cfv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct migtd_guid *names[3] = { &migtd_cfv_guid_policy,
						     &migtd_cfv_guid_root_ca,
						     &migtd_cfv_guid_policy_issuer_chain };
	struct cfv_input in[3];
	size_t n_in = 0;
	struct cfv_iter it;
	struct cfv_file f;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (migtd_cfv_iter_init(&it, copy, size) == MIGTD_OK) {
		while (migtd_cfv_iter_next(&it, &f)) {
			if (f.data < copy || f.len > size || f.data + f.len > copy + size ||
			    f.offset % 8 != 0 || f.offset + f.header_len + f.len > size)
				abort();
		}
		if (it.err != MIGTD_OK && it.err != MIGTD_ERR_INVALID && it.err != MIGTD_ERR_LENGTH)
			abort();
	}
	for (size_t i = 0; i < 3; i++) {
		const uint8_t *p;
		size_t n;

		if (migtd_cfv_find_file(copy, size, CFV_FILETYPE_RAW, names[i], &p, &n) == MIGTD_OK)
			in[n_in++] = (struct cfv_input){ names[i], p, n };
	}
	/* Round trip: what we found, rebuilt in a fresh volume, reads back. */
	if (n_in) {
		size_t need = CFV_HEADER_LEN, fv_len;
		uint8_t *fv;

		for (size_t i = 0; i < n_in; i++)
			need += CFV_FFS_HEADER_LEN + in[i].len + 8;
		fv_len = (need + 0xFFF) & ~(size_t)0xFFF;
		fv = malloc(fv_len);
		if (fv && migtd_cfv_build(fv, fv_len, fv_len, in, n_in, NULL) == MIGTD_OK) {
			for (size_t i = 0; i < n_in; i++) {
				const uint8_t *p;
				size_t n;

				if (migtd_cfv_find_file(fv, fv_len, CFV_FILETYPE_RAW, in[i].name,
							&p, &n) != MIGTD_OK ||
				    n != in[i].len || memcmp(p, in[i].data, n) != 0)
					abort();
			}
		}
		free(fv);
	}
	free(copy);
	return 0;
}
