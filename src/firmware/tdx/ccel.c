/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * ccel.c -- the CC event log ACPI table (docs/protocol.md §9.5).
 *
 * td-shim hands the payload a "CCEL" table that says where the log area is;
 * here the firmware is both, and the log is the one the core built when it
 * measured the policy and root CA (migtd_core_event_log). The area is filled
 * with 0xFF first, as td-shim does, so the byte after the last event -- the
 * byte readers need to see the last event at all -- is 0xFF as upstream's.
 *
 * Table (56 bytes, little-endian):
 *   0 "CCEL", 4 u32 length = 56, 8 u8 revision, 9 u8 checksum,
 *   10 OEMID[6], 16 OEM table id[8], 24 u32 OEM revision,
 *   28 u32 creator id, 32 u32 creator revision,
 *   36 u8 cc_type = 2 (TDX), 37 u8 cc_subtype = 0, 38 u16 reserved,
 *   40 u64 LAML (log area length), 48 u64 LASA (log area start GPA).
 */
#include "fw_tdx.h"

#include <string.h>

#include "migtd/err.h"
#include "migtd/wire.h"

#define CCEL_CHECKSUM_OFFSET 9

int fw_ccel_table_build(uint8_t *out, size_t cap, uint64_t lasa, uint64_t laml)
{
	struct wire_writer w;
	uint8_t sum = 0;
	int err;

	if (!out || cap < FW_CCEL_TABLE_SIZE)
		return MIGTD_ERR_LENGTH;
	migtd_wire_writer_init(&w, out, FW_CCEL_TABLE_SIZE);
	migtd_wire_write_bytes(&w, "CCEL", 4);
	migtd_wire_write_u32(&w, FW_CCEL_TABLE_SIZE);
	migtd_wire_write_u8(&w, FW_CCEL_REVISION);
	migtd_wire_write_u8(&w, 0); /* checksum, below */
	migtd_wire_write_bytes(&w, "MIGTDC", 6);
	migtd_wire_write_bytes(&w, "MIGTD-C ", 8);
	migtd_wire_write_u32(&w, 1);           /* OEM revision */
	migtd_wire_write_bytes(&w, "MTDC", 4); /* creator id */
	migtd_wire_write_u32(&w, 1);           /* creator revision */
	migtd_wire_write_u8(&w, FW_CCEL_CC_TYPE_TDX);
	migtd_wire_write_u8(&w, 0);  /* cc_subtype */
	migtd_wire_write_u16(&w, 0); /* reserved */
	migtd_wire_write_u64(&w, laml);
	migtd_wire_write_u64(&w, lasa);
	err = migtd_wire_writer_error(&w);
	if (err != MIGTD_OK)
		return err;
	if (migtd_wire_written(&w) != FW_CCEL_TABLE_SIZE)
		return MIGTD_ERR_LENGTH;
	/* ACPI: all bytes of the table, checksum included, sum to 0 mod 256. */
	for (size_t i = 0; i < FW_CCEL_TABLE_SIZE; i++)
		sum = (uint8_t)(sum + out[i]);
	out[CCEL_CHECKSUM_OFFSET] = (uint8_t)(0x100 - sum);
	return MIGTD_OK;
}

int fw_ccel_publish(uint8_t *area, size_t area_len, uint64_t area_gpa, const uint8_t *log,
		    size_t log_len, uint8_t table[FW_CCEL_TABLE_SIZE])
{
	if (!area || !log || !table || log_len == 0)
		return MIGTD_ERR_INVALID;
	/* At least one byte must follow the log (docs/protocol.md §9.5 iteration rule). */
	if (log_len >= area_len)
		return MIGTD_ERR_LENGTH;
	if (area_gpa > UINT64_MAX - area_len)
		return MIGTD_ERR_INVALID;
	memset(area, 0xFF, area_len);
	memcpy(area, log, log_len);
	return fw_ccel_table_build(table, FW_CCEL_TABLE_SIZE, area_gpa, area_len);
}
