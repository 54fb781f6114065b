/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * mmio.c -- 32-bit MMIO. In a TD, MMIO to emulated devices (PCIe ECAM,
 * virtio BARs) would raise #VE; the firmware asks the VMM directly with
 * TDG.VP.VMCALL<#VE.RequestMMIO> (R11 = 0x30, R12 = size, R13 = 1 write /
 * 0 read, R14 = address, R15 = value; R11 returns the value read).
 */
#include "../fw.h"
#include "tdx.h"
#include "../tdx/fw_tdx.h"

#define VMCALL_MMIO 0x30
#define VMCALL_EXPOSE 0xFC00

static uint64_t td_mmio(uint64_t size, uint64_t write, uint64_t addr, uint64_t val)
{
	struct tdx_regs r = { 0 };

	r.rcx = VMCALL_EXPOSE;
	r.r11 = VMCALL_MMIO;
	r.r12 = size;
	r.r13 = write;
	/* Emulated MMIO lives in shared GPA space: the VMM refuses a
	 * private GPA. */
	r.r14 = addr | fw_tdx_shared_mask();
	r.r15 = val;
	tdx_tdcall(&r);
	return r.r10 ? ~0ULL : r.r11;
}

uint32_t fw_mmio_read32(uint64_t addr)
{
	if (fw_is_td)
		return (uint32_t)td_mmio(4, 0, addr, 0);
	return *(volatile uint32_t *)(uintptr_t)addr;
}

void fw_mmio_write32(uint64_t addr, uint32_t v)
{
	if (fw_is_td)
		td_mmio(4, 1, addr, v);
	else
		*(volatile uint32_t *)(uintptr_t)addr = v;
}

uint32_t fw_mmio_read(uint64_t addr, unsigned int size)
{
	if (fw_is_td)
		return (uint32_t)td_mmio(size, 0, addr, 0);
	switch (size) {
	case 1: return *(volatile uint8_t *)(uintptr_t)addr;
	case 2: return *(volatile uint16_t *)(uintptr_t)addr;
	default: return *(volatile uint32_t *)(uintptr_t)addr;
	}
}

void fw_mmio_write(uint64_t addr, unsigned int size, uint32_t v)
{
	if (fw_is_td) {
		td_mmio(size, 1, addr, v);
		return;
	}
	switch (size) {
	case 1: *(volatile uint8_t *)(uintptr_t)addr = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)(uintptr_t)addr = (uint16_t)v; break;
	default: *(volatile uint32_t *)(uintptr_t)addr = v; break;
	}
}
