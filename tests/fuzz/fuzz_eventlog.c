/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_eventlog -- CC event log iteration, replay, selection and tagged
 * lookups on arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t rtmr[EVENTLOG_RTMR_COUNT][EVENTLOG_DIGEST_SIZE];
	struct eventlog_parsed p;
	struct eventlog_event ev;
	const uint8_t *payload;
	size_t plen;
	uint8_t *log = malloc(size ? size : 1);
	volatile uint8_t sink = 0;

	if (!log)
		return 0;
	memcpy(log, data, size);
	migtd_eventlog_replay(log, size, rtmr);
	migtd_eventlog_verify_rtmrs(log, size, &rtmr[0][0]);
	if (migtd_eventlog_parse(log, size, &p) == 0) {
		for (int i = 0; i < EVENTLOG_SEL_COUNT; i++)
			for (size_t k = 0; p.value[i] && k < p.value_len[i]; k++)
				sink ^= p.value[i][k];
	}
	for (uint32_t tag = 1; tag <= 3; tag++)
		if (migtd_eventlog_find_tagged(log, size, tag, &ev, &payload, &plen) == 1)
			for (size_t k = 0; k < plen; k++)
				sink ^= payload[k];
	(void)sink;
	free(log);
	return 0;
}
