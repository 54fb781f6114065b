/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * testutil.c -- see testutil.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "hostio.h"
#include "migtd/err.h"
#include "migtd/fmt.h"

const char *tu_vectors_dir(void)
{
	const char *d = getenv("MIGTD_VECTORS");

	return (d && *d) ? d : "../shared/vectors";
}

uint8_t *tu_read_vector(const char *path, size_t *len)
{
	char full[4096];
	uint8_t *buf;

	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", tu_vectors_dir(), path);
	if (hostio_read_file(full, HOSTIO_READ_MAX, &buf, len) != MIGTD_OK)
		fail_msg("cannot read vector %s", full);
	return buf;
}

size_t tu_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > cap)
		fail_msg("bad hex string (length %zu, capacity %zu)", n, cap);
	if (migtd_unhex(hex, out, n / 2))
		fail_msg("bad hex digit in '%s'", hex);
	return n / 2;
}

void tu_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s", msg);
}
