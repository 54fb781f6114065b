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

#include "migtd/fmt.h"

const char *tu_vectors_dir(void)
{
	const char *d = getenv("MIGTD_VECTORS");

	return (d && *d) ? d : "../shared/vectors";
}

uint8_t *tu_read_vector(const char *path, size_t *len)
{
	char full[4096];
	FILE *f;
	long n = -1;
	uint8_t *buf;

	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", tu_vectors_dir(), path);
	f = fopen(full, "rb");
	if (!f)
		fail_msg("cannot open vector %s", full);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		fail_msg("cannot size vector %s", full);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("short read on %s", full);
	fclose(f);
	buf[n] = 0;
	*len = (size_t)n;
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
