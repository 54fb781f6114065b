/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_tdvf -- TDVF metadata location and section parsing (docs/protocol.md §9.2) on
 * arbitrary images, and the MRTD walk over whatever parses (bounded to keep
 * runs fast). Every accepted section must lie inside the image.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/cfv.h"
#include "migtd/tdvf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdvf_metadata md;
	struct tdvf_enrolled files;
	uint8_t mrtd[48], rtmr[4][48];
	uint64_t work = 0;
	const uint8_t *cfv;
	size_t cfv_len, off;
	bool via;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (migtd_tdvf_locate(copy, size, &off, &via) == MIGTD_OK && off + 32 > size)
		abort();
	if (migtd_tdvf_parse(copy, size, &md) != MIGTD_OK)
		goto out;
	for (uint32_t i = 0; i < md.number_of_sections; i++) {
		const struct tdvf_section *s = &md.sections[i];

		if ((uint64_t)s->data_offset + s->raw_size > size)
			abort();
		if (s->mem_size && s->raw_size > s->mem_size)
			abort();
		if (s->attributes & TDVF_ATTR_EXTENDMR)
			work += s->mem_size;
		else if (!(s->attributes & TDVF_ATTR_PAGE_AUG))
			work += s->mem_size / 32;
	}
	/* Up to 4 MiB of page work per input. */
	if (work <= (4u << 20) && migtd_tdvf_mrtd(copy, size, &md, mrtd) != MIGTD_OK)
		abort();
	if (migtd_tdvf_cfv_region(copy, size, &md, &cfv, &cfv_len) == MIGTD_OK &&
	    migtd_tdvf_enrolled_from_cfv(cfv, cfv_len, &files) == MIGTD_OK)
		(void)migtd_tdvf_rtmrs(&files, 0, rtmr);
out:
	free(copy);
	return 0;
}
