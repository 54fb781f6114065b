/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * acpi.c -- the ACPI table list of the TD: RSDP -> XSDT -> tables (the
 * CCEL table of ccel.c, docs/protocol.md §9.5), so a reader that starts from the RSDP,
 * as td-shim's consumers do, finds the event log. Built with the wire
 * writer, checksums per ACPI 6.x (all bytes of a table sum to 0; the RSDP
 * has one over its first 20 bytes and an extended one over all 36).
 */
#include "fw_tdx.h"

#include "migtd/err.h"
#include "migtd/wire.h"

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

int fw_acpi_list_build(uint8_t rsdp[FW_ACPI_RSDP_SIZE], uint8_t *xsdt, size_t xsdt_cap,
		       uint64_t xsdt_gpa, const uint64_t *tables, size_t n)
{
	struct wire_writer w;
	uint32_t xlen;
	int err;

	if (!rsdp || !xsdt || (!tables && n) || n == 0 || n > FW_ACPI_XSDT_MAX)
		return MIGTD_ERR_INVALID;
	xlen = FW_ACPI_XSDT_SIZE((uint32_t)n);
	if (xsdt_cap < xlen)
		return MIGTD_ERR_LENGTH;
	for (size_t i = 0; i < n; i++)
		if (tables[i] == 0)
			return MIGTD_ERR_INVALID;

	migtd_wire_writer_init(&w, xsdt, xlen);
	migtd_wire_write_bytes(&w, "XSDT", 4);
	migtd_wire_write_u32(&w, xlen);
	migtd_wire_write_u8(&w, 1); /* revision */
	migtd_wire_write_u8(&w, 0); /* checksum, below */
	migtd_wire_write_bytes(&w, "MIGTDC", 6);
	migtd_wire_write_bytes(&w, "MIGTD-C ", 8);
	migtd_wire_write_u32(&w, 1);
	migtd_wire_write_bytes(&w, "MTDC", 4);
	migtd_wire_write_u32(&w, 1);
	for (size_t i = 0; i < n; i++)
		migtd_wire_write_u64(&w, tables[i]);
	err = migtd_wire_writer_error(&w);
	if (err)
		return err;
	xsdt[9] = (uint8_t)(0x100 - sum8(xsdt, xlen));

	migtd_wire_writer_init(&w, rsdp, FW_ACPI_RSDP_SIZE);
	migtd_wire_write_bytes(&w, "RSD PTR ", 8);
	migtd_wire_write_u8(&w, 0); /* checksum of bytes 0..19, below */
	migtd_wire_write_bytes(&w, "MIGTDC", 6);
	migtd_wire_write_u8(&w, 2);  /* revision: ACPI 2.0+, XSDT valid */
	migtd_wire_write_u32(&w, 0); /* no RSDT */
	migtd_wire_write_u32(&w, FW_ACPI_RSDP_SIZE);
	migtd_wire_write_u64(&w, xsdt_gpa);
	migtd_wire_write_u8(&w, 0); /* extended checksum, below */
	migtd_wire_write_u8(&w, 0), migtd_wire_write_u8(&w, 0), migtd_wire_write_u8(&w, 0);
	err = migtd_wire_writer_error(&w);
	if (err)
		return err;
	rsdp[8] = (uint8_t)(0x100 - sum8(rsdp, 20));
	rsdp[32] = (uint8_t)(0x100 - sum8(rsdp, FW_ACPI_RSDP_SIZE));
	return MIGTD_OK;
}
