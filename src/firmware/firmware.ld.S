/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * firmware.ld.S -- linker script of the firmware ELF (preprocessed with
 * config/image_layout.h). The payload (text, rodata, data) is linked to run
 * in RAM at FW_RAM_PAYLOAD_BASE and stored in the image at
 * FW_PAYLOAD_OFFSET; the reset vector page runs in place at the top of the
 * image. `objcopy -O binary` of this ELF is the image from FW_PAYLOAD_OFFSET
 * to the end; migtd-mkimage adds the CFV, the TdInfo and metadata pages and
 * the OVMF table.
 */
#include "image_layout.h"

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(fw_reset_vector)

SECTIONS
{
	.text FW_RAM_PAYLOAD_BASE : AT(FW_IMAGE_BASE + FW_PAYLOAD_OFFSET) {
		__fw_payload_start = .;
		*(.text .text.*)
	}
	.rodata : ALIGN(16) {
		*(.rodata .rodata.*)
	}
	.data : ALIGN(16) {
		*(.data .data.*)
		. = ALIGN(16);
	}
	__fw_load_end = .;
	.bss (NOLOAD) : ALIGN(4096) {
		__fw_bss_start = .;
		*(.bss .bss.* COMMON)
		. = ALIGN(16);
		__fw_bss_end = .;
	}
	__fw_payload_end = .;

	.resetvec (FW_IMAGE_BASE + FW_RESETVEC_OFFSET) : AT(FW_IMAGE_BASE + FW_RESETVEC_OFFSET) {
		KEEP(*(.resetvec))
	}

	/DISCARD/ : {
		*(.eh_frame*) *(.note*) *(.comment) *(.got*) *(.plt*) *(.rela*)
	}
}

ASSERT(__fw_load_end - FW_RAM_PAYLOAD_BASE <= FW_PAYLOAD_SIZE,
	"payload does not fit FW_PAYLOAD_SIZE (config/image_layout.h)")
ASSERT(__fw_payload_end <= FW_RAM_PAYLOAD_BASE + FW_RAM_PAYLOAD_SIZE,
	"payload + bss do not fit FW_RAM_PAYLOAD_SIZE (config/image_layout.h)")
ASSERT(SIZEOF(.resetvec) == FW_RESETVEC_SIZE, "reset vector page size")
