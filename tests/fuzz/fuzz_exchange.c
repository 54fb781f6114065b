/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * libFuzzer target: ExchangeInformation (docs/protocol.md §6.1) as received from the
 * peer, and the §6.3 negotiation on the ranges it carries.
 * Invariants: no crash; a successful parse round-trips byte-exactly; a
 * negotiated version lies inside both ranges and equals min(max, max).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/exchange.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_negotiation(const struct exchange_version_range *ex,
			      const struct exchange_version_range *im)
{
	uint16_t v = 0, v2 = 0;
	int err = migtd_exchange_negotiate_version(ex, im, &v);
	int ok = ex->min <= ex->max && im->min <= im->max && ex->max >= im->min &&
		 im->max >= ex->min;

	if ((err == MIGTD_OK) != ok)
		abort();
	if (err != MIGTD_OK)
		return;
	if (v < ex->min || v > ex->max || v < im->min || v > im->max)
		abort();
	if (v != (ex->max < im->max ? ex->max : im->max))
		abort();
	/* both sides agree */
	if (migtd_exchange_session_version(false, im, ex, &v2) != MIGTD_OK || v2 != v)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exchange_information ex;
	uint8_t out[EXCHANGE_INFORMATION_SIZE];

	if (migtd_exchange_parse(data, size, &ex) == MIGTD_OK) {
		struct exchange_version_range own = { 0, 0 };

		if (migtd_exchange_build(&ex, out, sizeof(out), NULL) != MIGTD_OK ||
		    memcmp(out, data, sizeof(out)) != 0)
			abort();
		/* a fixed own range against whatever the peer sent */
		own.min = 1;
		own.max = 3;
		check_negotiation(&ex.ver, &own);
		check_negotiation(&own, &ex.ver);
	}
	/* Any 8 bytes as two ranges: the negotiation on its own. */
	if (size >= 8) {
		struct exchange_version_range a = { (uint16_t)(data[0] | data[1] << 8),
						    (uint16_t)(data[2] | data[3] << 8) };
		struct exchange_version_range b = { (uint16_t)(data[4] | data[5] << 8),
						    (uint16_t)(data[6] | data[7] << 8) };

		check_negotiation(&a, &b);
	}
	return 0;
}
