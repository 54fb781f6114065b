/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * world_group.h -- the cmocka group setup/teardown shared by the unit tests
 * that run every case in one world fixture (src/emuworld/world.h).
 */
#ifndef MIGTD_WORLD_GROUP_H
#define MIGTD_WORLD_GROUP_H

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

#endif /* MIGTD_WORLD_GROUP_H */
