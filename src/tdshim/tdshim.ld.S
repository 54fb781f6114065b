/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdshim.ld.S -- the shim ROM: the payload runs in RAM at TDSHIM_RAM_BASE
 * and is stored at the ROM's start; the reset page runs in place at the
 * top of 4 GiB. objcopy -O binary gives the TDSHIM_ROM_SIZE -bios file.
 */
#include "tdshim_layout.h"

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(reset16)

SECTIONS
{
	.text TDSHIM_RAM_BASE : AT(TDSHIM_ROM_BASE) {
		*(.text .text.*)
	}
	.rodata : ALIGN(16) {
		*(.rodata .rodata.*)
	}
	.data : ALIGN(16) {
		*(.data .data.*)
		. = ALIGN(16);
	}
	__shim_load_end = .;
	.bss (NOLOAD) : ALIGN(4096) {
		__shim_bss_start = .;
		*(.bss .bss.* COMMON)
		. = ALIGN(16);
		__shim_bss_end = .;
	}
	.resetvec TDSHIM_RESET_PAGE : AT(TDSHIM_RESET_PAGE) {
		KEEP(*(.resetvec))
	}
	/DISCARD/ : {
		*(.eh_frame*) *(.note*) *(.comment) *(.got*) *(.plt*) *(.rela*)
	}
}

ASSERT(__shim_load_end - TDSHIM_RAM_BASE <= TDSHIM_ROM_SIZE - 0x1000, "shim payload too big")
ASSERT(__shim_bss_end <= TDSHIM_STACK_TOP - 0x100000, "shim bss runs into the stack")
