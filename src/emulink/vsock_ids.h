/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * vsock_ids.h -- the vsock addresses the firmware and the emulated host
 * agree on (docs/vsock.md). One header for both sides so they cannot drift.
 *
 * docs/protocol.md §4.1: a MigTD connects, as a client, to (mig_td_cid, mig_channel_port)
 * from the request's MigtdStreamSocketInfo HOB, from local ports 40001,
 * 40002, ... (never reused), and the stream carries raw TLS bytes.
 */
#ifndef MIGTD_VSOCK_IDS_H
#define MIGTD_VSOCK_IDS_H

/* The host's CID (VMADDR_CID_HOST). */
#define MIGTD_VSOCK_HOST_CID 2u
/* First local port of a MigTD's session streams (docs/protocol.md §4.1). */
#define MIGTD_VSOCK_FIRST_LOCAL_PORT 40001u
/*
 * A PLAIN (non-TD) VM's emulated platform link: at boot the firmware
 * connects to (MIGTD_VSOCK_HOST_CID, this port) and speaks the MLNK frames of
 * src/emulink/emu_link.h over that stream. A TD never uses it.
 */
#define MIGTD_EMU_LINK_VSOCK_PORT 5100u
/* Guest CIDs of the demo's two VMs (the device backend sets them). */
#define MIGTD_VSOCK_DEMO_SRC_CID 18u
#define MIGTD_VSOCK_DEMO_DST_CID 19u

#endif /* MIGTD_VSOCK_IDS_H */
