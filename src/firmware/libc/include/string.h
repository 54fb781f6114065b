/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * The part of <string.h> that the freestanding core and mbedTLS use.
 * Declarations only: the firmware image provides the definitions;
 * `make freestanding-check` allow-lists exactly these names.
 */
#ifndef MIGTD_FW_STRING_H
#define MIGTD_FW_STRING_H
#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);

#endif
