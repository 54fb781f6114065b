/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * crash.c -- the guest-crash MSR report of a vmcall-raw MigTD (docs/protocol.md
 * §2.7, docs/vmcall-raw.md): before ReportFatalError, a MigTD whose hypervisor
 * offers Hyper-V's guest crash MSRs writes the MigrationResult code and, if
 * there is a short message, a shared page with its text, so the VMM's crash
 * handling sees why the MigTD stopped.
 *
 * Every CPUID and WRMSR goes through TDG.VP.VMCALL (the hypervisor leaves
 * and these MSRs are the VMM's anyway); nothing the VMM answers is trusted
 * beyond deciding whether to write these registers.
 */
#include "tdx/fw_tdx.h"

#include <string.h>

#include "migtd/err.h"

#define CPUID_FEATURES 1u
#define CPUID_ECX_HYPERVISOR (1u << 31)
#define HV_CPUID_MAX_LEAF 0x40000000u
#define HV_CPUID_FEATURES 0x40000003u
#define HV_EDX_GUEST_CRASH_MSRS (1u << 10)
#define HV_MSR_CRASH_P0 0x40000100u
#define HV_MSR_CRASH_P3 0x40000103u
#define HV_MSR_CRASH_P4 0x40000104u
#define HV_MSR_CRASH_CTL 0x40000105u
#define HV_CRASH_CTL_NOTIFY 1u
#define HV_CRASH_CTL_MESSAGE 2u

bool fw_tdx_crash_msrs_offered(void)
{
	uint32_t r[4];

	if (fw_tdx_cpuid(CPUID_FEATURES, 0, r) != MIGTD_OK || !(r[2] & CPUID_ECX_HYPERVISOR))
		return false;
	/* The highest hypervisor leaf must be strictly above 0x40000003. */
	if (fw_tdx_cpuid(HV_CPUID_MAX_LEAF, 0, r) != MIGTD_OK || r[0] <= HV_CPUID_FEATURES)
		return false;
	if (fw_tdx_cpuid(HV_CPUID_FEATURES, 0, r) != MIGTD_OK)
		return false;
	return (r[3] & HV_EDX_GUEST_CRASH_MSRS) != 0;
}

int fw_tdx_crash_report(uint8_t code, const char *msg, size_t len, uint8_t *page,
			uint64_t shared_mask)
{
	uint64_t ctl = HV_CRASH_CTL_NOTIFY;
	int err;

	if (!fw_tdx_crash_msrs_offered())
		return MIGTD_ERR_UNSUPPORTED;
	err = fw_tdx_wrmsr(HV_MSR_CRASH_P0, code);
	/* A message only if it fits in the one page, below 4 KiB (§2.7). */
	if (!err && msg && len > 0 && len < FW_TDX_CRASH_PAGE && page) {
		memset(page, 0, FW_TDX_CRASH_PAGE);
		memcpy(page, msg, len);
		err = fw_tdx_wrmsr(HV_MSR_CRASH_P3, (uint64_t)(uintptr_t)page | shared_mask);
		if (!err)
			err = fw_tdx_wrmsr(HV_MSR_CRASH_P4, len);
		if (!err)
			ctl |= HV_CRASH_CTL_MESSAGE;
	}
	/* The control register last: writing it is what tells the VMM. */
	if (!err)
		err = fw_tdx_wrmsr(HV_MSR_CRASH_CTL, ctl);
	return err;
}
