/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * string.c -- the ten <string.h> functions the core and mbedTLS use.
 * Byte loops, kept obviously correct; tests/unit/test_fw_libc.c checks them
 * against glibc on the host.
 *
 * GCC turns copy/fill loops into memcpy/memset calls
 * (-ftree-loop-distribute-patterns) even with -ffreestanding; here that
 * would be infinite recursion, so the pass is off for this file.
 */
#include "fw_string.h"

#include <stdint.h>

#if defined(__clang__)
/* clang has no per-function optimize attribute; with -ffreestanding (the
 * firmware build) it does not turn these loops into library calls anyway. */
#define FW_NO_LIBCALL
#else
#define FW_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif

FW_NO_LIBCALL void *fw_memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

FW_NO_LIBCALL void *fw_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* Compare as integers: the pointers may belong to different objects. */
	if ((uintptr_t)d <= (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

FW_NO_LIBCALL void *fw_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int fw_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t fw_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int fw_strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			break;
	}
	return 0;
}

int fw_strcmp(const char *a, const char *b)
{
	return fw_strncmp(a, b, SIZE_MAX);
}

char *fw_strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)(uintptr_t)s;
		if (!*s)
			return NULL;
	}
}

char *fw_strstr(const char *haystack, const char *needle)
{
	size_t n = fw_strlen(needle);

	for (; *haystack; haystack++)
		if (fw_strncmp(haystack, needle, n) == 0)
			return (char *)(uintptr_t)haystack;
	return n ? NULL : (char *)(uintptr_t)haystack;
}

FW_NO_LIBCALL char *fw_strncpy(char *restrict dst, const char *restrict src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

#if !__STDC_HOSTED__
/* The firmware: the standard names the core and mbedTLS call. */
#include <string.h>
void *memcpy(void *restrict, const void *restrict, size_t) __attribute__((alias("fw_memcpy")));
void *memmove(void *, const void *, size_t) __attribute__((alias("fw_memmove")));
void *memset(void *, int, size_t) __attribute__((alias("fw_memset")));
int memcmp(const void *, const void *, size_t) __attribute__((alias("fw_memcmp")));
size_t strlen(const char *) __attribute__((alias("fw_strlen")));
int strcmp(const char *, const char *) __attribute__((alias("fw_strcmp")));
int strncmp(const char *, const char *, size_t) __attribute__((alias("fw_strncmp")));
char *strchr(const char *, int) __attribute__((alias("fw_strchr")));
char *strstr(const char *, const char *) __attribute__((alias("fw_strstr")));
char *strncpy(char *restrict, const char *restrict, size_t) __attribute__((alias("fw_strncpy")));
#endif
