/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * emu_platform.h -- the MigTD side of the emulated TDX platform.
 *
 * Implements struct migtd_platform_ops by sending each operation over the
 * platform link (emu_link.h) to the emulated host and waiting for (the
 * synchronous TDCALL-style leaves) or polling for (Service, GetQuote) its
 * answer. The byte channel itself -- a Unix socket for the Linux program, a
 * virtio-serial port for the firmware -- is given as struct emu_link_io;
 * so is the clock, which is not the host's business on TDX either (TSC).
 * Freestanding-clean.
 *
 * Failure isolation (docs/vmm-failures.md): a malformed answer fails the one
 * call it answers and the link keeps working; a synchronous call the host
 * does not answer within sync_timeout_ms fails alone (its late answer is
 * dropped); only a link that is really gone -- end of stream, reset, a write
 * that fails, a frame header the stream cannot be resynchronised after --
 * sets lost, which the program treats as fatal (emu_platform_link_lost).
 */
#ifndef MIGTD_EMU_PLATFORM_H
#define MIGTD_EMU_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_link.h"
#include "migtd/platform.h"

/* Enough for every session's outstanding Service/GetQuote call, and in the
 * vmcall-raw profile its Send, Receive and ReportStatus. */
#define EMU_PLATFORM_MAX_PENDING 320
/* How long a TDCALL-style call waits for the host by default. */
#define EMU_PLATFORM_SYNC_TIMEOUT_MS 30000u

struct emu_platform_pending {
	bool used;
	bool done;
	uint16_t op;
	uint32_t seq;
	int result; /* MIGTD_OK or the error the host reported */
	void *call; /* struct migtd_service_call, migtd_quote_call or migtd_raw_call */
};

struct emu_platform {
	struct emu_link_io io;
	struct migtd_log *log; /* may be NULL */
	uint32_t next_seq;
	bool broken;              /* the link is gone: every call fails from now on */
	const char *lost_why;     /* why (static text), once broken */
	uint32_t sync_timeout_ms; /* a TDCALL-style call waits this long; 0: the default */
	uint64_t dropped;         /* answers to nothing pending (late, cancelled, bogus) */
	uint64_t malformed;       /* answers refused as malformed (their call failed) */
	bool in_log_page;         /* emu_platform_log_page is sending */
	size_t rx_len;
	struct emu_platform_pending pending[EMU_PLATFORM_MAX_PENDING];
	uint8_t rx[EMU_LINK_FRAME_MAX];
	uint8_t tx[EMU_LINK_FRAME_MAX];
};

extern const struct migtd_platform_ops emu_platform_ops;

/* Mirror a vmcall-raw log area page to the host (EMU_LINK_LOG_PAGE): on the
 * emulated platform this is how the VMM sees the "shared" page. */
int emu_platform_log_page(struct emu_platform *p, uint32_t vcpu, const uint8_t page[4096]);

void emu_platform_init(struct emu_platform *p, const struct emu_link_io *io, struct migtd_log *log);

/* Read and dispatch whatever the link holds now, without waiting (the
 * program calls it when the link is readable, so an end of stream is seen
 * even while the core has nothing in flight). MIGTD_OK, or
 * MIGTD_ERR_NETWORK once the link is lost. */
int emu_platform_service_link(struct emu_platform *p);

/* True once the link is really gone; *why (may be NULL) says how. A MigTD
 * cannot do anything without its platform: the program ends (docs/cli.md). */
bool emu_platform_link_lost(const struct emu_platform *p, const char **why);

#endif /* MIGTD_EMU_PLATFORM_H */
