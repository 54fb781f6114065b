/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fmt.c -- bounded formatting for the freestanding core (see fmt.h).
 * Deliberately tiny: no floating point, no positional arguments.
 */
#include "migtd/fmt.h"

#include <stdint.h>

/* %z reads a long / unsigned long: both of our targets are LP64 x86-64. */
_Static_assert(sizeof(size_t) == sizeof(unsigned long), "size_t is not unsigned long");

struct fmt_out {
	char *buf;
	size_t cap;
	size_t len; /* length of the full output, even past cap */
};

static void fmt_putc(struct fmt_out *o, char c)
{
	if (o->cap && o->len < o->cap - 1)
		o->buf[o->len] = c;
	o->len++;
}

static void fmt_pad(struct fmt_out *o, char c, size_t n)
{
	while (n--)
		fmt_putc(o, c);
}

static void fmt_str(struct fmt_out *o, const char *s, size_t maxlen, size_t width, int left)
{
	size_t n = 0;

	if (!s)
		s = "(null)";
	while (n < maxlen && s[n])
		n++;
	if (!left && width > n)
		fmt_pad(o, ' ', width - n);
	for (size_t i = 0; i < n; i++)
		fmt_putc(o, s[i]);
	if (left && width > n)
		fmt_pad(o, ' ', width - n);
}

static void fmt_uint(struct fmt_out *o, uint64_t v, unsigned base, int upper, int neg, size_t width,
		     int zero, int left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0, total;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	total = n + (neg ? 1u : 0u);
	if (!left && !zero && width > total)
		fmt_pad(o, ' ', width - total);
	if (neg)
		fmt_putc(o, '-');
	if (!left && zero && width > total)
		fmt_pad(o, '0', width - total);
	while (n)
		fmt_putc(o, tmp[--n]);
	if (left && width > total)
		fmt_pad(o, ' ', width - total);
}

size_t migtd_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, cap, 0 };

	for (const char *p = fmt; *p; p++) {
		int zero = 0, left = 0, lng = 0, hlf = 0, size = 0;
		size_t width = 0, prec = SIZE_MAX;

		if (*p != '%') {
			fmt_putc(&o, *p);
			continue;
		}
		p++;
		for (;; p++) {
			if (*p == '0')
				zero = 1;
			else if (*p == '-')
				left = 1;
			else
				break;
		}
		/* cppcheck-suppress knownConditionTrueFalse ; false positive: the flag loop also stops at '1'..'9' */
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (size_t)(*p++ - '0');
		if (*p == '.') {
			p++;
			if (*p == '*') {
				int n = va_arg(ap, int);
				prec = n < 0 ? 0 : (size_t)n;
				p++;
			} else {
				prec = 0;
				while (*p >= '0' && *p <= '9')
					prec = prec * 10 + (size_t)(*p++ - '0');
			}
		}
		while (*p == 'l') {
			lng++;
			p++;
		}
		while (*p == 'h') {
			hlf++;
			p++;
		}
		if (*p == 'z') {
			size = 1;
			p++;
		}
		switch (*p) {
		case '%': fmt_putc(&o, '%'); break;
		case 'c': fmt_putc(&o, (char)va_arg(ap, int)); break;
		case 's': fmt_str(&o, va_arg(ap, const char *), prec, width, left); break;
		case 'p':
			fmt_str(&o, "0x", 2, 0, 0);
			fmt_uint(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0, 0, 0, 0, 0);
			break;
		case 'd':
		case 'i': {
			int64_t v;
			/* The branches differ in va_arg's type, which the clone check
			 * ignores (NOLINTNEXTLINE: survives reformatting). */
			if (lng >= 2 && !size)
				/* NOLINTNEXTLINE(bugprone-branch-clone) */
				v = va_arg(ap, long long);
			else if (size || lng == 1)
				v = va_arg(ap, long); /* %zd: ssize_t (LP64) */
			else
				v = va_arg(ap, int);
			if (hlf == 1)
				v = (short)v;
			else if (hlf >= 2) /* %hhd truncates to signed char, as printf does */
				v = (signed char)v; /* NOLINT(bugprone-signed-char-misuse) */
			fmt_uint(&o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 10, 0, v < 0,
				 width, zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v;
			/* The branches differ in va_arg's type, which the clone check
			 * ignores (NOLINTNEXTLINE: survives reformatting). */
			if (lng >= 2 && !size)
				/* NOLINTNEXTLINE(bugprone-branch-clone) */
				v = va_arg(ap, unsigned long long);
			else if (size || lng == 1)
				v = va_arg(ap, unsigned long); /* %zu: size_t (LP64) */
			else
				v = va_arg(ap, unsigned int);
			if (hlf == 1)
				v = (unsigned short)v;
			else if (hlf >= 2)
				v = (unsigned char)v;
			fmt_uint(&o, v, *p == 'u' ? 10u : 16u, *p == 'X', 0, width, zero, left);
			break;
		}
		case '\0':
			p--; /* lone '%' at the end: stop */
			break;
		default: /* unknown conversion: print it verbatim */
			fmt_putc(&o, '%');
			fmt_putc(&o, *p);
			break;
		}
	}
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len;
}

size_t migtd_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = migtd_vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

size_t migtd_hex(char *out, size_t cap, const void *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = bytes;
	size_t i, o = 0;

	if (!cap)
		return 0;
	for (i = 0; i < n && o + 2 < cap; i++) {
		out[o++] = digits[b[i] >> 4];
		out[o++] = digits[b[i] & 15];
	}
	out[o] = '\0';
	return o;
}

int migtd_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int migtd_unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = migtd_hex_digit(s[2 * i]), lo;

		/* A NUL stops at hi, so no read goes past a short string's end. */
		if (hi < 0)
			return -1;
		lo = migtd_hex_digit(s[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
