/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * det_random.h -- deterministic randomness for the fuzz targets that run
 * whole emulated platforms (fuzz_session, fuzz_policy_peer).
 *
 * det_random.c defines mbedtls_psa_external_get_random, the one link-time
 * randomness hook (docs/layout.md), for these binaries instead of
 * src/emulink/psa_random.c: a fixed-seed splitmix64 stream per emulated
 * platform, chosen by world_heap_side (src/emuworld/world.h; -1, the
 * harness, has a stream of its own). Not a cryptographic generator and never
 * meant to be one: the point is that a run draws the same bytes every time,
 * so that keys, certificates, quotes and TLS handshakes recorded in one
 * process replay in another (docs/fuzzing.md).
 */
#ifndef MIGTD_FUZZ_DET_RANDOM_H
#define MIGTD_FUZZ_DET_RANDOM_H

/* Every stream back to its fixed seed. */
void det_random_reset(void);

#endif
