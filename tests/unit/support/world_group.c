/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * world_group.c -- one migration between the two sides of a test world
 * (see world_group.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "world_group.h"

struct tu_pair tu_world_migrate(struct world *w, uint64_t id, uint32_t port_base, unsigned max_ms)
{
	struct tu_pair r;

	r.td[0] = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	r.td[1] = emu_tdx_bind_user_td(&w->s[1].h.tdx);
	assert_non_null(r.td[0]);
	assert_non_null(r.td[1]);
	world_queue_request(&w->s[0], id, true, r.td[0], (uint32_t)(port_base + id));
	world_queue_request(&w->s[1], id, false, r.td[1], (uint32_t)(port_base + id));
	world_run(w, w->s[0].nreports + 1, w->s[1].nreports + 1, max_ms);
	r.src = world_report_of(&w->s[0], id);
	r.dst = world_report_of(&w->s[1], id);
	return r;
}

void tu_assert_nothing_written(const struct emu_user_td *td)
{
	static const uint8_t zero[32];

	assert_int_equal(td->dec_key_written, 0);
	assert_false(td->mig_version_written);
	assert_memory_equal(td->mig_dec_key, zero, 32);
}
