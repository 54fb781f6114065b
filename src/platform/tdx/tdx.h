/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdx.h -- the real TDX backend of include/migtd/platform.h.
 *
 * Two layers:
 *  - raw leaves (tdx_leaves.c): one C function per TDCALL leaf / TDVMCALL
 *    sub-function MigTD uses, putting arguments in the registers of docs/protocol.md
 *    §2.1/§3 and decoding the status; all go through tdx_tdcall() in
 *    tdcall.S. The firmware uses some directly (TDG.VP.INFO, MapGPA).
 *  - the platform ops (tdx_platform.c): struct migtd_platform_ops on top of
 *    the leaves, with the copies to and from shared memory.
 *
 * Addressing: the firmware identity-maps private memory, so a private
 * buffer's GPA is its address; shared buffers are mapped at their private
 * address with the shared bit set in the page tables, and their GPA for
 * the VMM is address | shared_mask (docs/protocol.md §2).
 */
#ifndef MIGTD_PLATFORM_TDX_H
#define MIGTD_PLATFORM_TDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/platform.h"

/* Register file of one TDCALL (layout fixed by tdcall.S). */
struct tdx_regs {
	uint64_t rax, rcx, rdx, rbx, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

_Static_assert(offsetof(struct tdx_regs, rdi) == 40, "tdcall.S layout");
_Static_assert(offsetof(struct tdx_regs, r8) == 48, "tdcall.S layout");
_Static_assert(offsetof(struct tdx_regs, r15) == 104, "tdcall.S layout");
_Static_assert(sizeof(struct tdx_regs) == 112, "tdcall.S layout");

/* tdcall.S */
uint64_t tdx_tdcall(struct tdx_regs *regs);
int tdx_rdrand64(uint64_t *out);
uint64_t tdx_rdtsc(void);

/* ---- status decoding ------------------------------------------------------ */
/* TDCALL RAX -> MIGTD_OK, MIGTD_ERR_AGAIN (operand busy), MIGTD_ERR_TDCALL. */
int tdx_status_err(uint64_t rax);
/* TDVMCALL R10 -> MIGTD_OK, MIGTD_ERR_AGAIN (retry), MIGTD_ERR_VMCALL. */
int tdx_vmcall_status_err(uint64_t r10);

/* ---- TDCALL leaves (docs/protocol.md §3) ---------------------------------------------- */
struct tdx_vp_info {
	unsigned int gpaw;   /* RCX bits 5:0 */
	uint64_t attributes; /* RDX */
	uint32_t num_vcpus;  /* R8 low 32 */
	uint32_t max_vcpus;  /* R8 high 32 */
	uint32_t vcpu_index; /* R9 */
};
int tdx_vp_info(struct tdx_vp_info *out);
/* Shared bit of a GPA for a given GPAW: bit GPAW-1. */
uint64_t tdx_shared_mask(unsigned int gpaw);

int tdx_mr_report(uint64_t report_gpa, uint64_t reportdata_gpa);
int tdx_mr_rtmr_extend(uint64_t digest_gpa, uint64_t index);
int tdx_servtd_rd(uint64_t handle, const struct migtd_td_uuid *uuid, uint64_t field_id,
		  uint64_t *value);
int tdx_servtd_wr(uint64_t handle, const struct migtd_td_uuid *uuid, uint64_t field_id,
		  uint64_t value, uint64_t mask, uint64_t *old_value);
int tdx_sys_rd(uint64_t field_id, uint64_t *value);

/* ---- TDG.VP.VMCALL sub-functions (docs/protocol.md §2.1) ------------------------------ */
/* One MapGPA call; on MIGTD_ERR_AGAIN *retry_gpa is where to resume. */
int tdx_vmcall_map_gpa(uint64_t gpa, uint64_t len, uint64_t *retry_gpa);
/* MapGPA of [gpa, gpa+len) with the "retry" protocol (3 retries per address). */
int tdx_map_gpa(uint64_t gpa, uint64_t len);
int tdx_vmcall_get_quote(uint64_t buf_gpa, uint64_t buf_len);
int tdx_vmcall_setup_event_notify(uint64_t vector);
int tdx_vmcall_service(uint64_t cmd_gpa, uint64_t rsp_gpa, uint64_t vector, uint64_t wait);
int tdx_vmcall_report_fatal_error(uint64_t code, uint64_t msg_gpa);
/* TDG.VP.VMCALL<MigTD> leaf 1..4 (docs/protocol.md §2.4) with its registers. */
int tdx_vmcall_migtd(uint16_t leaf, uint64_t r13, uint64_t r14, uint64_t r15, uint64_t rbx,
		     uint64_t rdi);

/* ---- the platform ops ----------------------------------------------------- */
#define TDX_PAGE_SIZE 4096
/* vmcall-raw: calls in flight at once, and the largest shared pool (pages). */
#define TDX_RAW_SLOTS 160
#define TDX_RAW_POOL_PAGES_MAX 4096

/* One MigTD call in flight: its pages of the shared pool. */
struct tdx_raw_slot {
	struct migtd_raw_call *call; /* NULL: given up (raw_cancel), pages still the VMM's */
	uint8_t *buf;                /* shared */
	uint32_t first, pages;       /* in the pool */
	uint32_t gen;                /* *raw_flag when the call was made */
	uint16_t leaf;
	bool used;
};

/*
 * Backend state. The firmware provides the shared pages (already converted
 * with tdx_map_gpa, mapped shared) and, optionally, flags its interrupt
 * handlers set; everything else is internal. Without a flag the backend
 * works in the polling mode of upstream's default build.
 */
struct tdx_platform {
	/* TDCALL buffers first: their alignment then costs no padding inside */
	_Alignas(
		1024) uint8_t report[TDREPORT_STRUCT_SIZE]; /* TDG.MR.REPORT output: 1024-aligned */
	_Alignas(64) uint8_t reportdata[TDREPORT_REPORT_DATA_SIZE]; /* REPORTDATA: 64-aligned */
	_Alignas(64) uint8_t digest[64]; /* RTMR.EXTEND input: 64-aligned */

	/* configuration (set before tdx_platform_init) */
	uint64_t shared_mask; /* tdx_shared_mask(vp_info.gpaw) */
	uint8_t *svc_cmd;     /* one shared page */
	uint8_t *svc_rsp;     /* one shared page */
	uint8_t *quote_buf;   /* shared, page multiple */
	size_t quote_buf_len;
	volatile uint32_t *service_flag; /* set by the 0x50 handler, or NULL */
	volatile uint32_t *quote_flag;   /* set by the 0x51 handler, or NULL */
	uint64_t tsc_khz;                /* TSC frequency for now_ms */
	/* vmcall-raw (docs/vmcall-raw.md): shared pages for the MigTD calls'
	 * buffers (a page multiple, at most TDX_RAW_POOL_PAGES_MAX pages), and a
	 * counter the 0x50 and 0x52 handlers increment (NULL: poll the buffers). */
	uint8_t *raw_pool;
	size_t raw_pool_len;
	volatile uint32_t *raw_flag;

	/* internal */
	struct migtd_service_call *svc_busy;
	struct migtd_quote_call *quote_busy;
	int quote_notify_ok; /* SetupEventNotifyInterrupt succeeded */
	int quote_abandoned; /* a cancelled GetQuote may still own quote_buf */
	int svc_abandoned;   /* a cancelled Service call may still own the pages */
	struct tdx_raw_slot raw[TDX_RAW_SLOTS];
	uint8_t raw_map[TDX_RAW_POOL_PAGES_MAX / 8]; /* pool pages in use */
};

/* The ops table of this backend. */
extern const struct migtd_platform_ops tdx_platform_ops;
/* Random bytes from RDRAND (retried 10 times per word): what the TD's PSA
 * randomness hook (psa_random.c) draws from. MIGTD_OK or MIGTD_ERR_CRYPTO. */
int tdx_random(void *buf, size_t len);

/* Point p->ops/p->ctx at this backend (stream and log are set by the caller). */
void tdx_platform_init(struct migtd_platform *p, struct tdx_platform *t);

#endif /* MIGTD_PLATFORM_TDX_H */
