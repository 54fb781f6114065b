/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_hostio.c -- the one hosted file reader (src/hostio/hostio.h): whole
 * files with a NUL after them, files that cannot be sized by seeking, the
 * size bound at and just past its limit, and the errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostio.h"
#include "migtd/err.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/migtd-hostio-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write n bytes of a pattern into dir/name; returns the path (static). */
static const char *make_file(const char *name, size_t n)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fputc((int)(i * 7 % 251), f), (int)(i * 7 % 251));
	assert_int_equal(fclose(f), 0);
	return path;
}

static void test_reads_whole_file_with_nul(void **state)
{
	/* larger than the first 64 KiB buffer: the buffer grows */
	const size_t n = 200001;
	const char *path = make_file("big", n);
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(hostio_read_file(path, HOSTIO_READ_MAX, &buf, &len), MIGTD_OK);
	assert_int_equal(len, n);
	for (size_t i = 0; i < n; i++)
		if (buf[i] != (uint8_t)(i * 7 % 251))
			fail_msg("byte %zu differs", i);
	assert_int_equal(buf[n], 0);
	free(buf);
}

static void test_empty_file(void **state)
{
	const char *path = make_file("empty", 0);
	uint8_t *buf;
	size_t len = 99;

	(void)state;
	assert_int_equal(hostio_read_file(path, HOSTIO_READ_MAX, &buf, &len), MIGTD_OK);
	assert_int_equal(len, 0);
	assert_non_null(buf);
	assert_int_equal(buf[0], 0);
	free(buf);
}

static void test_size_bound(void **state)
{
	const char *path = make_file("bound", 100);
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(hostio_read_file(path, 100, &buf, &len), MIGTD_OK);
	assert_int_equal(len, 100);
	free(buf);
	buf = (uint8_t *)1;
	len = 5;
	assert_int_equal(hostio_read_file(path, 99, &buf, &len), MIGTD_ERR_LENGTH);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(hostio_read_file(path, 0, &buf, &len), MIGTD_ERR_LENGTH);
}

/* /proc files report size 0 to a seek: the reader must read to the end. */
static void test_unsized_file(void **state)
{
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(hostio_read_file("/proc/self/status", HOSTIO_READ_MAX, &buf, &len),
			 MIGTD_OK);
	assert_true(len > 0);
	assert_non_null(strstr((const char *)buf, "Name:"));
	free(buf);
}

/* A pipe cannot be sized at all: read to its end, bound included. */
static void test_stream(void **state)
{
	FILE *p = popen("head -c 70000 /dev/zero | tr '\\0' x", "r");
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_non_null(p);
	assert_int_equal(hostio_read_stream(p, HOSTIO_READ_MAX, &buf, &len), MIGTD_OK);
	assert_int_equal(pclose(p), 0);
	assert_int_equal(len, 70000);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(buf[69999], 'x');
	assert_int_equal(buf[70000], 0);
	free(buf);
	p = popen("head -c 70000 /dev/zero", "r");
	assert_non_null(p);
	assert_int_equal(hostio_read_stream(p, 69999, &buf, &len), MIGTD_ERR_LENGTH);
	assert_null(buf);
	(void)pclose(p);
}

static void test_errors(void **state)
{
	char path[128];
	uint8_t *buf = (uint8_t *)1;
	size_t len = 5;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing", dir);
	errno = 0;
	assert_int_equal(hostio_read_file(path, HOSTIO_READ_MAX, &buf, &len), MIGTD_ERR_INVALID);
	assert_int_equal(errno, ENOENT);
	assert_null(buf);
	assert_int_equal(len, 0);
	/* a directory opens but cannot be read */
	errno = 0;
	assert_int_equal(hostio_read_file(dir, HOSTIO_READ_MAX, &buf, &len), MIGTD_ERR_INVALID);
	assert_int_equal(errno, EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_whole_file_with_nul),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_size_bound),
		cmocka_unit_test(test_unsized_file),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
