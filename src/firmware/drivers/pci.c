/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * pci.c -- PCI configuration space through PCIe ECAM (docs/protocol.md §4.1).
 *
 * Q35's ECAM window is off at reset: program the host bridge's PCIEXBAR
 * (0:0.0, offsets 0x60/0x64) once through the legacy 0xCF8/0xCFC
 * mechanism -- disable, high half 0, then base 0xE0000000 with the enable
 * bit (length field 0 = 256 MiB, buses 0..255) -- and from then on use
 * only ECAM: base + bus<<20 + dev<<15 + fn<<12 + offset.
 */
#include "../fw.h"

#define PCI_CF8 0xCF8
#define PCI_CFC 0xCFC
#define Q35_PCIEXBAR 0x60
#define FW_ECAM_BASE 0xE0000000ULL
#define PCIEXBAR_EN 0x1

static void legacy_write32(uint8_t off, uint32_t v)
{
	/* Bus 0, device 0, function 0: enable bit + register offset. */
	fw_outl(PCI_CF8, 0x80000000u | off);
	fw_outl(PCI_CFC, v);
}

void fw_pci_init(void)
{
	legacy_write32(Q35_PCIEXBAR, 0);
	legacy_write32(Q35_PCIEXBAR + 4, 0);
	legacy_write32(Q35_PCIEXBAR, (uint32_t)FW_ECAM_BASE | PCIEXBAR_EN);
}

static uint64_t ecam(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	return FW_ECAM_BASE + ((uint64_t)bus << 20) + ((uint64_t)(dev & 31) << 15) +
	       ((uint64_t)(fn & 7) << 12) + (off & 0xFFC);
}

uint32_t fw_pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	return fw_mmio_read32(ecam(bus, dev, fn, off));
}

void fw_pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t v)
{
	fw_mmio_write32(ecam(bus, dev, fn, off), v);
}

int fw_pci_find(uint16_t vendor, uint16_t device, uint8_t *dev_out)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		uint32_t id = fw_pci_read32(0, dev, 0, 0x00);

		if ((id & 0xFFFF) == vendor && (id >> 16) == device) {
			*dev_out = dev;
			return 0;
		}
	}
	return -1;
}

/* Bus 0 only (no bridges behind the root complex in our VMs). */
void fw_pci_scan(void)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		for (uint8_t fn = 0; fn < 8; fn++) {
			uint32_t id = fw_pci_read32(0, dev, fn, 0x00);
			uint32_t cls, hdr;

			if ((id & 0xFFFF) == 0xFFFF) {
				if (fn == 0)
					break;
				continue;
			}
			cls = fw_pci_read32(0, dev, fn, 0x08) >> 8;
			hdr = fw_pci_read32(0, dev, fn, 0x0C) >> 16;
			fw_printf("pci 00:%02x.%u %04x:%04x class %06x\n", dev, fn, id & 0xFFFF,
				  id >> 16, cls);
			/* Other functions only on a multi-function device. */
			if (fn == 0 && !(hdr & 0x80))
				break;
		}
	}
}
