/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tr_serial_link.h -- a plain VM's emulated platform link over the
 * virtio-serial port named "migtd.link" (the serial builds' reserved port,
 * docs/firmware-transports.md). Shared by tr_serial.c and tr_serial_ports.c.
 */
#ifndef MIGTD_TR_SERIAL_LINK_H
#define MIGTD_TR_SERIAL_LINK_H

#include "emu_platform.h"

struct vser;

#define TR_SERIAL_LINK_PORT "migtd.link"

/* Open the link port (bounded wait) and fill link's ctx/write_all/read. */
int tr_serial_link_open(struct vser *ser, struct emu_link_io *link);

#endif /* MIGTD_TR_SERIAL_LINK_H */
