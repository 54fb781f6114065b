/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * platform.h -- the one boundary between the migtd-c core and the platform
 * (README.md, "Architecture"): the TDX module (TDCALLs), the VMM (TDVMCALLs), the
 * quote service behind the VMM, and the MigTD<->MigTD byte streams.
 *
 * Shape (Gramine PAL style): tables of function pointers, each with the
 * opaque context of whoever implements it, collected in one caller-owned
 * struct migtd_platform that the core receives explicitly. There are three
 * groups because three different layers provide them, chosen at link time:
 *
 *   ops/ctx              TDX module + VMM + quotes + clock:
 *                        src/platform/tdx (TDCALL) or src/platform/emu
 *   stream_ops/stream_ctx  MigTD<->MigTD streams: src/transport (virtio-vsock,
 *                        vmcall-raw, ...), independent of the backend
 *   log                  the log sink (serial console, stderr, VMM log area)
 *
 * A test fills the tables with fakes. The core never calls a hook directly:
 * it uses the migtd_plat_* wrappers below, which turn a missing hook into
 * MIGTD_ERR_UNSUPPORTED.
 *
 * Conventions for every hook: return MIGTD_OK or a negative enum migtd_err;
 * MIGTD_ERR_AGAIN means "not finished / busy, call again later" and is
 * never a final failure; a failing TDCALL is MIGTD_ERR_TDCALL (status 4,
 * docs/protocol.md §1.5), a failing TDVMCALL MIGTD_ERR_VMCALL. Buffers passed in are
 * private memory owned by the caller; a backend that needs shared memory
 * copies in and out itself (docs/protocol.md §2: validate only private copies).
 * Nothing blocks except the synchronous TDCALL-style hooks, which are
 * bounded by the TDX module.
 */
#ifndef MIGTD_PLATFORM_H
#define MIGTD_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/err.h"
#include "migtd/log.h"
#include "migtd/tdreport.h"
#include "migtd/tdx_abi.h"


/* Target TD UUID (HOB target_td_uuid, docs/protocol.md §2.3.1): passed verbatim in R10..R13. */
struct migtd_td_uuid {
	uint64_t w[4];
};

/* A service-TD binding to one user TD (docs/protocol.md §2.3.1, §3 SERVTD.RD/WR). */
struct migtd_servtd_binding {
	uint64_t handle;           /* binding_handle, RCX */
	struct migtd_td_uuid uuid; /* target TD UUID, R10..R13 */
};

/*
 * One TDG.VP.VMCALL<Service> exchange (docs/protocol.md §2.2). The caller builds the
 * whole command buffer (GUID, length, reserved, data) and pre-fills the
 * response header (GUID, Length = rsp_cap, Status); on completion the
 * backend has copied rsp_cap bytes of the VMM's response back into rsp.
 * The caller owns the struct until the call completed (poll returned
 * anything but MIGTD_ERR_AGAIN).
 */
struct migtd_service_call {
	const uint8_t *cmd;
	size_t cmd_len; /* <= one page in the TDX backend */
	uint8_t *rsp;
	size_t rsp_cap;   /* <= one page in the TDX backend */
	uint64_t wait_ms; /* R15: 0 except vmcall-vsock (its timeout) */
	void *plat;       /* backend bookkeeping; the core leaves it alone */
};

/*
 * One TDG.VP.VMCALL<GetQuote> (docs/protocol.md §2.6). buf holds the GHCI GetQuote
 * buffer (24-byte header + QGS message) built by the caller, len bytes of
 * it meaningful, cap bytes available; on completion the backend has copied
 * the buffer back (min(cap, its shared buffer) bytes). The status word the
 * VMM left in the buffer's header is judged by the caller, once, from that
 * copy (migtd_ghci_getquote_rsp_parse); the backend keeps no second copy of it.
 */
struct migtd_quote_call {
	uint8_t *buf;
	size_t len;
	size_t cap;
	void *plat;
};


/*
 * One TDG.VP.VMCALL<MigTD> "vmcall-raw" call (docs/vmcall-raw.md, docs/protocol.md
 * §2.4): leaf 1 WaitForRequest, 2 ReportStatus, 3 Send, 4 Receive. buf holds
 * the GHCI 1.5 data buffer the caller built ({u64 data_status, u32 length,
 * payload}), len bytes of it meaningful, cap bytes the buffer length given to
 * the VMM (R13/R14/R15 of the leaf). The backend picks the completion vector
 * (0x50 for leaves 1/2, 0x52 for 3/4). When poll says MIGTD_OK, the VMM has
 * completed the call (its vector fired for this call) and the backend has
 * copied cap bytes of the shared buffer back into buf; the caller judges them
 * (migtd_ghci_raw_* parsers). The caller owns the struct until then.
 */
struct migtd_raw_call {
	uint16_t leaf;           /* enum ghci_raw_leaf */
	uint64_t mig_request_id; /* R13 of ReportStatus, Send, Receive */
	uint64_t status_word;    /* R14 of ReportStatus */
	uint8_t *buf;
	size_t len;
	size_t cap;
	void *plat; /* backend bookkeeping */
};

/* TDX module, VMM, quote service and clock. Randomness is not here: mbedTLS
 * draws it through the one link-time hook mbedtls_psa_external_get_random,
 * defined once per binary (docs/layout.md), and the core draws none itself. */
struct migtd_platform_ops {
	/* §3 TDG.MR.REPORT (leaf 4): TDREPORT_STRUCT over report_data. */
	int (*mr_report)(void *ctx, const uint8_t report_data[TDREPORT_REPORT_DATA_SIZE],
			 uint8_t tdreport[TDREPORT_STRUCT_SIZE]);
	/* §3 TDG.MR.RTMR.EXTEND (leaf 2): RTMR[index] = SHA384(RTMR || digest), index 0..3. */
	int (*mr_rtmr_extend)(void *ctx, unsigned int index,
			      const uint8_t digest[TDX_RTMR_DIGEST_SIZE]);
	/* §3/§3.1 TDG.SERVTD.RD (leaf 18): a field of the bound user TD. */
	int (*servtd_rd)(void *ctx, const struct migtd_servtd_binding *b, uint64_t field_id,
			 uint64_t *value);
	/* §3/§3.1 TDG.SERVTD.WR (leaf 20): write value under mask; old value (may be NULL). */
	int (*servtd_wr)(void *ctx, const struct migtd_servtd_binding *b, uint64_t field_id,
			 uint64_t value, uint64_t mask, uint64_t *old_value);
	/* §3/§3.1 TDG.SYS.RD (leaf 11): TDX module global metadata (version ranges). */
	int (*sys_rd)(void *ctx, uint64_t field_id, uint64_t *value);

	/* §2.2 TDG.VP.VMCALL<Service>: start a call; MIGTD_ERR_AGAIN if the VMM
	 * asked to retry or the backend's one channel is busy. */
	int (*service_start)(void *ctx, struct migtd_service_call *call);
	/* MIGTD_ERR_AGAIN until the response is in call->rsp, then MIGTD_OK. */
	int (*service_poll)(void *ctx, struct migtd_service_call *call);

	/* §2.6 TDG.VP.VMCALL<GetQuote> (+ SetupEventNotifyInterrupt): start. */
	int (*quote_start)(void *ctx, struct migtd_quote_call *call);
	/* MIGTD_ERR_AGAIN while the VMM has not answered; MIGTD_OK when the buffer
	 * is back (the core judges it once, with migtd_ghci_getquote_rsp_parse()). */
	int (*quote_poll)(void *ctx, struct migtd_quote_call *call);

	/* Monotonic milliseconds since an arbitrary origin (timeouts, back-off). */
	uint64_t (*now_ms)(void *ctx);

	/* Give up on a started GetQuote the VMM has not answered (the core
	 * bounds the wait, docs/status-codes.md): afterwards the backend never
	 * touches call or call->buf again. A late answer is discarded; a backend
	 * whose shared buffer is still in flight refuses the next quote_start
	 * with MIGTD_ERR_AGAIN until the VMM let go of it. */
	int (*quote_cancel)(void *ctx, struct migtd_quote_call *call);

	/* Give up on a started Service call the VMM has not answered
	 * (ReportStatus, Query: the core bounds those waits,
	 * docs/vmm-failures.md): afterwards the backend never touches call,
	 * call->rsp or call->cmd again; a late answer is discarded. */
	int (*service_cancel)(void *ctx, struct migtd_service_call *call);

	/* §2.4 TDG.VP.VMCALL<MigTD> (vmcall-raw profile only): start a call;
	 * MIGTD_ERR_AGAIN if the VMM asked to retry or no slot is free. */
	int (*raw_start)(void *ctx, struct migtd_raw_call *call);
	/* MIGTD_ERR_AGAIN until the VMM completed it, then MIGTD_OK (buf filled). */
	int (*raw_poll)(void *ctx, struct migtd_raw_call *call);
	/* Stop waiting for a started call (a stream closed with a Receive
	 * posted): the backend never touches call or call->buf again; a late
	 * completion is dropped. */
	int (*raw_cancel)(void *ctx, struct migtd_raw_call *call);
};

/* Where a session's stream goes (docs/protocol.md §2.3.1, §2.3.2, §4). */
struct migtd_stream_params {
	uint64_t mig_request_id; /* vmcall-raw: R13 of Send/Receive */
	uint64_t peer_cid;       /* vsock: mig_td_cid (low 32 bits used) */
	uint32_t peer_port;      /* vsock: mig_channel_port */
	bool migration_source;
};

/*
 * §4 MigTD<->MigTD byte stream through the local VMM: ordered, reliable,
 * non-blocking. A stream is named by a small handle chosen by the transport.
 */
struct migtd_stream_ops {
	/* Start opening; sends/receives return MIGTD_ERR_AGAIN until connected. */
	int (*open)(void *ctx, const struct migtd_stream_params *params, uint32_t *stream);
	/* Queue up to len bytes: *sent >= 1 with MIGTD_OK, or MIGTD_ERR_AGAIN. */
	int (*send)(void *ctx, uint32_t stream, const void *buf, size_t len, size_t *sent);
	/* Up to cap bytes: *got >= 1 with MIGTD_OK; *got = 0 with MIGTD_OK means
	 * the peer closed; MIGTD_ERR_AGAIN if nothing is there yet; a VMM
	 * cancellation is MIGTD_ERR_VMM_CANCELED. */
	int (*recv)(void *ctx, uint32_t stream, void *buf, size_t cap, size_t *got);
	/* Orderly shutdown (vsock SHUTDOWN/RST, §4.1): MIGTD_ERR_AGAIN until
	 * done; after any other return the handle is gone. */
	int (*close)(void *ctx, uint32_t stream);
};

struct migtd_platform {
	const struct migtd_platform_ops *ops;
	void *ctx;
	const struct migtd_stream_ops *stream_ops;
	void *stream_ctx;
	struct migtd_log log; /* the log sink (sink NULL: logging off) */
};

/* ---- what the core calls ------------------------------------------------ */

#define MIGTD_PLAT_CALL(p, hook, ...) \
	((p)->ops && (p)->ops->hook ? (p)->ops->hook((p)->ctx, __VA_ARGS__) : MIGTD_ERR_UNSUPPORTED)
#define MIGTD_STREAM_CALL(p, hook, ...)                                \
	((p)->stream_ops && (p)->stream_ops->hook                      \
		 ? (p)->stream_ops->hook((p)->stream_ctx, __VA_ARGS__) \
		 : MIGTD_ERR_UNSUPPORTED)

static inline int migtd_plat_mr_report(const struct migtd_platform *p,
				       const uint8_t report_data[TDREPORT_REPORT_DATA_SIZE],
				       uint8_t tdreport[TDREPORT_STRUCT_SIZE])
{
	return MIGTD_PLAT_CALL(p, mr_report, report_data, tdreport);
}

static inline int migtd_plat_rtmr_extend(const struct migtd_platform *p, unsigned int index,
					 const uint8_t digest[TDX_RTMR_DIGEST_SIZE])
{
	if (index >= TDX_RTMR_COUNT)
		return MIGTD_ERR_INVALID;
	return MIGTD_PLAT_CALL(p, mr_rtmr_extend, index, digest);
}

static inline int migtd_plat_servtd_rd(const struct migtd_platform *p,
				       const struct migtd_servtd_binding *b, uint64_t field_id,
				       uint64_t *value)
{
	return MIGTD_PLAT_CALL(p, servtd_rd, b, field_id, value);
}

static inline int migtd_plat_servtd_wr(const struct migtd_platform *p,
				       const struct migtd_servtd_binding *b, uint64_t field_id,
				       uint64_t value, uint64_t mask, uint64_t *old_value)
{
	return MIGTD_PLAT_CALL(p, servtd_wr, b, field_id, value, mask, old_value);
}

static inline int migtd_plat_sys_rd(const struct migtd_platform *p, uint64_t field_id,
				    uint64_t *value)
{
	return MIGTD_PLAT_CALL(p, sys_rd, field_id, value);
}

static inline int migtd_plat_service_start(const struct migtd_platform *p,
					   struct migtd_service_call *call)
{
	return MIGTD_PLAT_CALL(p, service_start, call);
}

static inline int migtd_plat_service_poll(const struct migtd_platform *p,
					  struct migtd_service_call *call)
{
	return MIGTD_PLAT_CALL(p, service_poll, call);
}

static inline int migtd_plat_quote_start(const struct migtd_platform *p,
					 struct migtd_quote_call *call)
{
	return MIGTD_PLAT_CALL(p, quote_start, call);
}

static inline int migtd_plat_quote_poll(const struct migtd_platform *p,
					struct migtd_quote_call *call)
{
	return MIGTD_PLAT_CALL(p, quote_poll, call);
}

static inline int migtd_plat_quote_cancel(const struct migtd_platform *p,
					  struct migtd_quote_call *call)
{
	return MIGTD_PLAT_CALL(p, quote_cancel, call);
}

static inline int migtd_plat_service_cancel(const struct migtd_platform *p,
					    struct migtd_service_call *call)
{
	return MIGTD_PLAT_CALL(p, service_cancel, call);
}

static inline int migtd_plat_raw_start(const struct migtd_platform *p, struct migtd_raw_call *call)
{
	return MIGTD_PLAT_CALL(p, raw_start, call);
}

static inline int migtd_plat_raw_poll(const struct migtd_platform *p, struct migtd_raw_call *call)
{
	return MIGTD_PLAT_CALL(p, raw_poll, call);
}

static inline int migtd_plat_raw_cancel(const struct migtd_platform *p, struct migtd_raw_call *call)
{
	return MIGTD_PLAT_CALL(p, raw_cancel, call);
}

/* 0 if the platform has no clock (then every timeout is "not yet"). */
static inline uint64_t migtd_plat_now_ms(const struct migtd_platform *p)
{
	return p->ops && p->ops->now_ms ? p->ops->now_ms(p->ctx) : 0;
}

static inline int migtd_plat_stream_open(const struct migtd_platform *p,
					 const struct migtd_stream_params *params, uint32_t *stream)
{
	return MIGTD_STREAM_CALL(p, open, params, stream);
}

static inline int migtd_plat_stream_send(const struct migtd_platform *p, uint32_t stream,
					 const void *buf, size_t len, size_t *sent)
{
	return MIGTD_STREAM_CALL(p, send, stream, buf, len, sent);
}

static inline int migtd_plat_stream_recv(const struct migtd_platform *p, uint32_t stream, void *buf,
					 size_t cap, size_t *got)
{
	return MIGTD_STREAM_CALL(p, recv, stream, buf, cap, got);
}

static inline int migtd_plat_stream_close(const struct migtd_platform *p, uint32_t stream)
{
	return MIGTD_STREAM_CALL(p, close, stream);
}

/* The platform's log, for migtd_logf() and the MIGTD_INFO()... macros. */
static inline const struct migtd_log *migtd_plat_log(const struct migtd_platform *p)
{
	return &p->log;
}

#endif /* MIGTD_PLATFORM_H */
