/*
 * toolutil.c -- see toolutil.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/err.h"
#include "cli.h"
#include "toolutil.h"

uint8_t *tool_read_file(const char *prog, const char *path, size_t *len)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	const char *name = is_stdin ? "standard input" : path;
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(errno));
		return NULL;
	}
	do {
		/* room for a 64 KiB read and the NUL byte; doubling from 1 MiB */
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 1u << 20;
			nb = cap <= TOOL_MAX_INPUT ? realloc(buf, cap) : NULL;
			if (!nb) {
				fprintf(stderr, "%s: %s: %s\n", prog, name,
					cap > TOOL_MAX_INPUT ? "file too large" : "out of memory");
				goto fail;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r != 0);
	/* fread returns 0 on an error too (EISDIR for a directory). */
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(errno ? errno : EIO));
		goto fail;
	}
	if (!is_stdin)
		fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
fail:
	free(buf);
	if (!is_stdin)
		fclose(f);
	return NULL;
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
