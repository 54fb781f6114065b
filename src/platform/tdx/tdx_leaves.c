/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdx_leaves.c -- one function per TDCALL leaf / TDVMCALL sub-function,
 * with the register placement of docs/protocol.md §2.1 and §3. Nothing here touches
 * memory other than through the TDX module: callers pass GPAs.
 */
#include "tdx.h"

#include "migtd/ghci.h"

#include <string.h>

#include <mbedtls/platform_util.h>

int tdx_status_err(uint64_t rax)
{
	if (rax == TDX_SUCCESS)
		return MIGTD_OK;
	/* Another vCPU or the module holds the operand: transient. */
	if (TDX_STATUS_CLASS(rax) == TDX_CLASS_OPERAND_BUSY)
		return MIGTD_ERR_AGAIN;
	return MIGTD_ERR_TDCALL;
}

int tdx_vmcall_status_err(uint64_t r10)
{
	switch (r10) {
	case TDX_VMCALL_SUCCESS: return MIGTD_OK;
	case TDX_VMCALL_RETRY: return MIGTD_ERR_AGAIN;
	default: /* invalid operand, GPA in use, alignment, anything unknown */
		return MIGTD_ERR_VMCALL;
	}
}

static uint64_t tdcall(uint64_t leaf, struct tdx_regs *r)
{
	r->rax = leaf;
	return tdx_tdcall(r);
}

/*
 * TDG.VP.VMCALL: RAX = 0, RCX = exposed registers, R10 = 0 (GHCI
 * standard), R11 = sub-function. A failing TDCALL itself (RAX != 0) means
 * the call never reached the VMM.
 */
static int vmcall(uint64_t subfn, uint64_t expose, struct tdx_regs *r)
{
	r->rcx = expose;
	r->r10 = 0;
	r->r11 = subfn;
	if (tdcall(TDX_TDG_VP_VMCALL, r) != TDX_SUCCESS)
		return MIGTD_ERR_TDCALL;
	return tdx_vmcall_status_err(r->r10);
}

/* Register copies may hold key words (MIG_ENC_KEY): wipe them. */
static void wipe(struct tdx_regs *r)
{
	mbedtls_platform_zeroize(r, sizeof(*r));
}

uint64_t tdx_shared_mask(unsigned int gpaw)
{
	if (gpaw == 0 || gpaw > 64)
		return 0;
	return 1ULL << (gpaw - 1);
}

int tdx_vp_info(struct tdx_vp_info *out)
{
	struct tdx_regs r = { 0 };
	int err = tdx_status_err(tdcall(TDX_TDG_VP_INFO, &r));

	if (err != MIGTD_OK)
		return err;
	out->gpaw = (unsigned int)(r.rcx & 0x3f);
	out->attributes = r.rdx;
	out->num_vcpus = (uint32_t)r.r8;
	out->max_vcpus = (uint32_t)(r.r8 >> 32);
	out->vcpu_index = (uint32_t)r.r9;
	return MIGTD_OK;
}

/* RCX = 1024-aligned output GPA, RDX = 64-aligned REPORTDATA GPA, R8 = 0. */
int tdx_mr_report(uint64_t report_gpa, uint64_t reportdata_gpa)
{
	struct tdx_regs r = { 0 };

	if ((report_gpa & 1023) || (reportdata_gpa & 63))
		return MIGTD_ERR_INVALID;
	r.rcx = report_gpa;
	r.rdx = reportdata_gpa;
	r.r8 = 0;
	return tdx_status_err(tdcall(TDX_TDG_MR_REPORT, &r));
}

/* RCX = 64-aligned GPA of the 48-byte digest, RDX = RTMR index. */
int tdx_mr_rtmr_extend(uint64_t digest_gpa, uint64_t index)
{
	struct tdx_regs r = { 0 };

	if ((digest_gpa & 63) || index >= TDX_RTMR_COUNT)
		return MIGTD_ERR_INVALID;
	r.rcx = digest_gpa;
	r.rdx = index;
	return tdx_status_err(tdcall(TDX_TDG_MR_RTMR_EXTEND, &r));
}

static void put_uuid(struct tdx_regs *r, const struct migtd_td_uuid *uuid)
{
	r->r10 = uuid->w[0];
	r->r11 = uuid->w[1];
	r->r12 = uuid->w[2];
	r->r13 = uuid->w[3];
}

/* RCX = binding handle, RDX = field id, R10..R13 = target TD UUID -> R8. */
int tdx_servtd_rd(uint64_t handle, const struct migtd_td_uuid *uuid, uint64_t field_id,
		  uint64_t *value)
{
	struct tdx_regs r = { 0 };
	int err;

	r.rcx = handle;
	r.rdx = field_id;
	put_uuid(&r, uuid);
	err = tdx_status_err(tdcall(TDX_TDG_SERVTD_RD, &r));
	if (err == MIGTD_OK)
		*value = r.r8;
	wipe(&r);
	return err;
}

/* RCX = handle, RDX = field id, R8 = value, R9 = mask, R10..R13 = UUID -> R8 = old. */
int tdx_servtd_wr(uint64_t handle, const struct migtd_td_uuid *uuid, uint64_t field_id,
		  uint64_t value, uint64_t mask, uint64_t *old_value)
{
	struct tdx_regs r = { 0 };
	int err;

	r.rcx = handle;
	r.rdx = field_id;
	r.r8 = value;
	r.r9 = mask;
	put_uuid(&r, uuid);
	err = tdx_status_err(tdcall(TDX_TDG_SERVTD_WR, &r));
	if (err == MIGTD_OK && old_value)
		*old_value = r.r8;
	wipe(&r);
	return err;
}

/* RDX = field id -> RDX = field id, R8 = value. */
int tdx_sys_rd(uint64_t field_id, uint64_t *value)
{
	struct tdx_regs r = { 0 };
	int err;

	r.rdx = field_id;
	err = tdx_status_err(tdcall(TDX_TDG_SYS_RD, &r));
	if (err == MIGTD_OK)
		*value = r.r8;
	return err;
}

/* R12 = start GPA (with the shared bit for private->shared), R13 = length;
 * on "retry" R11 holds the GPA to resume from. */
int tdx_vmcall_map_gpa(uint64_t gpa, uint64_t len, uint64_t *retry_gpa)
{
	struct tdx_regs r = { 0 };
	int err;

	r.r12 = gpa;
	r.r13 = len;
	err = vmcall(TDX_VMCALL_MAP_GPA, TDX_VMCALL_EXPOSE_R10_R15, &r);
	if (err == MIGTD_ERR_AGAIN && retry_gpa)
		*retry_gpa = r.r11;
	return err;
}

int tdx_map_gpa(uint64_t gpa, uint64_t len)
{
	uint64_t end, at = gpa;
	unsigned int tries = 0;

	if (len == 0 || gpa > UINT64_MAX - len)
		return MIGTD_ERR_INVALID;
	end = gpa + len;
	for (;;) {
		uint64_t next = at;
		int err = tdx_vmcall_map_gpa(at, end - at, &next);

		if (err != MIGTD_ERR_AGAIN)
			return err;
		/* The VMM must make progress inside the range, and may stall
		 * on one address only a few times. */
		if (next < at || next >= end)
			return MIGTD_ERR_VMCALL;
		if (next == at) {
			if (++tries > TDX_MAP_GPA_MAX_RETRIES)
				return MIGTD_ERR_VMCALL;
		} else {
			tries = 0;
		}
		at = next;
	}
}

/* R12 = shared buffer GPA, R13 = its size. */
int tdx_vmcall_get_quote(uint64_t buf_gpa, uint64_t buf_len)
{
	struct tdx_regs r = { 0 };

	r.r12 = buf_gpa;
	r.r13 = buf_len;
	return vmcall(TDX_VMCALL_GET_QUOTE, TDX_VMCALL_EXPOSE_R10_R15, &r);
}

/* R12 = vector to inject when GetQuote completes. */
int tdx_vmcall_setup_event_notify(uint64_t vector)
{
	struct tdx_regs r = { 0 };

	if (vector < 32 || vector > 255)
		return MIGTD_ERR_INVALID;
	r.r12 = vector;
	return vmcall(TDX_VMCALL_SETUP_EVENT_NOTIFY, TDX_VMCALL_EXPOSE_R10_R15, &r);
}

/* R12 = command GPA, R13 = response GPA, R14 = vector (0 = none), R15 = wait. */
int tdx_vmcall_service(uint64_t cmd_gpa, uint64_t rsp_gpa, uint64_t vector, uint64_t wait)
{
	struct tdx_regs r = { 0 };

	/* Vectors 1..31 are exceptions: never let the VMM inject one. */
	if ((vector != 0 && vector < 32) || vector > 255)
		return MIGTD_ERR_INVALID;
	r.r12 = cmd_gpa;
	r.r13 = rsp_gpa;
	r.r14 = vector;
	r.r15 = wait;
	return vmcall(TDX_VMCALL_SERVICE, TDX_VMCALL_EXPOSE_R10_R15, &r);
}

/* R12 = error code (bit 63 set: R13 holds the GPA of a message). */
int tdx_vmcall_report_fatal_error(uint64_t code, uint64_t msg_gpa)
{
	struct tdx_regs r = { 0 };

	r.r12 = code & ~(1ULL << 63);
	if (msg_gpa) {
		r.r12 |= 1ULL << 63;
		r.r13 = msg_gpa;
	}
	return vmcall(TDX_VMCALL_REPORT_FATAL_ERROR, TDX_VMCALL_EXPOSE_R10_R15, &r);
}

/*
 * TDG.VP.VMCALL<MigTD> (docs/protocol.md §2.4): R12 = leaf | version 1 << 16, the
 * leaf's own registers in R13-R15, RBX, RDI; RCX exposes RDX, RBX, RSI, RDI
 * and R8-R15 (0xFFCC), as upstream does for these calls.
 */
int tdx_vmcall_migtd(uint16_t leaf, uint64_t r13, uint64_t r14, uint64_t r15, uint64_t rbx,
		     uint64_t rdi)
{
	struct tdx_regs r = { 0 };

	if (leaf < 1 || leaf > 4)
		return MIGTD_ERR_INVALID;
	r.r12 = GHCI_RAW_R12(leaf);
	r.r13 = r13;
	r.r14 = r14;
	r.r15 = r15;
	r.rbx = rbx;
	r.rdi = rdi;
	return vmcall(TDX_VMCALL_MIGTD, TDX_VMCALL_EXPOSE_MIGTD, &r);
}
