/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fw_string.h -- the firmware's <string.h> subset under its own names.
 * The firmware build (freestanding, __STDC_HOSTED__ == 0) also exports
 * them under the standard names (aliases in string.c); the host unit test
 * links the fw_ names next to glibc without a clash.
 */
#ifndef MIGTD_FW_STRING_IMPL_H
#define MIGTD_FW_STRING_IMPL_H
#include <stddef.h>

void *fw_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *fw_memmove(void *dst, const void *src, size_t n);
void *fw_memset(void *dst, int c, size_t n);
int fw_memcmp(const void *a, const void *b, size_t n);
size_t fw_strlen(const char *s);
int fw_strcmp(const char *a, const char *b);
int fw_strncmp(const char *a, const char *b, size_t n);
char *fw_strchr(const char *s, int c);
char *fw_strstr(const char *haystack, const char *needle);
char *fw_strncpy(char *restrict dst, const char *restrict src, size_t n);

#endif
