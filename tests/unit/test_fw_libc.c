/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_fw_libc -- the firmware's string functions (src/firmware/libc),
 * compiled for the host under their fw_ names and compared with glibc over
 * every length and alignment in a window, overlapping moves in both
 * directions, signed-vs-unsigned bytes and the edge cases of each function.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "libc/fw_string.h"

#define N 96

static void fill(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131u + i * 7u + 0x80u);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_memcpy(void **state)
{
	unsigned char src[N], a[N + 16], b[N + 16];

	(void)state;
	fill(src, N, 1);
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n + off <= N; n++) {
			memset(a, 0x5A, sizeof(a));
			memset(b, 0x5A, sizeof(b));
			assert_ptr_equal(fw_memcpy(a + off, src, n), a + off);
			memcpy(b + off, src, n);
			assert_memory_equal(a, b, sizeof(a)); /* nothing outside [off, off+n) */
		}
	}
}

static void test_memmove_overlap(void **state)
{
	unsigned char a[N], b[N];

	(void)state;
	for (size_t dst = 0; dst < 24; dst++) {
		for (size_t src = 0; src < 24; src++) {
			for (size_t n = 0; n + (dst > src ? dst : src) <= N; n += 5) {
				fill(a, N, 3);
				fill(b, N, 3);
				assert_ptr_equal(fw_memmove(a + dst, a + src, n), a + dst);
				memmove(b + dst, b + src, n);
				assert_memory_equal(a, b, N);
			}
		}
	}
}

static void test_memset(void **state)
{
	unsigned char a[N], b[N];

	(void)state;
	for (size_t n = 0; n <= N; n++) {
		memset(a, 1, N);
		memset(b, 1, N);
		/* Only the low byte of c counts. */
		assert_ptr_equal(fw_memset(a, 0x1FF, n), a);
		memset(b, 0xFF, n);
		assert_memory_equal(a, b, N);
	}
}

static void test_memcmp(void **state)
{
	unsigned char a[N], b[N];

	(void)state;
	fill(a, N, 5);
	for (size_t i = 0; i < N; i++) {
		for (int d = -1; d <= 1; d += 2) {
			memcpy(b, a, N);
			b[i] = (unsigned char)(b[i] + d);
			assert_int_equal(fw_memcmp(a, b, N), sign(memcmp(a, b, N)));
			assert_int_equal(fw_memcmp(a, b, i), 0); /* the difference is past n */
		}
	}
	/* Bytes compare unsigned: 0x80 > 0x7F. */
	assert_int_equal(fw_memcmp("\x80", "\x7f", 1), 1);
	assert_int_equal(fw_memcmp("", "x", 0), 0);
}

static void test_strlen(void **state)
{
	char s[N + 1];

	(void)state;
	for (size_t n = 0; n <= N; n++) {
		memset(s, 'a', N);
		s[n] = '\0';
		assert_int_equal(fw_strlen(s), n);
	}
}

static void test_strcmp_strncmp(void **state)
{
	static const char *const v[] = {
		"", "a", "ab", "abc", "abd", "b", "\xff", "\x7f", "ab\xff"
	};
	const size_t nv = sizeof(v) / sizeof(v[0]);

	(void)state;
	for (size_t i = 0; i < nv; i++) {
		for (size_t j = 0; j < nv; j++) {
			assert_int_equal(fw_strcmp(v[i], v[j]), sign(strcmp(v[i], v[j])));
			for (size_t n = 0; n < 5; n++)
				assert_int_equal(fw_strncmp(v[i], v[j], n),
						 sign(strncmp(v[i], v[j], n)));
		}
	}
	/* strncmp stops at the terminator even if n is larger. */
	assert_int_equal(fw_strncmp("ab\0x", "ab\0y", 4), 0);
}

static void test_strchr(void **state)
{
	const char *s = "hello, world";

	(void)state;
	for (int c = 0; c < 256; c++)
		assert_ptr_equal(fw_strchr(s, c), strchr(s, c));
	/* The terminator is found; c is converted to char. */
	assert_ptr_equal(fw_strchr(s, 0), s + strlen(s));
	assert_ptr_equal(fw_strchr(s, 'o' + 256), s + 4);
	assert_null(fw_strchr("", 'a'));
}

static void test_strstr(void **state)
{
	static const char *const hay[] = { "", "a", "aaab", "abcabcabd", "xyz", "needle" };
	static const char *const nee[] = { "", "a", "aab", "abd", "abcabd", "z", "xyzz", "needle" };

	(void)state;
	for (size_t i = 0; i < sizeof(hay) / sizeof(hay[0]); i++)
		for (size_t j = 0; j < sizeof(nee) / sizeof(nee[0]); j++)
			assert_ptr_equal(fw_strstr(hay[i], nee[j]), strstr(hay[i], nee[j]));
}

static void test_strncpy(void **state)
{
	char a[16], b[16];
	static const char *const src[] = { "", "abc", "abcdefgh", "0123456789abcdef" };

	(void)state;
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		for (size_t n = 0; n <= sizeof(a); n++) {
			memset(a, 'Z', sizeof(a));
			memset(b, 'Z', sizeof(b));
			assert_ptr_equal(fw_strncpy(a, src[i], n), a);
			strncpy(b, src[i], n);
			/* Zero padding up to n, no terminator when src is longer. */
			assert_memory_equal(a, b, sizeof(a));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy),  cmocka_unit_test(test_memmove_overlap),
		cmocka_unit_test(test_memset),  cmocka_unit_test(test_memcmp),
		cmocka_unit_test(test_strlen),  cmocka_unit_test(test_strcmp_strncmp),
		cmocka_unit_test(test_strchr),  cmocka_unit_test(test_strstr),
		cmocka_unit_test(test_strncpy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
