/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fw_cfg.c -- QEMU's firmware configuration interface (I/O ports 0x510
 * selector, 0x511 data), used only in a plain VM to pick self-tests from
 * the command line (-fw_cfg name=opt/migtd/test,string=ud). Never used in
 * a TD: its contents come from the VMM and are not measured.
 */
#include "../fw.h"

#include <string.h>

#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019

static void cfg_read(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n--)
		*p++ = fw_inb(FW_CFG_DATA);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int fw_cfg_read_file(const char *name, char *buf, size_t cap)
{
	uint8_t sig[4], hdr[4], ent[64];
	uint32_t count;

	if (fw_is_td || cap == 0)
		return -1;
	fw_outw(FW_CFG_SEL, FW_CFG_SIGNATURE);
	cfg_read(sig, sizeof(sig));
	if (memcmp(sig, "QEMU", 4) != 0)
		return -1;
	fw_outw(FW_CFG_SEL, FW_CFG_FILE_DIR);
	cfg_read(hdr, sizeof(hdr));
	count = be32(hdr);
	/* Entry: u32 size, u16 select, u16 reserved, char name[56] (big endian). */
	for (uint32_t i = 0; i < count && i < 1024; i++) {
		uint32_t size;
		uint16_t sel;

		cfg_read(ent, sizeof(ent));
		ent[63] = 0;
		if (strcmp((const char *)&ent[8], name) != 0)
			continue;
		size = be32(ent);
		sel = (uint16_t)(ent[4] << 8 | ent[5]);
		if (size >= cap)
			size = (uint32_t)(cap - 1);
		fw_outw(FW_CFG_SEL, sel);
		cfg_read(buf, size);
		buf[size] = '\0';
		return 0;
	}
	return -1;
}
