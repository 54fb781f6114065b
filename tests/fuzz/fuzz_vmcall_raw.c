/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_vmcall_raw -- TDG.VP.VMCALL<MigTD> GHCI 1.5 data buffers (docs/protocol.md §2.4):
 * WaitForRequest completions (both builds), Send/Receive completions,
 * ReportStatus status words. Accepted requests are rebuilt and parsed again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/ghci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct ghci_raw_request *a, bool v2)
{
	static uint8_t payload[1024], buf[1024 + 12];
	struct ghci_raw_request b;
	struct wire_writer w;
	size_t n;

	migtd_wire_writer_init(&w, payload, sizeof(payload));
	if (migtd_ghci_raw_wfr_payload_write(&w, a))
		abort();
	if (migtd_ghci_raw_build(buf, sizeof(buf), GHCI_RAW_DATA_STATUS(1, a->operation), payload,
				 migtd_wire_written(&w), &n))
		abort();
	if (migtd_ghci_raw_wfr_parse(buf, n, v2, &b) != MIGTD_OK || memcmp(a, &b, sizeof(b)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ghci_raw_request r;
	const uint8_t *p;
	size_t n;
	uint64_t word;
	uint8_t code;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (int v2 = 0; v2 < 2; v2++) {
		memset(&r, 0, sizeof(r));
		if (migtd_ghci_raw_wfr_parse(copy, size, v2, &r) == MIGTD_OK)
			roundtrip(&r, v2);
	}
	(void)migtd_ghci_raw_stream_completion(copy, size, true, &p, &n);
	(void)migtd_ghci_raw_stream_completion(copy, size, false, &p, &n);
	(void)migtd_ghci_raw_report_acked(copy, size);
	if (size >= 8) {
		word = migtd_wire_get_u64(copy);
		if (migtd_ghci_raw_status_word_parse(word, &code) == MIGTD_OK) {
			uint64_t again;

			if (migtd_ghci_raw_status_word(code, &again) || again != word)
				abort();
		}
	}
	free(copy);
	return 0;
}
