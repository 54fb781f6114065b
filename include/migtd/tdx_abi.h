/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdx_abi.h -- numbers of the TDX module and GHCI ABI that MigTD uses:
 * TDCALL leaves (docs/protocol.md §3), TDG.VP.VMCALL sub-functions and status codes
 * (docs/protocol.md §2.1), metadata field identifiers (docs/protocol.md §3.1), GetQuote status
 * words (docs/protocol.md §2.6) and the interrupt vectors MigTD registers.
 *
 * Constants only: the core names fields with these, a backend puts them in
 * registers.
 */
#ifndef MIGTD_TDX_ABI_H
#define MIGTD_TDX_ABI_H

#include <stdint.h>

/* ---- TDCALL leaves (RAX bits 15:0; bits 23:16 = leaf version), §3 ------ */
#define TDX_TDG_VP_VMCALL 0
#define TDX_TDG_VP_INFO 1
#define TDX_TDG_MR_RTMR_EXTEND 2
#define TDX_TDG_VP_VEINFO_GET 3
#define TDX_TDG_MR_REPORT 4
#define TDX_TDG_MEM_PAGE_ACCEPT 6
#define TDX_TDG_VM_WR 8
#define TDX_TDG_SYS_RD 11
#define TDX_TDG_SERVTD_RD 18
#define TDX_TDG_SERVTD_WR 20
#define TDX_TDG_MR_VERIFYREPORT 22
#define TDX_TDG_SERVTD_REBIND_APPROVE 33

/* TDCALL completion status (RAX): 0 = success; the class is bits 63:32. */
#define TDX_SUCCESS 0ULL
#define TDX_STATUS_CLASS(rax) ((uint32_t)((rax) >> 32))
#define TDX_CLASS_OPERAND_BUSY 0x80000200u
#define TDX_CLASS_OPERAND_INVALID 0xC0000100u

/* Number of RTMRs and their digest size (SHA-384). */
#define TDX_RTMR_COUNT 4
#define TDX_RTMR_DIGEST_SIZE 48

/* Write mask for TDG.SERVTD.WR / TDG.VM.WR: the whole field. */
#define TDX_WRITE_MASK_ALL UINT64_MAX

/* ---- TDG.VP.VMCALL (§2.1) --------------------------------------------- */
/* RCX: GPRs exposed to the VMM. Ordinary calls: R10-R15. */
#define TDX_VMCALL_EXPOSE_R10_R15 0xFC00ULL
/* MigTD ReportStatus/Send/Receive: RDX, RBX, RSI, RDI, R8-R15. */
#define TDX_VMCALL_EXPOSE_MIGTD 0xFFCCULL

/* R11 sub-functions (R10 = 0: GHCI standard). */
#define TDX_VMCALL_CPUID 0x0000AULL
#define TDX_VMCALL_HLT 0x0000CULL
#define TDX_VMCALL_IO 0x0001EULL
#define TDX_VMCALL_RDMSR 0x0001FULL
#define TDX_VMCALL_WRMSR 0x00020ULL
#define TDX_VMCALL_MMIO 0x00030ULL
#define TDX_VMCALL_MAP_GPA 0x10001ULL
#define TDX_VMCALL_GET_QUOTE 0x10002ULL
#define TDX_VMCALL_REPORT_FATAL_ERROR 0x10003ULL
#define TDX_VMCALL_SETUP_EVENT_NOTIFY 0x10004ULL
#define TDX_VMCALL_SERVICE 0x10005ULL
#define TDX_VMCALL_MIGTD 0x10006ULL

/* VMCALL status returned in R10. */
#define TDX_VMCALL_SUCCESS 0ULL
#define TDX_VMCALL_RETRY 1ULL
#define TDX_VMCALL_INVALID_OPERAND 0x8000000000000000ULL
#define TDX_VMCALL_GPA_INUSE 0x8000000000000001ULL
#define TDX_VMCALL_ALIGN_ERROR 0x8000000000000002ULL

/* MapGPA: retries per address on "retry" (upstream: 3). */
#define TDX_MAP_GPA_MAX_RETRIES 3

/* ---- interrupt vectors MigTD uses (§2.1) ------------------------------ */
#define TDX_VECTOR_SERVICE 0x50
#define TDX_VECTOR_GET_QUOTE 0x51
#define TDX_VECTOR_STREAM 0x52

/* The GetQuote buffer (§2.6): its layout and status words are defined once,
 * with struct ghci_getquote_hdr, in migtd/ghci.h. */

/* ---- field identifiers (§3.1) ------------------------------------------ */
/* Target (user) TD's TDCS, through TDG.SERVTD.RD/WR with the binding handle. */
#define TDX_FIELD_MIG_DEC_KEY(i) (0x9810000300000010ULL + (uint64_t)(i))      /* WR, i = 0..3 */
#define TDX_FIELD_MIG_ENC_KEY(i) (0x9810000300000018ULL + (uint64_t)(i))      /* RD, i = 0..3 */
#define TDX_FIELD_MIG_VERSION 0x9810000100000020ULL                           /* WR */
#define TDX_FIELD_SERVTD_ATTR 0x1910000300000202ULL                           /* RD */
#define TDX_FIELD_SERVTD_INFO_HASH(i) (0x1910000300000207ULL + (uint64_t)(i)) /* i = 0..5 */
#define TDX_FIELD_SERVTD_INIT_ATTR 0x191000030000020DULL
#define TDX_FIELD_SERVTD_INIT_SERVTD_INFO_HASH(i) (0x191000030000020EULL + (uint64_t)(i))
#define TDX_FIELD_INIT_CPUSVN(i) (0x1110000300000060ULL + (uint64_t)(i))      /* i = 0..1 */
#define TDX_FIELD_INIT_TEE_TCB_SVN(i) (0x1110000300000062ULL + (uint64_t)(i)) /* i = 0..1 */
#define TDX_FIELD_INIT_TEE_MODEL(i) (0x1110000200000064ULL + (uint64_t)(i))   /* i = 0..2 */

/* MigTD's own TDCS, through TDG.VM.WR (rebinding). */
#define TDX_FIELD_SERVTD_ACCEPT_SERVTD_EXT_HASH(i) (0x1910000300000214ULL + (uint64_t)(i))
#define TDX_FIELD_SERVTD_REBIND_ACCEPT_TOKEN(i) (0x191000030000021EULL + (uint64_t)(i))
#define TDX_FIELD_SERVTD_REBIND_ATTR 0x1910000300000222ULL

/* TDX module global metadata, through TDG.SYS.RD. */
#define TDX_FIELD_MIN_EXPORT_VERSION 0x2000000100000001ULL
#define TDX_FIELD_MAX_EXPORT_VERSION 0x2000000100000002ULL
#define TDX_FIELD_MIN_IMPORT_VERSION 0x2000000100000003ULL
#define TDX_FIELD_MAX_IMPORT_VERSION 0x2000000100000004ULL

/* SERVTD_ATTR value MigTD requires before writing keys (§6.2 step 6). */
#define TDX_SERVTD_ATTR_EXPECTED 0ULL

#endif /* MIGTD_TDX_ABI_H */
