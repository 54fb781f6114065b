/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * main.c -- tdshim_main: this ROM's own start (console, CPU tables, tick,
 * PCI, the platform link), then the TD's memory from its image, then the
 * run loop. Strict mode unless -fw_cfg name=opt/tdshim/mode,string=lenient.
 */
#include "tdshim.h"

#include <string.h>

#include "fw.h"

void tdshim_main(void);

static const char *const stat_names[ST_COUNT] = {
	"exits",        "TDCALL VMCALL", "VP.INFO",      "RTMR.EXTEND",  "VEINFO.GET",
	"MR.REPORT",    "ACCEPT",        "SYS.RD",       "SERVTD.RD",    "SERVTD.WR",
	"TDCALL other", "VMCALL IO",     "MMIO",         "MapGPA",       "Service",
	"GetQuote",     "HLT",           "VMCALL other", "CPUID exits",  "MSR exits",
	"NPF exits",    "INTR exits",    "CR exits",     "#VE injected", "IRQs injected",
};

static uint64_t t_start;
enum shim_test shim_test;

void shim_stats_print(const char *when)
{
	fw_printf("[tdshim] exits at %s (%llu ms):", when,
		  (unsigned long long)(fw_ticks() - t_start));
	for (unsigned int i = 0; i < ST_COUNT; i++)
		if (shim_stats[i] || i == ST_EXITS)
			fw_printf("%s %s %llu", i ? "," : "", stat_names[i],
				  (unsigned long long)shim_stats[i]);
	fw_puts("\n");
}

void shim_finish(uint8_t code, const char *why)
{
	fw_printf("[tdshim] %s\n", why);
	shim_stats_print("the end");
	fw_exit(code);
}

void tdshim_main(void)
{
	char mode[16];

	fw_is_td = 0;
	fw_serial_init();
	fw_cpu_init();
	fw_puts("[tdshim] L1 hypervisor ROM: the TDX module and VMM for one TD\n");
	if (fw_timer_init() != 0) {
		fw_puts("[tdshim] no timer\n");
		fw_exit(FW_EXIT_FAIL);
	}
	t_start = fw_ticks();
	/* The TD's TSC frequency for CPUID 0x15: the tick's own calibration. */
	shim_set_tsc_khz(fw_tsc_per_ms());
	if (fw_cfg_read_file("opt/tdshim/mode", mode, sizeof(mode)) == 0 &&
	    strcmp(mode, "lenient") == 0)
		shim_mode = SHIM_LENIENT;
	if (fw_cfg_read_file("opt/tdshim/test", mode, sizeof(mode)) == 0) {
		if (strcmp(mode, "invariants") == 0)
			shim_test = TEST_INVARIANTS;
		else if (strcmp(mode, "ap") == 0)
			shim_test = TEST_AP;
		else if (strcmp(mode, "bad-rtc") == 0)
			shim_test = TEST_BAD_RTC;
		fw_printf("[tdshim] test mode: %s\n", mode);
	}
	fw_pci_init();
	if (shim_link_init() != 0)
		fw_exit(FW_EXIT_FAIL);
	shim_mem_init();
	if (shim_mem_load_image() != 0)
		fw_exit(FW_EXIT_FAIL);
	shim_run();
}
