/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdshim_layout.h -- fixed addresses of the shim ROM (docs/td-under-shim.md),
 * shared by its assembly, linker script and C. The image addresses come
 * from config/image_layout.h (the same build the image has).
 */
#ifndef MIGTD_TDSHIM_LAYOUT_H
#define MIGTD_TDSHIM_LAYOUT_H

#define TDSHIM_ROM_SIZE 0x40000
#define TDSHIM_ROM_BASE (0x100000000 - TDSHIM_ROM_SIZE)
#define TDSHIM_RESET_PAGE 0xFFFFF000

#define TDSHIM_RAM_SIZE 0x10000000    /* the VM's -m 256M */
#define TDSHIM_PRIVATE_HPA 0x4000000  /* 64 MiB + GPA */
#define TDSHIM_TD_GPA_LIMIT 0x2000000 /* TD RAM: GPA [0, 32 MiB) */
#define TDSHIM_IMAGE_HPA 0x6000000    /* -device loader,addr= */
#define TDSHIM_RAM_BASE 0x8000000     /* code, data, bss */
#define TDSHIM_PT_BASE 0x7FF0000      /* L1's own page tables (boot.S) */
#define TDSHIM_STACK_TOP 0x9F00000    /* L1 boot stack (top) */
#define TDSHIM_DMA_HPA 0xA000000      /* L1's virtio DMA region */
#define TDSHIM_HPA_WINDOW 0x100000000 /* VA 4 GiB + x -> HPA x, x < 1 GiB */
/* The TD's PCI BARs come from FW_MMIO32 [0xC0000000, 0xD0000000); this
 * ROM's own device from the window just below ECAM. */
#define TDSHIM_MMIO_BASE 0xD0000000
#define TDSHIM_MMIO_SIZE 0x10000000
#define TDSHIM_ALIAS_GPA 0x800000000000 /* 1 << 47: the ivshmem alias BAR */

#endif /* MIGTD_TDSHIM_LAYOUT_H */
