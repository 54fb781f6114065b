/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * hostio.c -- see hostio.h.
 */
#include "hostio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "migtd/err.h"

int hostio_read_stream(FILE *f, size_t max, uint8_t **buf, size_t *len)
{
	uint8_t *b = NULL, *nb;
	size_t cap = 0, n = 0, got;
	int ret = MIGTD_ERR_INVALID, saved;

	*buf = NULL;
	*len = 0;
	if (max > HOSTIO_READ_MAX)
		max = HOSTIO_READ_MAX; /* keeps max + 1 and the doubling in range */
	for (;;) {
		/* Room for the next read and the NUL byte; doubling from 64 KiB.
		 * max + 1 lets a file of exactly max bytes end cleanly. */
		if (n == cap) {
			size_t want = cap ? cap * 2 : 65536;

			if (want > max + 1)
				want = max + 1;
			if (want <= cap) {
				ret = MIGTD_ERR_LENGTH;
				goto out;
			}
			nb = realloc(b, want + 1);
			if (!nb) {
				ret = MIGTD_ERR_NOMEM;
				goto out;
			}
			b = nb;
			cap = want;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	/* fread returns 0 on an error too (EISDIR for a directory). */
	if (ferror(f))
		goto out;
	if (n > max) {
		ret = MIGTD_ERR_LENGTH;
		goto out;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	b = NULL;
	ret = MIGTD_OK;
out:
	saved = errno;
	free(b);
	errno = saved;
	return ret;
}

int hostio_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	FILE *f;
	int ret, saved;

	*buf = NULL;
	*len = 0;
	f = fopen(path, "rb");
	if (!f)
		return MIGTD_ERR_INVALID;
	ret = hostio_read_stream(f, max, buf, len);
	saved = errno;
	fclose(f);
	errno = saved;
	return ret;
}
