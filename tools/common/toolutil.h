/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * toolutil.h -- helpers shared by the host tools (tools/<name>/): reading a
 * whole file and reporting a fatal error, with the tool's name in front of
 * every message. Linked into every tool (Makefile: TOOL_COMMON_SRC).
 */
#ifndef MIGTD_TOOLUTIL_H
#define MIGTD_TOOLUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Inputs larger than this are refused (no tool reads anything near it). */
#define TOOL_MAX_INPUT (256u << 20)

/*
 * Read the whole file at path ("-" = standard input) into a malloc'd
 * buffer with one NUL byte after its *len bytes (so text can be parsed in
 * place). On failure print "prog: path: reason" (or "prog: out of memory")
 * and return NULL.
 */
uint8_t *tool_read_file(const char *prog, const char *path, size_t *len);

/* tool_read_file, but exit with CLI_EXIT_IO on failure. */
uint8_t *tool_slurp(const char *prog, const char *path, size_t *len);

/* Print "prog: what: <migtd_err_str(err)>" and exit(CLI_EXIT_INPUT): the
 * input could not be used. */
void tool_die(const char *prog, const char *what, int err) __attribute__((noreturn));

#endif
