/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * toolutil.c -- see toolutil.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostio.h"
#include "migtd/err.h"
#include "cli.h"
#include "toolutil.h"

uint8_t *tool_read_file(const char *prog, const char *path, size_t *len)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "standard input" : path;
	uint8_t *buf;
	int ret = is_stdin ? hostio_read_stream(stdin, TOOL_MAX_INPUT, &buf, len)
			   : hostio_read_file(path, TOOL_MAX_INPUT, &buf, len);

	if (ret == MIGTD_ERR_INVALID)
		fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(errno ? errno : EIO));
	else if (ret == MIGTD_ERR_LENGTH)
		fprintf(stderr, "%s: %s: file too large\n", prog, name);
	else if (ret != MIGTD_OK)
		fprintf(stderr, "%s: %s: out of memory\n", prog, name);
	return ret == MIGTD_OK ? buf : NULL;
}

uint8_t *tool_slurp(const char *prog, const char *path, size_t *len)
{
	uint8_t *buf = tool_read_file(prog, path, len);

	if (!buf)
		exit(CLI_EXIT_IO);
	return buf;
}

void tool_die(const char *prog, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, migtd_err_str(err));
	exit(CLI_EXIT_INPUT);
}
