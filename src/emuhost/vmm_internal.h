/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * vmm_internal.h -- what vmm.c (the Service profile, relays, processes) and
 * vmm_raw.c (the vmcall-raw profile) share. Not a public header.
 */
#ifndef MIGTD_VMM_INTERNAL_H
#define MIGTD_VMM_INTERNAL_H

#include "emu_vmm.h"

/* One event line on stdout (unless v->quiet). */
void vmm_say(struct emu_vmm *v, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A ReportStatus for id: the request it settles, or NULL (stray). */
struct emu_vmm_request *vmm_on_report(struct emu_vmm_platform *p, uint64_t id, uint8_t status);

/* vmcall-raw to another host: a relay stream for r's bytes; returns the
 * VMM's end of it (a non-blocking socket), or -1. */
int vmm_raw_remote_attach(struct emu_vmm_platform *p, struct emu_vmm_request *r);

/* A free request slot taken for id (queued now, no user TD, not yet
 * delivered), or NULL if all are in use. */
struct emu_vmm_request *vmm_request_new(struct emu_vmm_platform *p, uint64_t id);
/* vmm_request_new with a user TD bound for it (StartMigration), in role
 * source on port; NULL if no slot or no user TD is free. */
struct emu_vmm_request *vmm_request_bound(struct emu_vmm_platform *p, uint64_t id, bool source,
					  uint32_t port);
/* Answer a held WaitForRequest with the oldest undelivered request (in
 * p's profile). */
void vmm_deliver(struct emu_vmm_platform *p);
/* The oldest request not yet handed to the MigTD, or NULL. */
struct emu_vmm_request *vmm_oldest_undelivered(struct emu_vmm_platform *p);
/* r has just answered the held WaitForRequest: record when and how. */
void vmm_mark_delivered(struct emu_vmm_platform *p, struct emu_vmm_request *r);

/* vmm_raw.c */
void vmm_raw_on_call(void *ctx, struct emu_link_conn *c, uint32_t seq, uint32_t leaf, size_t cap,
		     uint64_t r13, uint64_t r14, const uint8_t *buf, size_t len);
void vmm_raw_on_log_page(void *ctx, uint32_t vcpu, const uint8_t *page);
/* Answer the held WaitForRequest with the oldest undelivered request. */
void vmm_raw_deliver(struct emu_vmm_platform *p);
/* A remote request is over: close its relay end, free its queue. */
void vmm_raw_remote_close(struct emu_vmm_request *r);
/* Complete the Receives that have bytes waiting (each poll round). */
void vmm_raw_pump(struct emu_vmm *v);

#endif /* MIGTD_VMM_INTERNAL_H */
