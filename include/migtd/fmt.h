/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fmt.h -- a small, bounded snprintf for the freestanding core.
 *
 * The core runs without libc, yet logs and explanations need formatting.
 * Supported: %% %c %s %.*s %p, integers %d %i %u %x %X with the length
 * modifiers hh h l ll z, flags '0' and '-', a field width. Always
 * NUL-terminates when cap > 0; returns the length the full output would
 * have had (like C99 snprintf), so callers can detect truncation.
 */
#ifndef MIGTD_FMT_H
#define MIGTD_FMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

size_t migtd_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
size_t migtd_snprintf(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Value of one hex digit (either case), or -1. */
int migtd_hex_digit(char c);

/* Decode exactly 2n hex digits from s (either case) into out[n]: 0, or -1 if
 * a character is not a hex digit (out is then partly written). */
int migtd_unhex(const char *s, uint8_t *out, size_t n);

/* Lower-case hex of n bytes into out (2n+1 bytes incl. NUL, bounded by cap). */
size_t migtd_hex(char *out, size_t cap, const void *bytes, size_t n);

#endif /* MIGTD_FMT_H */
