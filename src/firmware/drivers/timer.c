/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * timer.c -- the 1 ms tick (vector 33, docs/protocol.md §2.1) and the `sti; hlt` idle.
 *
 * Plain VM: the local APIC timer (xAPIC MMIO at 0xFEE00000) in periodic
 * mode, calibrated once against PIT channel 2 over 10 ms; the legacy 8259
 * PICs are masked so that nothing arrives on the exception vectors.
 * A TD has no PIT and only x2APIC; there the tick will be TSC-deadline
 * (docs/protocol.md §2.1) -- not implemented yet, fw_timer_init reports that.
 *
 * The time in milliseconds is the TSC, calibrated over the same 10 ms: the
 * tick only wakes `hlt`. Interrupts are enabled only while idle, so a count
 * of tick interrupts misses every tick that falls into a computation (a
 * periodic timer coalesces pending interrupts) and ran far slower than wall
 * time under TCG -- timeouts then lasted many times their nominal length.
 */
#include "../fw.h"
#include "../tdx/fw_tdx.h"

#define LAPIC_BASE 0xFEE00000ULL
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define FW_VECTOR_TIMER 33
#define FW_VECTOR_SPURIOUS 0xFF

#define PIT_HZ 1193182u
#define CAL_MS 10u

static uint64_t tsc0, tsc_per_ms; /* 0: no timer (fw_ticks stays 0) */

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint32_t lapic_rd(uint32_t reg)
{
	return fw_mmio_read32(LAPIC_BASE + reg);
}

static void lapic_wr(uint32_t reg, uint32_t v)
{
	fw_mmio_write32(LAPIC_BASE + reg, v);
}

void fw_timer_irq(void)
{
	/* Only wakes hlt: the clock is the TSC. */
	lapic_wr(LAPIC_EOI, 0);
}

void fw_spurious_irq(void)
{
	/* No EOI for the spurious vector. */
}

/* APIC timer counts (divide by 16) and TSC counts in CAL_MS milliseconds of PIT time. */
static uint32_t calibrate(uint64_t *tsc)
{
	uint16_t count = (uint16_t)(PIT_HZ * CAL_MS / 1000);
	uint8_t gate;
	uint32_t spins = 0;
	uint64_t t;

	gate = fw_inb(0x61) & (uint8_t)~0x03; /* gate off, speaker off */
	fw_outb(0x61, gate);
	fw_outb(0x43, 0xB0); /* channel 2, lo/hi byte, mode 0 */
	fw_outb(0x42, (uint8_t)count);
	fw_outb(0x42, (uint8_t)(count >> 8));
	lapic_wr(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_wr(LAPIC_TIMER_INIT, 0xFFFFFFFFu);
	t = rdtsc();
	fw_outb(0x61, gate | 0x01); /* start */
	while (!(fw_inb(0x61) & 0x20) && ++spins < 100000000u)
		;
	*tsc = rdtsc() - t;
	return 0xFFFFFFFFu - lapic_rd(LAPIC_TIMER_CUR);
}

int fw_timer_init(void)
{
	uint32_t per_ms;
	uint64_t tsc;

	if (fw_is_td)
		return -1;
	fw_outb(0x21, 0xFF); /* mask both 8259s */
	fw_outb(0xA1, 0xFF);
	fw_idt_set_irq(FW_VECTOR_TIMER, fw_irq_timer);
	fw_idt_set_irq(FW_VECTOR_SPURIOUS, fw_irq_spurious);
	lapic_wr(LAPIC_SVR, 0x100 | FW_VECTOR_SPURIOUS); /* software enable */
	lapic_wr(LAPIC_TIMER_DIV, 0x3);                  /* divide by 16 */
	per_ms = calibrate(&tsc) / CAL_MS;
	if (per_ms == 0 || tsc / CAL_MS == 0)
		return -1;
	lapic_wr(LAPIC_LVT_TIMER, FW_VECTOR_TIMER | LVT_PERIODIC);
	lapic_wr(LAPIC_TIMER_INIT, per_ms);
	tsc0 = rdtsc();
	tsc_per_ms = tsc / CAL_MS;
	fw_printf("timer: APIC %u counts/ms, vector %u\n", per_ms, FW_VECTOR_TIMER);
	fw_printf("timer: clock TSC %llu counts/ms\n", (unsigned long long)tsc_per_ms);
	return 0;
}

/* Milliseconds since fw_timer_init (0 without a timer). */
uint64_t fw_ticks(void)
{
	if (!tsc_per_ms)
		return 0;
	return (rdtsc() - tsc0) / tsc_per_ms;
}

uint64_t fw_tsc_per_ms(void)
{
	return tsc_per_ms;
}

/* sti;hlt is atomic: an interrupt between them still wakes the hlt. Raw
 * HLT is plain-VM only (the TD-path lint checks the vm_ prefix). */
__attribute__((noinline)) static void vm_sti_hlt(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void fw_idle_ms(uint64_t ms)
{
	uint64_t end = fw_ticks() + ms;

	/* The 1 ms tick ends every halt. In a TD the halt is
	 * TDVMCALL<Instruction.HLT> with interrupts not blocked (no tick in a TD
	 * yet, so nothing calls this there today). */
	while (fw_ticks() < end) {
		if (fw_is_td) {
			__asm__ volatile("sti" ::: "memory");
			(void)fw_tdx_hlt(false);
			__asm__ volatile("cli" ::: "memory");
		} else {
			vm_sti_hlt();
		}
	}
}
