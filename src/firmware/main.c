/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * main.c -- fw_main: the C side of the boot path.
 *
 * Order: console first (so everything after can report), then the CPU
 * tables (exceptions become readable), then the heap and mbedTLS hooks,
 * a SHA-384 as proof that the core's crypto runs here, PCI, "ready".
 */
#include "fw.h"
#include "virtio.h"
#include "tdx/fw_tdx.h"

#include <stdbool.h>
#include <string.h>

#include "mbedtls/platform.h"
#include "mbedtls/sha512.h"
#include "migtd/err.h"
#include "migtd/fmt.h"

#define FW_SELFTEST_MSG "migtd-c firmware self-test"

static void selftest_sha384(void)
{
	static const char msg[] = FW_SELFTEST_MSG;
	unsigned char digest[48];
	char hex[2 * sizeof(digest) + 1];

	if (mbedtls_sha512((const unsigned char *)msg, sizeof(msg) - 1, digest, 1) != 0) {
		fw_puts("sha384: FAILED\n");
		fw_exit(FW_EXIT_FAIL);
	}
	migtd_hex(hex, sizeof(hex), digest, sizeof(digest));
	fw_printf("sha384(\"%s\") = %s\n", msg, hex);
}

static void selftest_heap(void)
{
	unsigned char *p = mbedtls_calloc(1, 4096);

	if (!p) {
		fw_puts("heap: FAILED\n");
		fw_exit(FW_EXIT_FAIL);
	}
	mbedtls_free(p);
	fw_printf("heap: %u KiB at 0x%x\n", FW_RAM_HEAP_SIZE / 1024, FW_RAM_HEAP_BASE);
}

/*
 * Recursion deeper than the boot stack (512 bytes a frame, 2^20 frames):
 * reaches the guard page long before the bound.
 */
static unsigned int overflow_stack(unsigned int depth)
{
	volatile unsigned char pad[512];

	pad[0] = (unsigned char)depth;
	if (depth > (1u << 20))
		return pad[0];
	return overflow_stack(depth + 1) + pad[0];
}

/* -fw_cfg name=opt/migtd/test,string=ud|pf  (plain VM only) */
static void run_requested_fault(void)
{
	char what[16];

	if (fw_cfg_read_file("opt/migtd/test", what, sizeof(what)) != 0)
		return;
	fw_printf("self-test fault requested: %s\n", what);
	if (strcmp(what, "ud") == 0)
		/* Labelled so the e2e test can match the reported RIP. */
		__asm__ volatile(".globl fw_selftest_ud2\nfw_selftest_ud2: ud2");
	else if (strcmp(what, "pf") == 0)
		fw_printf("%u\n", overflow_stack(0));
}

/* -fw_cfg name=opt/migtd/link,string=PORT: hello over a virtio-serial port. */
static bool run_link_test(void)
{
	char name[VSER_NAME_MAX + 1];

	if (fw_cfg_read_file("opt/migtd/link", name, sizeof(name)) != 0)
		return false;
	if (fw_virtio_link_test(name) != 0)
		fw_exit(FW_EXIT_FAIL);
	return true;
}

/*
 * Serve as the MigTD over the image's transport (migtd/fw_transport.h) --
 * a plain VM on the emulated platform, a TD on the TDX backend; returns
 * only on a fatal error. Without the transport's device (the boot
 * self-tests) there is nothing to serve.
 */
static void run_migtd(void)
{
	if (fw_migtd_run() != 1)
		fw_exit(FW_EXIT_FAIL);
}

void fw_main(uint32_t is_td)
{
	bool link_test;

	fw_is_td = is_td != 0;
	fw_serial_init();
	fw_cpu_init();
	fw_printf("migtd-c firmware: boot in a %s, image %u KiB at 0x%llx\n",
		  fw_is_td ? "TD" : "plain VM", FW_IMAGE_SIZE / 1024,
		  (unsigned long long)FW_IMAGE_BASE);
	fw_heap_init();
	fw_mbedtls_platform_init();
	selftest_heap();
	selftest_sha384();
	run_requested_fault();
	/* A TD: accept PermMem and make the DMA region shared before any
	 * device or the TDX backend uses it (tdx/td.c). */
	if (fw_is_td && fw_tdx_start() != MIGTD_OK)
		fw_exit(FW_EXIT_FAIL);
	fw_pci_init();
	fw_pci_scan();
	if (fw_timer_init() == 0) {
		uint64_t t0 = fw_ticks();

		fw_idle_ms(10);
		fw_printf("timer: idle %llu ticks\n", (unsigned long long)(fw_ticks() - t0));
	}
	link_test = run_link_test();
	fw_puts("ready\n");
	if (!link_test)
		run_migtd();
	fw_exit(FW_EXIT_OK);
}
