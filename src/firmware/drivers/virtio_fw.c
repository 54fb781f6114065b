/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * virtio_fw.c -- the firmware side of the virtio drivers: config space
 * through ECAM, BAR MMIO through fw_mmio_* (TDVMCALL in a TD), the DMA
 * region of image_layout.h, and the link self-test selected by fw_cfg.
 *
 * BARs come from the 32-bit window only: the page tables map 0..4 GiB, so
 * the spec's 64-bit window (0x100000000) is not reachable yet; a 64-bit BAR
 * (QEMU's modern virtio BAR 4) can hold a 32-bit address. No interrupts:
 * waits poll, relaxing ~1 ms in sti;hlt when the timer ticks.
 */
#include "../fw.h"
#include "../virtio.h"
#include "../tdx/fw_tdx.h"

#include <string.h>

#include "migtd/err.h"

#define LINK_HELLO "hello from migtd-c firmware\n"

/* Where BARs are placed; the TD shim ROM, which links these drivers too,
 * takes its own window so its devices never overlap the TD's
 * (docs/td-under-shim.md). */
#ifndef FW_VIRTIO_WINDOW_BASE
#define FW_VIRTIO_WINDOW_BASE FW_MMIO32_BASE
#define FW_VIRTIO_WINDOW_SIZE FW_MMIO32_SIZE
#endif
#define LINK_WAIT_MS 10000

struct fw_pcidev {
	uint8_t dev;
	int ticking;
};

static uint32_t cfg_read32(void *ctx, uint16_t off)
{
	return fw_pci_read32(0, ((struct fw_pcidev *)ctx)->dev, 0, off);
}

static void cfg_write32(void *ctx, uint16_t off, uint32_t v)
{
	fw_pci_write32(0, ((struct fw_pcidev *)ctx)->dev, 0, off, v);
}

static uint32_t mmio_read(void *ctx, uint64_t addr, unsigned int size)
{
	(void)ctx;
	return fw_mmio_read(addr, size);
}

static void mmio_write(void *ctx, uint64_t addr, unsigned int size, uint32_t v)
{
	(void)ctx;
	fw_mmio_write(addr, size, v);
}

static void relax(void *ctx)
{
	if (((struct fw_pcidev *)ctx)->ticking) {
		fw_idle_ms(1);
		return;
	}
	for (volatile unsigned int i = 0; i < 100000; i++)
		__asm__ volatile("pause");
}

static struct vser fw_vser;
static struct virtio_pci_dev fw_vser_pci;
static struct vsock fw_vsock;
static struct virtio_pci_dev fw_vsock_pci;

/*
 * One allocator over the DMA region for every device, so a virtio-serial
 * and a virtio-vsock device can both be up. In a TD the devices see the
 * region at its shared alias; its top pages belong to the TDX backend
 * (tdx/fw_tdx.h).
 */
static struct virtio_dma *fw_dma(void)
{
	static struct virtio_dma dma;
	static bool inited;

	if (!inited) {
		virtio_dma_init(&dma, (void *)(uintptr_t)FW_RAM_DMA_BASE, fw_dma_gpa_base(),
				FW_VIRTIO_DMA_SIZE);
		inited = true;
	}
	return &dma;
}

/* Print what the peer sent, minus anything that is not printable ASCII. */
static void print_answer(const uint8_t *p, size_t n)
{
	char s[128];
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < sizeof(s); i++)
		if (p[i] >= 0x20 && p[i] < 0x7F)
			s[k++] = (char)p[i];
	s[k] = '\0';
	fw_printf("link: received \"%s\"\n", s);
}

/*
 * Probe and start the (first) virtio-serial device once; later calls
 * return the same driver. NULL when there is none or it failed.
 */
struct vser *fw_vser_setup(void)
{
	static struct fw_pcidev pd;
	static const struct virtio_hw hw = { &pd,       cfg_read32, cfg_write32,
					     mmio_read, mmio_write, relax };
	static int state; /* 0 not tried, 1 up, -1 failed */
	struct virtio_mmio_window w32 = { FW_VIRTIO_WINDOW_BASE, FW_VIRTIO_WINDOW_SIZE, 0 };
	struct virtio_dma *dma = fw_dma();
	uint16_t id;
	int err;

	if (state)
		return state > 0 ? &fw_vser : NULL;
	state = -1;
	/* Modern-only (disable-legacy=on) or transitional: upstream's README
	 * starts virtio-serial-pci without disable-legacy, which on q35's root
	 * bus is the transitional 1AF4:1003. Either way only the modern
	 * (virtio 1.x) interface is used. */
	if (fw_pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEV_CONSOLE, &pd.dev) == 0)
		id = VIRTIO_PCI_DEV_CONSOLE;
	else if (fw_pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEV_CONSOLE_TRANSITIONAL, &pd.dev) == 0)
		id = VIRTIO_PCI_DEV_CONSOLE_TRANSITIONAL;
	else {
		fw_puts("link: no virtio-serial device\n");
		return NULL;
	}
	pd.ticking = fw_ticks() != 0;
	err = virtio_pci_probe(&fw_vser_pci, &hw, id, &w32, NULL);
	if (!err)
		err = vser_init(&fw_vser, &fw_vser_pci, dma);
	if (err) {
		fw_printf("link: virtio-serial setup failed (%d)\n", err);
		return NULL;
	}
	fw_printf("link: virtio-serial 00:%02x.0, %u ports, features 0x%llx, dma %u KiB used\n",
		  pd.dev, fw_vser.nports, (unsigned long long)fw_vser_pci.features,
		  (unsigned int)(dma->used / 1024));
	state = 1;
	return &fw_vser;
}

/* The same for the (first) virtio-vsock device (docs/protocol.md §4.1). */
struct vsock *fw_vsock_setup(void)
{
	static struct fw_pcidev pd;
	static const struct virtio_hw hw = { &pd,       cfg_read32, cfg_write32,
					     mmio_read, mmio_write, relax };
	static int state;
	struct virtio_mmio_window w32 = { FW_VIRTIO_WINDOW_BASE, FW_VIRTIO_WINDOW_SIZE, 0 };
	struct virtio_dma *dma = fw_dma();
	int err;

	if (state)
		return state > 0 ? &fw_vsock : NULL;
	state = -1;
	if (fw_pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEV_VSOCK, &pd.dev) != 0) {
		fw_puts("vsock: no virtio-vsock device\n");
		return NULL;
	}
	pd.ticking = fw_ticks() != 0;
	err = virtio_pci_probe(&fw_vsock_pci, &hw, VIRTIO_PCI_DEV_VSOCK, &w32, NULL);
	if (!err)
		err = vsock_init(&fw_vsock, &fw_vsock_pci, dma);
	if (err) {
		fw_printf("vsock: virtio-vsock setup failed (%d)\n", err);
		return NULL;
	}
	fw_printf(
		"vsock: virtio-vsock 00:%02x.0, guest CID %llu, features 0x%llx, dma %u KiB used\n",
		pd.dev, (unsigned long long)fw_vsock.guest_cid,
		(unsigned long long)fw_vsock_pci.features, (unsigned int)(dma->used / 1024));
	state = 1;
	return &fw_vsock;
}

void fw_vsock_relax(void)
{
	if (fw_vsock.pci)
		fw_vsock.pci->hw->relax(fw_vsock.pci->hw->ctx);
}

void fw_vser_relax(void)
{
	if (fw_vser.pci)
		fw_vser.pci->hw->relax(fw_vser.pci->hw->ctx);
}

int fw_virtio_link_test(const char *port_name)
{
	uint8_t answer[128];
	size_t got = 0, sent = 0;
	int err, port;

	if (!fw_vser_setup())
		return -1;
	port = vser_open(&fw_vser, port_name, 5000);
	if (port < 0) {
		fw_printf("link: port \"%s\" not found (%d)\n", port_name, port);
		return -1;
	}
	fw_printf("link: port %d \"%s\" open\n", port, port_name);
	/* Send the hello once the host side is connected, then read one line back. */
	for (unsigned int i = 0; i < LINK_WAIT_MS; i++) {
		if (sent < sizeof(LINK_HELLO) - 1) {
			err = vser_send(&fw_vser, (uint32_t)port, &LINK_HELLO[sent],
					sizeof(LINK_HELLO) - 1 - sent);
			if (err > 0)
				sent += (size_t)err;
		} else {
			err = vser_recv(&fw_vser, (uint32_t)port, answer + got,
					sizeof(answer) - got);
			if (err > 0) {
				got += (size_t)err;
				if (answer[got - 1] == '\n' || got == sizeof(answer))
					break;
			}
		}
		if (err < 0 && err != MIGTD_ERR_AGAIN) {
			fw_printf("link: stream error %d\n", err);
			return -1;
		}
		fw_vser_relax();
	}
	if (sent < sizeof(LINK_HELLO) - 1 || got == 0) {
		fw_printf("link: timeout (sent %u, received %u)\n", (unsigned int)sent,
			  (unsigned int)got);
		return -1;
	}
	print_answer(answer, got);
	(void)vser_close(&fw_vser, (uint32_t)port);
	return 0;
}
