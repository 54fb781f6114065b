/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fw_tdx.h -- the firmware's TD start (docs/protocol.md §2, §3, §9.2, §9.5): accept the
 * PermMem section, convert the DMA region to shared memory, publish the CC
 * event log through a CCEL ACPI table, and run the core on the real TDX
 * backend (src/platform/tdx).
 *
 * accept.c, shared.c and ccel.c reach the TDX module only through
 * tdx_tdcall() (and tdx_map_gpa() on top of it), and the page tables only
 * through a PD array the caller passes, so tests/unit/test_fw_tdx.c runs
 * them on the host against a fake TDCALL entry. td.c is the glue that only
 * the image links (it cannot run here: no TDX).
 */
#ifndef MIGTD_FW_TDX_H
#define MIGTD_FW_TDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_TDX_4K 0x1000ULL
#define FW_TDX_2M 0x200000ULL

/* TDG.MEM.PAGE.ACCEPT (leaf 6) RCX level field: GPA | level. */
#define FW_TDX_ACCEPT_LEVEL_4K 0
#define FW_TDX_ACCEPT_LEVEL_2M 1
/* Completion statuses of leaf 6 the firmware acts on (docs/protocol.md §3). */
#define FW_TDX_STATUS_ALREADY_ACCEPTED 0x00000B0A00000000ULL
#define FW_TDX_STATUS_PAGE_SIZE_MISMATCH 0xC0000B0B00000001ULL
/* Operand busy (class 0x80000200): retried this many times per page. */
#define FW_TDX_ACCEPT_BUSY_RETRIES 5

/* What an acceptance did (for the boot log and the tests). */
struct fw_tdx_accept_stats {
	uint64_t pages_2m; /* 2 MiB pages accepted (or already accepted) */
	uint64_t pages_4k; /* 4 KiB pages accepted (or already accepted) */
	uint64_t already;  /* of those, "already accepted" */
	uint64_t busy_retries;
};

/*
 * Accept [gpa, gpa+len): 2 MiB pages where the range holds a whole aligned
 * one, 4 KiB pages at the unaligned ends; a 2 MiB page the module refuses
 * with "page size mismatch" is accepted as 512 x 4 KiB. "Already accepted"
 * counts as success; "operand busy" is retried up to 5 times per page.
 * gpa and len must be 4 KiB multiples, len > 0, no wrap-around.
 * MIGTD_OK, MIGTD_ERR_INVALID (bad range), MIGTD_ERR_TDCALL (the module
 * refused a page; nothing is undone). stats may be NULL.
 */
int fw_tdx_accept(uint64_t gpa, uint64_t len, struct fw_tdx_accept_stats *stats);

/*
 * Make [base, base+size) shared: MapGPA of base|shared_mask (with the
 * retry protocol of docs/protocol.md §2.1), then set the shared bit in the 2 MiB PDEs
 * that map the range. pd points at the 2048 PDEs that identity-map
 * 0..4 GiB (pd[i] maps i << 21). base and size must be 2 MiB multiples,
 * the range below 4 GiB and not the first 2 MiB (mapped with 4 KiB
 * pages). *shared_gpa = base | shared_mask: the address the VMM and the
 * devices use; the CPU keeps using base. The caller flushes the TLB.
 */
int fw_tdx_share(uint64_t *pd, uint64_t base, uint64_t size, uint64_t shared_mask,
		 uint64_t *shared_gpa);

/* ---- CCEL (docs/protocol.md §9.5) ---------------------------------------------------- */
#define FW_CCEL_TABLE_SIZE 56u
#define FW_CCEL_REVISION 1u
#define FW_CCEL_CC_TYPE_TDX 2u

/*
 * Build the 56-byte CCEL ACPI table: 36-byte header (signature "CCEL",
 * length 56, revision 1, checksum so that all 56 bytes sum to 0, OEM ids),
 * cc_type 2, cc_subtype 0, reserved 0, LAML at 40, LASA at 48.
 */
int fw_ccel_table_build(uint8_t *out, size_t cap, uint64_t lasa, uint64_t laml);

/*
 * Publish an event log: fill the log area with 0xFF (as td-shim does, so
 * the byte after the last event is 0xFF), copy the log in, and build the
 * table over the area (LASA = area_gpa, LAML = area_len). Fails if the log
 * does not fit with at least one byte after it.
 */
int fw_ccel_publish(uint8_t *area, size_t area_len, uint64_t area_gpa, const uint8_t *log,
		    size_t log_len, uint8_t table[FW_CCEL_TABLE_SIZE]);

/* ---- the ACPI table list (acpi.c) ----------------------------------------- */
#define FW_ACPI_RSDP_SIZE 36u
#define FW_ACPI_HDR_SIZE 36u
#define FW_ACPI_XSDT_MAX 4u
#define FW_ACPI_XSDT_SIZE(n) (FW_ACPI_HDR_SIZE + 8u * (n))

/*
 * The list a reader of the TD's ACPI tables starts from: an RSDP
 * (revision 2, 36 bytes, both checksums, RSDT address 0, XSDT address
 * xsdt_gpa) and the XSDT at xsdt (36-byte header + one u64 GPA per table,
 * checksum over all of it). Today the list holds the CCEL table.
 */
int fw_acpi_list_build(uint8_t rsdp[FW_ACPI_RSDP_SIZE], uint8_t *xsdt, size_t xsdt_cap,
		       uint64_t xsdt_gpa, const uint64_t *tables, size_t n);

/* ---- the TD start (td.c, image only) ---------------------------------------- */
/*
 * The top of the DMA region is not given to the virtio allocator: it holds
 * the TDX backend's shared pages (Service command + response, one page
 * each; GetQuote buffer, 32 pages as upstream's limit, docs/protocol.md §2.6).
 */
#define FW_TDX_SVC_PAGES 2u
#define FW_TDX_QUOTE_PAGES 32u
#define FW_TDX_SHARED_BYTES ((FW_TDX_SVC_PAGES + FW_TDX_QUOTE_PAGES) * 0x1000u)
/* Bytes of the DMA region the virtio drivers may use. */
#define FW_VIRTIO_DMA_SIZE (FW_RAM_DMA_SIZE - FW_TDX_SHARED_BYTES)
#define FW_TDX_SHARED_BASE (FW_RAM_DMA_BASE + FW_VIRTIO_DMA_SIZE)
/* The CC event log area the CCEL table points at (private). */
#define FW_CCEL_AREA_SIZE 0x11000u /* > MIGTD_EVENT_LOG_MAX */

/*
 * In a TD: TDG.VP.INFO, accept PermMem outside the DMA region, convert the
 * DMA region to shared. Then every virtio ring/buffer address the devices
 * see carries the shared bit (fw_dma_gpa_base()). 0 or a MIGTD_ERR_*.
 */
int fw_tdx_start(void);
/* GPA of FW_RAM_DMA_BASE as devices see it (plain VM: FW_RAM_DMA_BASE). */
uint64_t fw_dma_gpa_base(void);
/* Shared mask from TDG.VP.INFO (0 in a plain VM). */
uint64_t fw_tdx_shared_mask(void);

struct migtd_platform;
struct tdx_platform;
/*
 * Point p at the TDX backend with the shared pages of FW_TDX_SHARED_BASE,
 * and install the completion handlers: Service is issued with vector 0x50,
 * GetQuote registers 0x51 with SetupEventNotifyInterrupt (docs/protocol.md §2.1); the
 * handlers set the backend's flags. After fw_tdx_start(). The caller runs
 * with interrupts enabled while it waits (fw_tdx_wait()).
 */
void fw_tdx_platform_init(struct migtd_platform *p, struct tdx_platform *t);
/* isr.S entries and their C handlers (set a flag, x2APIC EOI). */
void fw_irq_td_service(void);
void fw_irq_td_quote(void);
void fw_td_service_irq(void);
void fw_td_quote_irq(void);
/* Wait a little with interrupts enabled (no tick in a TD yet). */
void fw_tdx_wait(void);

/* Copy the core's log into the CCEL area, build the table; 0 or MIGTD_ERR_*. */
int fw_tdx_publish_event_log(const uint8_t *log, size_t len);

/* ---- what a TD asks for instead of executing it (ve.c, docs/td-path.md) ---- */

/* TDG.VP.VEINFO.GET (leaf 3) outputs: RCX exit reason, RDX qualification,
 * R8 GLA, R9 GPA, R10 instruction length (31:0) and information (63:32). */
struct fw_ve_info {
	uint32_t exit_reason;
	uint64_t qualification, gla, gpa;
	uint32_t insn_len, insn_info;
};
/* VMX basic exit reasons a #VE reports. */
#define FW_VE_EXIT_CPUID 10
#define FW_VE_EXIT_HLT 12
#define FW_VE_EXIT_IO 30
#define FW_VE_EXIT_RDMSR 31
#define FW_VE_EXIT_WRMSR 32
#define FW_VE_EXIT_EPT_VIOLATION 48

/* The interrupted context the handler may read and change. */
struct fw_ve_cpu {
	uint64_t rax, rbx, rcx, rdx, rip, rflags;
};

int fw_tdx_veinfo_get(struct fw_ve_info *out);
/*
 * #VE: fetch the info, emulate CPUID/HLT/RDMSR/WRMSR/port I/O through
 * TDG.VP.VMCALL and advance rip past the instruction. MIGTD_OK if handled;
 * anything else is fatal for the caller (ve says why).
 */
int fw_tdx_handle_ve(struct fw_ve_cpu *cpu, struct fw_ve_info *ve);
/* TDG.VP.VMCALL<Instruction.HLT>; irq_blocked = false after sti. */
int fw_tdx_hlt(bool irq_blocked);
int fw_tdx_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]);
int fw_tdx_rdmsr(uint32_t msr, uint64_t *value);
int fw_tdx_wrmsr(uint32_t msr, uint64_t value);
/* TDG.VP.VMCALL<Instruction.IO>: size 1, 2 or 4; *value is written, or
 * receives what was read. */
int fw_tdx_io(unsigned int size, bool write, uint16_t port, uint64_t *value);
/* vmcall-raw image in a TD: the MigTD calls' shared pool is the DMA region
 * (no virtio device uses it in that image), completions polled. */
void fw_tdx_raw_setup(struct tdx_platform *t);

/* TDG.VP.VMCALL<ReportFatalError> with this code (no message page). */
void fw_tdx_report_fatal(uint64_t code);

/* ---- guest-crash MSRs (vmcall-raw builds, docs/protocol.md §2.7) ---------------- */
#define FW_TDX_CRASH_PAGE 4096u
/* CPUID (through the VMM): a hypervisor, leaves above 0x40000003, and
 * 0x40000003 EDX bit 10. */
bool fw_tdx_crash_msrs_offered(void);
/* If offered: P0 = code; a message of 1..4095 bytes goes into page (one
 * shared page, zero-padded), P3 = its GPA, P4 = its length; then CTL =
 * notify (| message). MIGTD_ERR_UNSUPPORTED if not offered. The caller
 * then reports the fatal error as usual. */
int fw_tdx_crash_report(uint8_t code, const char *msg, size_t len, uint8_t *page,
			uint64_t shared_mask);

#endif /* MIGTD_FW_TDX_H */
