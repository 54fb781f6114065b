/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * io.c -- port I/O. A plain VM executes IN/OUT; in a TD they would raise #VE,
 * so the firmware asks the VMM directly with TDG.VP.VMCALL<Instruction.IO>
 * (fw_tdx_io, tdx/ve.c).
 */
#include "../fw.h"
#include "../tdx/fw_tdx.h"

int fw_is_td;

static uint64_t td_io(unsigned int size, bool write, uint16_t port, uint64_t val)
{
	/* A failed VMCALL reads as all ones, like a missing device. */
	return fw_tdx_io(size, write, port, &val) ? ~0ULL : val;
}

/*
 * The raw instructions live in these plain-VM-only functions (vm_*), so
 * the TD-path lint (tests/e2e/firmware_td_lint.sh) can check that no other
 * function executes IN/OUT/HLT: in a TD each would raise #VE.
 */
__attribute__((noinline)) static void vm_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

__attribute__((noinline)) static void vm_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

__attribute__((noinline)) static void vm_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

__attribute__((noinline)) static uint8_t vm_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

__attribute__((noinline)) static uint32_t vm_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

__attribute__((noinline, noreturn)) static void vm_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void fw_outb(uint16_t port, uint8_t v)
{
	if (fw_is_td)
		td_io(1, true, port, v);
	else
		vm_outb(port, v);
}

void fw_outw(uint16_t port, uint16_t v)
{
	if (fw_is_td)
		td_io(2, true, port, v);
	else
		vm_outw(port, v);
}

void fw_outl(uint16_t port, uint32_t v)
{
	if (fw_is_td)
		td_io(4, true, port, v);
	else
		vm_outl(port, v);
}

uint8_t fw_inb(uint16_t port)
{
	if (fw_is_td)
		return (uint8_t)td_io(1, false, port, 0);
	return vm_inb(port);
}

uint32_t fw_inl(uint16_t port)
{
	if (fw_is_td)
		return (uint32_t)td_io(4, false, port, 0);
	return vm_inl(port);
}

/*
 * Plain VM: isa-debug-exit ends QEMU with status 2*code+1 (elsewhere a
 * no-op), then halt. TD: every failure ends in ReportFatalError (error code
 * 0, as upstream's panic path, docs/protocol.md §1.2), then TDVMCALL<HLT> with
 * interrupts blocked, forever -- a raw HLT would raise #VE.
 */
__attribute__((noreturn)) void fw_exit(uint8_t code)
{
	if (!fw_is_td) {
		vm_outl(FW_DEBUG_EXIT_PORT, code);
		vm_halt_forever();
	}
	if (code != FW_EXIT_OK)
		fw_tdx_report_fatal(0);
	/* A VMM that models isa-debug-exit may end the TD here as well. */
	(void)td_io(4, true, FW_DEBUG_EXIT_PORT, code);
	for (;;) {
		__asm__ volatile("cli" ::: "memory");
		(void)fw_tdx_hlt(true);
	}
}
