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

struct emu_platform_pending {
	bool used;
	bool done;
	uint16_t op;
	uint32_t seq;
	int result; /* MIGTD_OK or the error the host reported */
	void *call; /* struct migtd_service_call or migtd_quote_call */
};

struct emu_platform {
	struct emu_link_io io;
	struct migtd_log *log; /* may be NULL */
	uint32_t next_seq;
	bool broken;      /* the link failed: every call fails from now on */
	bool in_log_page; /* emu_platform_log_page is sending */
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

#endif /* MIGTD_EMU_PLATFORM_H */
