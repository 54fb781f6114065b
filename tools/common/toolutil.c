/*
 * toolutil.c -- see toolutil.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/err.h"
#include "toolutil.h"

uint8_t *tool_read_file(const char *prog, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return NULL;
	}
	do {
		/* room for a 64 KiB read and the NUL byte; doubling from 1 MiB */
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 1u << 20;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "%s: out of memory\n", prog);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r != 0);
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

uint8_t *tool_slurp(const char *prog, const char *path, size_t *len, int status)
{
	uint8_t *buf = tool_read_file(prog, path, len);

	if (!buf)
		exit(status);
	return buf;
}

void tool_die(const char *prog, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, migtd_err_str(err));
	exit(1);
}
