/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * image_layout.h -- the ONE description of the firmware image and of the
 * RAM the firmware uses. Included by the reset vector (.S), the linker
 * script (preprocessed), the firmware C code and tools/migtd-mkimage, which
 * derives the TDVF metadata (docs/protocol.md §9.2) from these numbers. Change a size
 * here and everything else follows.
 *
 * Plain numbers only (no casts, no U/L suffixes): the assembler and the
 * linker read them too. Everything is 4 KiB aligned; the image size is a
 * multiple of 64 KiB (QEMU requires that of a -bios file).
 *
 * The image (file offset = GPA - FW_IMAGE_BASE), mapped to end at 4 GiB:
 *
 *   FW_CFV_OFFSET       CFV: empty firmware volume, policy + root CA enrolled
 *                       later by migtd-image (docs/protocol.md §9.3; added, not measured)
 *   FW_PAYLOAD_OFFSET   Payload: the C firmware (text, rodata, data image),
 *                       copied to FW_RAM_PAYLOAD_BASE at boot
 *   FW_BFV_OFFSET       BFV = TdInfo page, TDX metadata page, reset vector
 *                       page (16/32-bit entry, GDT, OVMF table, 0xFFFFFFF0)
 */
#ifndef MIGTD_IMAGE_LAYOUT_H
#define MIGTD_IMAGE_LAYOUT_H

#define FW_PAGE_SIZE 0x1000

/* ---- the file ----------------------------------------------------------- */
#define FW_IMAGE_SIZE 0x1A0000
#define FW_IMAGE_END 0x100000000 /* the image ends at 4 GiB */
#define FW_IMAGE_BASE (FW_IMAGE_END - FW_IMAGE_SIZE)

/* CFV: fv_length = 0xA0000 is what MigTD checks (docs/protocol.md §9.3). */
#define FW_CFV_OFFSET 0x0
#define FW_CFV_SIZE 0xA0000
#define FW_CFV_BLOCK_SIZE 0x1000

#define FW_PAYLOAD_OFFSET (FW_CFV_OFFSET + FW_CFV_SIZE)
#define FW_PAYLOAD_SIZE (FW_BFV_OFFSET - FW_PAYLOAD_OFFSET)

#define FW_BFV_SIZE 0x3000
#define FW_BFV_OFFSET (FW_IMAGE_SIZE - FW_BFV_SIZE)
#define FW_TDINFO_OFFSET FW_BFV_OFFSET
#define FW_TDINFO_SIZE 0x1000
#define FW_METADATA_OFFSET (FW_TDINFO_OFFSET + FW_TDINFO_SIZE)
#define FW_METADATA_SIZE 0x1000
#define FW_RESETVEC_OFFSET (FW_METADATA_OFFSET + FW_METADATA_SIZE)
#define FW_RESETVEC_SIZE 0x1000

/*
 * The last bytes of the reset vector page (OVMF convention, docs/protocol.md §9.2):
 *   end-0x10  16-byte reset entry (0xFFFFFFF0)
 *   end-0x20  u32 file offset of the TDVF descriptor (legacy locator)
 *   end-0x30  OVMF table footer GUID, u16 table length at end-0x32,
 *             table entries below it
 * FW_OVMF_TABLE_RESERVE bytes below end-0x20 are left zero by the reset
 * vector source; migtd-mkimage fills them (and refuses if they are not zero).
 */
#define FW_OVMF_TABLE_RESERVE 0x40

/* ---- RAM (guest-physical, identity mapped) ------------------------------ */
/*
 * TempMem: added with the image in a TD (usable without TDG.MEM.PAGE.ACCEPT),
 * plain RAM in a VM. Holds everything the boot path needs.
 */
#define FW_TEMPMEM_BASE 0x100000
#define FW_TEMPMEM_SIZE 0xF00000

/* Page tables: PML4, PDPT, 4 PD (2 MiB pages, 0..4 GiB), 1 PT (first 2 MiB). */
#define FW_RAM_PT_BASE 0x100000
#define FW_RAM_PT_SIZE 0x8000
/* Not present: a stack overflow faults here (#PF on the IST stack). */
#define FW_RAM_GUARD_BASE 0x108000
#define FW_RAM_STACK_BASE 0x109000
#define FW_RAM_STACK_SIZE 0x40000
#define FW_RAM_STACK_TOP (FW_RAM_STACK_BASE + FW_RAM_STACK_SIZE)
/*
 * The payload runs here: text, rodata, data, bss. The bss holds the core
 * (struct migtd_core, ~1.1 MiB for 64 session slots), the platform link's
 * two frame buffers (2 x 128 KiB) and the virtio-serial receive rings.
 */
#define FW_RAM_PAYLOAD_BASE 0x200000
#define FW_RAM_PAYLOAD_SIZE 0x600000
/* Heap for mbedTLS (MBEDTLS_MEMORY_BUFFER_ALLOC_C): a session's peak is
 * ~80 KB, ~240 KB with 34 KB certificates (record buffers, certificates,
 * the peer's quote chain); requests wait for room (docs/firmware-heap.md). */
#define FW_RAM_HEAP_BASE 0x800000
#define FW_RAM_HEAP_SIZE 0x800000

/* PermMem: the rest of a 32 MiB TD, PAGE_AUG (accepted by the firmware). */
#define FW_PERMMEM_BASE (FW_TEMPMEM_BASE + FW_TEMPMEM_SIZE)
#define FW_PERMMEM_SIZE (0x2000000 - FW_PERMMEM_BASE)

/*
 * DMA region for virtio: every ring and buffer a device reads or writes
 * (src/firmware/virtio.h). One block so that the TD path can accept it and
 * convert it to shared (MapGPA) in one go; in a plain VM it is plain RAM.
 */
#define FW_RAM_DMA_BASE FW_PERMMEM_BASE
#define FW_RAM_DMA_SIZE 0x200000

/* Fixed MMIO window the firmware assigns PCI BARs from (docs/protocol.md §4.1). */
#define FW_MMIO32_BASE 0xC0000000
#define FW_MMIO32_SIZE 0x20000000

/* Segment selectors of the boot GDT (reset vector) and of the runtime GDT. */
#define FW_SEL_CODE32 0x08
#define FW_SEL_DATA 0x10
#define FW_SEL_CODE64 0x18
#define FW_SEL_TSS 0x20

/* isa-debug-exit (QEMU -device isa-debug-exit,iobase=0xf4): exit status 2v+1. */
#define FW_DEBUG_EXIT_PORT 0xf4
#define FW_EXIT_OK 0x10   /* QEMU exits 33 */
#define FW_EXIT_FAIL 0x11 /* QEMU exits 35 */

/*
 * Build record in the payload (16-byte aligned, FW_BUILD_INFO_SIZE bytes):
 * the 8-byte magic, then the name of the stream transport compiled in
 * ("virtio-vsock", "virtio-serial", ...), NUL-padded. migtd-image info
 * scans the payload for it (docs/firmware-transports.md).
 */
#define FW_BUILD_INFO_MAGIC "MIGTDBLD"
#define FW_BUILD_INFO_MAGIC_LEN 8
#define FW_BUILD_INFO_SIZE 32

#endif /* MIGTD_IMAGE_LAYOUT_H */
