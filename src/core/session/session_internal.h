/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * session_internal.h -- what core.c (boot, request loop) and session.c (the
 * per-request state machine) share. Not a public header.
 */
#ifndef MIGTD_SESSION_INTERNAL_H
#define MIGTD_SESSION_INTERNAL_H

#include "migtd/session.h"

static inline const struct migtd_log *core_log(const struct migtd_core *c)
{
	return migtd_plat_log(c->plat);
}

/* Start a session in slot s for a parsed request (state OPEN). */
void migtd_session_begin(struct migtd_core *c, struct migtd_session *s,
			 const struct migtd_migration_request *req, uint64_t now);

/* The time this session wants to be polled again (0: only on I/O). */
uint64_t migtd_session_wakeup(const struct migtd_session *s, uint64_t now);

/* Drop a session without a report (fini): free TLS, close, wipe. */
void migtd_session_discard(struct migtd_session *s);

#endif /* MIGTD_SESSION_INTERNAL_H */
