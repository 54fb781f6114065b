/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * atomic_file.h -- how every migtd-c program writes an output file
 * (docs/cli.md, "Output files").
 *
 * A regular file (or a new one) is written to a temporary file in the same
 * directory, fsync'd and renamed over the target, so the target is either
 * the old file or the complete new one: never partial, never 0 bytes. A
 * path that names something else (a device such as /dev/full, a FIFO, a
 * socket) is never replaced: the data is written into it directly and a
 * failure is reported. "-" is standard output.
 */
#ifndef MIGTD_ATOMIC_FILE_H
#define MIGTD_ATOMIC_FILE_H

#include <stddef.h>

/*
 * Write len bytes to path as described above; mode is used for a new file
 * (an existing regular file keeps its mode). 0 on success; on failure
 * prints "prog: path: reason" on stderr and returns -1 (exit CLI_EXIT_IO).
 */
int atomic_file_write(const char *prog, const char *path, const void *data, size_t len,
		      unsigned mode);

#endif /* MIGTD_ATOMIC_FILE_H */
