/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fw_transport.h -- the one thing that differs between firmware images:
 * how session streams (and, in a plain VM, the emulated platform link)
 * reach the host. Exactly one tr_*.c is linked into an image (the Makefile's
 * TRANSPORT, like upstream's cargo features, docs/protocol.md §0.2); fw_migtd.c runs the
 * same core over whichever it is. docs/firmware-transports.md describes them.
 */
#ifndef MIGTD_FW_TRANSPORT_H
#define MIGTD_FW_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "emu_platform.h"
#include "migtd/platform.h"
#include "migtd/session.h"

struct fw_transport {
	const char *name;
	/* The Socket-Info HOB is needed to know where to connect (vsock only). */
	bool require_socket_info;
	/*
	 * Find and start the device. In a plain VM (link != NULL) also open the
	 * emulated platform link and fill *link (ctx, write_all, read); the
	 * caller adds now_ms. 0, or a MIGTD_ERR_* (nothing to serve).
	 */
	int (*start)(struct emu_link_io *link);
	const struct migtd_stream_ops *stream_ops;
	void *stream_ctx;
	/* Called between core polls (housekeeping such as control resyncs). */
	void (*between_polls)(void);
	/* NULL, or (vmcall-raw) set the platform's streams and the core's
	 * profile once the platform is chosen (docs/vmcall-raw.md). */
	void (*bind)(struct migtd_platform *plat, struct migtd_config *cfg);
};

extern const struct fw_transport fw_transport;

/*
 * The image's build record (config/image_layout.h, FW_BUILD_INFO_*): magic,
 * then the transport name, NUL-padded. migtd-image info finds it in the
 * payload. It is code-adjacent data inside the measured payload, so it
 * changes MRTD exactly when the transport code does and leaves the
 * SERVTD_INFO_HASH computation (docs/protocol.md §9.6) untouched.
 */
#define FW_BUILD_INFO(transport_name)                                        \
	__attribute__((used, aligned(16), section(".rodata.fw_build_info"))) \
	const char fw_build_info[FW_BUILD_INFO_SIZE] = FW_BUILD_INFO_MAGIC transport_name

#endif /* MIGTD_FW_TRANSPORT_H */
