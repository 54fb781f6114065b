/*
 * session_internal.h -- what core.c (boot, request loop) and session.c (the
 * per-request state machine) share. Not a public header.
 */
#ifndef MIGTD_SESSION_INTERNAL_H
#define MIGTD_SESSION_INTERNAL_H

#include "migtd/session.h"

/* RTMR0..3 inside the 822-byte verified report: TD report body bytes
 * 328..520 (tee_tcb_svn 16, mrseam 48, mrsignerseam 48, seam attributes 8,
 * td attributes 8, xfam 8, mrtd/mrconfigid/mrowner/mrownerconfig 4 x 48). */
#define MIGTD_REPORT_RTMR_OFFSET 328u

static inline const struct migtd_log *core_log(const struct migtd_core *c)
{
	return migtd_plat_log(c->plat);
}

/* Start a session in slot s for a parsed request (state OPEN). */
void session_begin(struct migtd_core *c, struct migtd_session *s,
		   const struct migtd_migration_request *req, uint64_t now);

/* The time this session wants to be polled again (0: only on I/O). */
uint64_t session_wakeup(const struct migtd_session *s, uint64_t now);

/* Drop a session without a report (fini): free TLS, close, wipe. */
void session_discard(struct migtd_session *s);

#endif /* MIGTD_SESSION_INTERNAL_H */
