/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * mbedtls_glue.c -- what the freestanding mbedTLS asks of its platform:
 * a heap (MBEDTLS_MEMORY_BUFFER_ALLOC_C over FW_RAM_HEAP), snprintf and
 * vsnprintf (the core's bounded formatter, include/migtd/fmt.h) and exit.
 *
 * Heap accounting: the firmware is linked with --wrap=mbedtls_calloc
 * --wrap=mbedtls_free (Makefile), so every allocation of mbedTLS and the
 * core goes through __wrap_mbedtls_calloc below, which keeps a 16-byte
 * prefix with the size and counts bytes in use and the peak (the figures
 * the serial log reports per session). The buffer allocator itself is
 * mbedTLS's; its own debug statistics would need stdio.
 */
#include "../fw.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"
#include "migtd/fmt.h"

static int fw_vsnprintf(char *s, size_t n, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static int fw_snprintf(char *s, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fw_vsnprintf(char *s, size_t n, const char *fmt, va_list ap)
{
	size_t len = migtd_vsnprintf(s, n, fmt, ap);

	return len > INT_MAX ? -1 : (int)len;
}

static int fw_snprintf(char *s, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fw_vsnprintf(s, n, fmt, ap);
	va_end(ap);
	return r;
}

static void fw_mbedtls_exit(int status)
{
	fw_printf("mbedtls exit(%d)\n", status);
	fw_exit(FW_EXIT_FAIL);
}

#define HEAP_PREFIX 16u /* keeps mbedTLS's 8-byte alignment, with room for the size */

static struct fw_heap_stats heap_stats;

/* Reserved names, but these are the ones ld's --wrap defines and expects. */
/* NOLINTBEGIN(bugprone-reserved-identifier) */
void *__real_mbedtls_calloc(size_t n, size_t size);
void __real_mbedtls_free(void *p);
void *__wrap_mbedtls_calloc(size_t n, size_t size);
void __wrap_mbedtls_free(void *p);
/* NOLINTEND(bugprone-reserved-identifier) */

void *__wrap_mbedtls_calloc(size_t n, size_t size)
{
	uint8_t *p;
	size_t len;

	if (size && n > (SIZE_MAX - HEAP_PREFIX) / size) {
		heap_stats.failures++;
		return NULL;
	}
	len = n * size;
	p = __real_mbedtls_calloc(1, len + HEAP_PREFIX);
	if (!p) {
		heap_stats.failures++;
		return NULL;
	}
	memcpy(p, &len, sizeof(len));
	heap_stats.in_use += len;
	heap_stats.allocs++;
	if (heap_stats.in_use > heap_stats.peak)
		heap_stats.peak = heap_stats.in_use;
	return p + HEAP_PREFIX;
}

void __wrap_mbedtls_free(void *ptr)
{
	uint8_t *p = ptr;
	size_t len;

	if (!p)
		return;
	p -= HEAP_PREFIX;
	memcpy(&len, p, sizeof(len));
	heap_stats.in_use -= len;
	__real_mbedtls_free(p);
}

void fw_heap_stats(struct fw_heap_stats *out)
{
	*out = heap_stats;
}

void fw_heap_peak_reset(void)
{
	heap_stats.peak = heap_stats.in_use;
}

void fw_heap_init(void)
{
	mbedtls_memory_buffer_alloc_init((unsigned char *)(uintptr_t)FW_RAM_HEAP_BASE,
					 FW_RAM_HEAP_SIZE);
}

void fw_mbedtls_platform_init(void)
{
	mbedtls_platform_set_snprintf(fw_snprintf);
	mbedtls_platform_set_vsnprintf(fw_vsnprintf);
	mbedtls_platform_set_exit(fw_mbedtls_exit);
}
