/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * world_group.h -- what the unit tests that run every case in one world
 * fixture (src/emuworld/world.h) share: the cmocka group hooks and one
 * migration between the two sides, and what a failed one must leave.
 */
#ifndef MIGTD_WORLD_GROUP_H
#define MIGTD_WORLD_GROUP_H

#include <stdint.h>

#include "emu_tdx.h"
#include "testutil.h"
#include "world.h"

/*
 * Defines group_setup/group_teardown for the fixture FX: harness failures
 * end the current test (tu_fail), allocations go through the world's heap
 * hook, and the fixture is built once for the whole group. A macro because
 * cmocka's group hooks take no argument that could name the fixture.
 */
#define TU_WORLD_GROUP(fx)                        \
	static int group_setup(void **state)      \
	{                                         \
		(void)state;                      \
		world_fail = tu_fail;             \
		world_heap_hook();                \
		return world_fixture_init(&(fx)); \
	}                                         \
	static int group_teardown(void **state)   \
	{                                         \
		(void)state;                      \
		return world_fixture_fini(&(fx)); \
	}

/* One migration between the world's two sides: what each side reported and
 * the user TDs it was for. */
struct tu_pair {
	int src, dst;
	struct emu_user_td *td[2];
};

/*
 * Bind a user TD on each side, queue request ID on both (side 0 the source)
 * for port PORT_BASE + ID, run until both have reported once more (at most
 * MAX_MS) and return their ReportStatus values.
 */
struct tu_pair tu_world_migrate(struct world *w, uint64_t id, uint32_t port_base, unsigned max_ms);

/* Nothing of a migration reached the user TD: no key word, no version, and
 * its migration decryption key still zero. */
void tu_assert_nothing_written(const struct emu_user_td *td);

#endif /* MIGTD_WORLD_GROUP_H */
