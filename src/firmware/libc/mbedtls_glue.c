/*
 * mbedtls_glue.c -- what the freestanding mbedTLS asks of its platform:
 * a heap (MBEDTLS_MEMORY_BUFFER_ALLOC_C over FW_RAM_HEAP), snprintf and
 * vsnprintf (the core's bounded formatter, include/migtd/fmt.h) and exit.
 */
#include "../fw.h"

#include <limits.h>

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
