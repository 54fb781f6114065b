/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * libFuzzer target: TDREPORT_STRUCT and its parts (docs/protocol.md §3.2).
 * Invariants: no crash; a successful parse round-trips byte-exactly; the
 * semantic checks run on anything that parsed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/tdreport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdreport_struct rep;
	struct reportmacstruct mac;
	struct tee_tcb_info tcb;
	struct tdinfo_struct info;
	uint8_t out[TDREPORT_STRUCT_SIZE];

	if (migtd_tdreport_parse(data, size, &rep) == MIGTD_OK) {
		if (migtd_tdreport_build(&rep, out, sizeof(out), NULL) != MIGTD_OK ||
		    memcmp(out, data, TDREPORT_STRUCT_SIZE) != 0)
			abort();
		(void)migtd_tdreport_check_type(&rep);
		(void)migtd_tdreport_check_integrity(&rep);
		if (migtd_tdreport_update_hashes(&rep) != MIGTD_OK ||
		    migtd_tdreport_check_integrity(&rep) != MIGTD_OK)
			abort();
	}
	if (migtd_tdreport_parse_reportmacstruct(data, size, &mac) == MIGTD_OK &&
	    (migtd_tdreport_build_reportmacstruct(&mac, out, sizeof(out), NULL) != MIGTD_OK ||
	     memcmp(out, data, size) != 0))
		abort();
	if (migtd_tdreport_parse_tee_tcb_info(data, size, &tcb) == MIGTD_OK &&
	    (migtd_tdreport_build_tee_tcb_info(&tcb, out, sizeof(out), NULL) != MIGTD_OK ||
	     memcmp(out, data, size) != 0))
		abort();
	if (migtd_tdreport_parse_tdinfo(data, size, &info) == MIGTD_OK &&
	    (migtd_tdreport_build_tdinfo(&info, out, sizeof(out), NULL) != MIGTD_OK ||
	     memcmp(out, data, size) != 0))
		abort();
	return 0;
}
