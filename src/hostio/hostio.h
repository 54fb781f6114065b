/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * hostio.h -- reading a whole file, for every hosted program, test and
 * benchmark (the Linux migtd, migtd-vmm and the tools, the emulated host,
 * the unit tests, bench/). One reader instead of one per program; never
 * linked into the firmware (docs/layout.md).
 */
#ifndef MIGTD_HOSTIO_H
#define MIGTD_HOSTIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The largest file hostio_read_file reads (1 GiB); a larger max is clamped. */
#define HOSTIO_READ_MAX ((size_t)1 << 30)

/*
 * Read the whole file at path (a regular file, a pipe or a device: it is
 * read until end of file, never sized with seek) into a malloc'd buffer with
 * one NUL byte after its *len bytes, so text can be parsed in place. The
 * caller frees *buf. Returns MIGTD_OK; MIGTD_ERR_INVALID if it cannot be
 * opened or read (errno says why); MIGTD_ERR_LENGTH if it holds more than
 * max bytes; MIGTD_ERR_NOMEM. On failure *buf is NULL and *len 0.
 */
int hostio_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

/* The same for an open stream (standard input, say), read to its end; the
 * caller keeps and closes f. */
int hostio_read_stream(FILE *f, size_t max, uint8_t **buf, size_t *len);

#endif /* MIGTD_HOSTIO_H */
