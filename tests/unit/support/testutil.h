/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * testutil.h -- small helpers shared by the unit tests (not a framework:
 * the tests use cmocka; this only loads vectors and decodes hex).
 */
#ifndef MIGTD_TESTUTIL_H
#define MIGTD_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Root of the conformance vectors: $MIGTD_VECTORS, else ../shared/vectors. */
const char *tu_vectors_dir(void);

/*
 * Read a whole file. A relative path is taken below tu_vectors_dir().
 * Returns a malloc'd buffer (with one extra NUL byte after *len bytes) or
 * fails the current test with a message naming the file.
 */
uint8_t *tu_read_vector(const char *path, size_t *len);

/* Decode hex (upper or lower case, no separators) into out; returns the byte count
 * or fails the test if the string is malformed or does not fit. */
size_t tu_unhex(const char *hex, uint8_t *out, size_t cap);

/* printf-style fail_msg, for the support harnesses' failure hooks (world_fail,
 * rp_fail): ends the current test. */
void tu_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
