/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * td.c -- the TD start of the firmware (image only: it cannot run here).
 *
 * The reset vector ran on TempMem (PAGE.ADDed with the image, docs/protocol.md §9.2);
 * before anything touches PermMem (PAGE_AUG) it must be accepted, and the
 * DMA region -- every virtio ring and buffer, plus the TDX backend's Service
 * and GetQuote pages at its top -- must become shared, or the VMM and the
 * devices could not see it. The DMA region is NOT accepted first: MapGPA
 * would release the private pages again at once.
 */
#include "../fw.h"
#include "fw_tdx.h"

#include <string.h>

#include "tdx.h"
#include "migtd/err.h"
#include "migtd/session.h"
#include "migtd/tdx_abi.h"

#define FW_RAM_PD_BASE (FW_RAM_PT_BASE + 0x2000) /* PD0..PD3, 2048 PDEs */

_Static_assert(FW_RAM_DMA_BASE >= FW_PERMMEM_BASE &&
		       FW_RAM_DMA_BASE + FW_RAM_DMA_SIZE <= FW_PERMMEM_BASE + FW_PERMMEM_SIZE,
	       "the DMA region lies in PermMem");
_Static_assert(FW_RAM_DMA_BASE % 0x200000 == 0 && FW_RAM_DMA_SIZE % 0x200000 == 0,
	       "the DMA region is whole 2 MiB pages (one PDE each)");
_Static_assert(FW_TDX_SHARED_BYTES < FW_RAM_DMA_SIZE, "shared pages fit the DMA region");

static uint64_t shared_mask;
static uint64_t dma_gpa = FW_RAM_DMA_BASE;

/* Set by the completion handlers, cleared by the backend before a call. */
#ifndef FW_TDX_INTERRUPTS
#define FW_TDX_INTERRUPTS 0
#endif

static volatile uint32_t service_done;
static volatile uint32_t quote_done;

#define MSR_X2APIC_EOI 0x80B
#define MSR_X2APIC_SVR 0x80F
#define APIC_SVR_ENABLE 0x100
#define VECTOR_SPURIOUS 0xFF

static _Alignas(4096) uint8_t ccel_area[FW_CCEL_AREA_SIZE];
static _Alignas(16) uint8_t ccel_table[FW_CCEL_TABLE_SIZE];
/* The ACPI table list that points at the CCEL table (acpi.c). */
static _Alignas(16) uint8_t acpi_rsdp[FW_ACPI_RSDP_SIZE];
static _Alignas(16) uint8_t acpi_xsdt[FW_ACPI_XSDT_SIZE(1)];

uint64_t fw_dma_gpa_base(void)
{
	return dma_gpa;
}

uint64_t fw_tdx_shared_mask(void)
{
	return shared_mask;
}

static int accept_range(uint64_t base, uint64_t end)
{
	struct fw_tdx_accept_stats st;
	int err;

	if (end <= base)
		return MIGTD_OK;
	err = fw_tdx_accept(base, end - base, &st);
	fw_printf("tdx: accept 0x%llx..0x%llx: %llu x 2 MiB, %llu x 4 KiB (%llu already, %llu busy "
		  "retries): %s\n",
		  (unsigned long long)base, (unsigned long long)end,
		  (unsigned long long)st.pages_2m, (unsigned long long)st.pages_4k,
		  (unsigned long long)st.already, (unsigned long long)st.busy_retries,
		  migtd_err_str(err));
	return err;
}

static void flush_tlb(void)
{
	uint64_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("mov %0, %%cr3" ::"r"(cr3) : "memory");
}

int fw_tdx_start(void)
{
	struct tdx_vp_info vi;
	uint64_t gpa = 0;
	int err;

	err = tdx_vp_info(&vi);
	if (err != MIGTD_OK) {
		fw_printf("tdx: TDG.VP.INFO failed: %s\n", migtd_err_str(err));
		return err;
	}
	shared_mask = tdx_shared_mask(vi.gpaw);
	fw_printf("tdx: GPAW %u, shared bit 0x%llx, vCPU %u of %u\n", vi.gpaw,
		  (unsigned long long)shared_mask, vi.vcpu_index, vi.num_vcpus);
	err = accept_range(FW_PERMMEM_BASE, FW_RAM_DMA_BASE);
	if (err == MIGTD_OK)
		err = accept_range(FW_RAM_DMA_BASE + FW_RAM_DMA_SIZE,
				   FW_PERMMEM_BASE + FW_PERMMEM_SIZE);
	if (err != MIGTD_OK)
		return err;
	err = fw_tdx_share((uint64_t *)(uintptr_t)FW_RAM_PD_BASE, FW_RAM_DMA_BASE, FW_RAM_DMA_SIZE,
			   shared_mask, &gpa);
	if (err != MIGTD_OK) {
		fw_printf("tdx: MapGPA of the DMA region failed: %s\n", migtd_err_str(err));
		return err;
	}
	flush_tlb();
	/* Shared pages hold whatever the VMM left there: start from zero. */
	memset((void *)(uintptr_t)FW_RAM_DMA_BASE, 0, FW_RAM_DMA_SIZE);
	dma_gpa = gpa;
	fw_printf("tdx: DMA region 0x%x..0x%x shared at GPA 0x%llx\n", FW_RAM_DMA_BASE,
		  FW_RAM_DMA_BASE + FW_RAM_DMA_SIZE, (unsigned long long)gpa);
	return MIGTD_OK;
}

/* TSC frequency from CPUID 0x15 (the TDX module reports the TD's virtual
 * TSC there); 0 if not reported (then now_ms stays 0: no timeouts fire). */
static uint64_t tsc_khz(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (a < 0x15)
		return 0;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x15), "c"(0));
	if (a == 0 || b == 0 || c == 0)
		return 0;
	return (uint64_t)c * b / a / 1000;
}

/*
 * A TD's APIC is always x2APIC. EOI is virtualized by the CPU (a plain
 * WRMSR, no #VE); other APIC registers are the VMM's, written with
 * TDG.VP.VMCALL<Instruction.WRMSR> (what a #VE handler would do: this
 * firmware has none).
 */
/* The x2APIC EOI MSR is virtualized by the TDX module (no #VE): the one
 * raw WRMSR the TD path may execute (the TD-path lint allows td_x2apic_eoi). */
__attribute__((noinline)) static void td_x2apic_eoi(void)
{
	__asm__ volatile("wrmsr" ::"c"(MSR_X2APIC_EOI), "a"(0), "d"(0) : "memory");
}

void fw_td_service_irq(void)
{
	service_done = 1;
	td_x2apic_eoi();
}

void fw_td_quote_irq(void)
{
	quote_done = 1;
	td_x2apic_eoi();
}

void fw_tdx_wait(void)
{
	__asm__ volatile("sti" ::: "memory");
	for (volatile unsigned int i = 0; i < 100000; i++)
		__asm__ volatile("pause");
	__asm__ volatile("cli" ::: "memory");
}

void fw_tdx_platform_init(struct migtd_platform *p, struct tdx_platform *t)
{
	uint8_t *shared = (uint8_t *)(uintptr_t)FW_TDX_SHARED_BASE;

	memset(t, 0, sizeof(*t));
	t->shared_mask = shared_mask;
	t->svc_cmd = shared;
	t->svc_rsp = shared + TDX_PAGE_SIZE;
	t->quote_buf = shared + FW_TDX_SVC_PAGES * TDX_PAGE_SIZE;
	t->quote_buf_len = FW_TDX_QUOTE_PAGES * TDX_PAGE_SIZE;
	/*
	 * Completion polling, as upstream's default build: Service is issued
	 * with R14 = 0 and the backend polls the response status; GetQuote
	 * polls its buffer's status word. The interrupt mode (vector 0x50,
	 * 0x51 with SetupEventNotifyInterrupt, x2APIC enabled through
	 * TDVMCALL<WRMSR>) is upstream's `vmcall-interrupt` option: build with
	 * FW_TDX_INTERRUPTS=1 (make TDX_INTERRUPTS=1).
	 */
	t->service_flag = NULL;
	t->quote_flag = NULL;
#if FW_TDX_INTERRUPTS
	{
		int err;

		fw_idt_set_irq(TDX_VECTOR_SERVICE, fw_irq_td_service);
		fw_idt_set_irq(TDX_VECTOR_GET_QUOTE, fw_irq_td_quote);
		err = fw_tdx_wrmsr(MSR_X2APIC_SVR, APIC_SVR_ENABLE | VECTOR_SPURIOUS);
		if (err == MIGTD_OK) {
			fw_idt_set_irq(VECTOR_SPURIOUS, fw_irq_spurious);
			t->service_flag = &service_done;
			t->quote_flag = &quote_done;
		} else {
			fw_printf("tdx: enabling the x2APIC failed (%s): polling mode\n",
				  migtd_err_str(err));
		}
	}
#endif
	t->tsc_khz = tsc_khz();
	tdx_platform_init(p, t);
}

void fw_tdx_raw_setup(struct tdx_platform *t)
{
	/* Already shared (fw_tdx_start converted the whole DMA region). */
	t->raw_pool = (uint8_t *)(uintptr_t)FW_RAM_DMA_BASE;
	t->raw_pool_len = FW_VIRTIO_DMA_SIZE;
	t->raw_flag = NULL;
}

int fw_tdx_publish_event_log(const uint8_t *log, size_t len)
{
	uint64_t ccel_gpa = (uint64_t)(uintptr_t)ccel_table;
	int err = fw_ccel_publish(ccel_area, sizeof(ccel_area), (uint64_t)(uintptr_t)ccel_area, log,
				  len, ccel_table);

	if (err == MIGTD_OK)
		err = fw_acpi_list_build(acpi_rsdp, acpi_xsdt, sizeof(acpi_xsdt),
					 (uint64_t)(uintptr_t)acpi_xsdt, &ccel_gpa, 1);
	if (err == MIGTD_OK)
		fw_printf("tdx: CCEL table at 0x%llx: log area 0x%llx, %u bytes (%u used); "
			  "RSDP 0x%llx -> XSDT 0x%llx -> CCEL\n",
			  (unsigned long long)ccel_gpa, (unsigned long long)(uintptr_t)ccel_area,
			  (unsigned int)sizeof(ccel_area), (unsigned int)len,
			  (unsigned long long)(uintptr_t)acpi_rsdp,
			  (unsigned long long)(uintptr_t)acpi_xsdt);
	return err;
}
