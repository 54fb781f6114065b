/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * vmm.c -- TDG.VP.VMCALL: what the VMM of a TDX host does for the TD
 * (docs/protocol.md §2.1, docs/td-under-shim.md), and this ROM's platform
 * link to the emulated host.
 *
 * IO and MMIO are done for the TD on the real (emulated) devices, but only
 * on the ports and MMIO ranges a MigTD VM has, with this ROM's own devices
 * hidden; MMIO must name a shared GPA. MapGPA converts at most
 * TDSHIM_MAPGPA_CHUNK bytes a call and answers RETRY with R11 for the rest,
 * so the TD's retry loop runs on every boot. Service and GetQuote copy the
 * TD's shared buffers into private ones of this ROM and go to the host over
 * the link; they complete asynchronously: Service with a vector and
 * GetQuote always, with the answer written back to the TD's shared pages
 * and the vector (0x50, or the one of SetupEventNotifyInterrupt) injected.
 * Service without a vector (the polling build) returns when answered.
 */
#include "tdshim.h"

#include <string.h>

#include "fw.h"
#include "virtio.h"
#include "emu_platform.h"
#include "tr_serial_link.h"
#include "mbedtls/platform_util.h"
#include "migtd/ghci.h"
#include "migtd/tdx_abi.h"
#include "migtd/wire.h"

#define TDSHIM_MAPGPA_CHUNK 0x100000ull
#define SERVICE_WAIT_MS 60000u
#define ECAM_BASE 0xE0000000ull
#define ECAM_SIZE 0x10000000ull
#define IVSHMEM_DEVICE 0x1110
#define SVC_HDR 24u

struct emu_platform shim_link;

static unsigned int hidden_dev[2];
static unsigned int nhidden;
static uint32_t cf8;

/* One Service exchange with the host. Two slots: a WaitForRequest the
 * host may hold until it has a request, and everything else. */
struct svc_slot {
	bool busy;
	uint8_t vector;
	uint8_t command;
	uint64_t rsp_gpa;
	struct migtd_service_call call;
	uint8_t cmd[4096];
	uint8_t rsp[4096];
};

static struct svc_slot svc_gen, svc_wfr;
/* The held WaitForRequest is answered to the TD (not yet delivered). */
static bool wfr_answered;

static struct {
	bool busy;
	uint64_t gpa, len;
	struct migtd_quote_call call;
	uint8_t buf[GHCI_GETQUOTE_MAX_BUF];
} quote;

static bool serving_announced;

static uint64_t *R(enum shim_reg r)
{
	return &shim_cpu.g.r[r];
}

bool shim_pci_visible(unsigned int dev)
{
	for (unsigned int i = 0; i < nhidden; i++)
		if (hidden_dev[i] == dev)
			return false;
	return true;
}

/* ---- IO and MMIO --------------------------------------------------------- */

/* The firmware's port I/O (this ROM is no TD: raw IN/OUT); it has no
 * 16-bit read. */
uint32_t shim_io_in(uint16_t port, unsigned int size)
{
	uint16_t w;

	if (size == 1)
		return fw_inb(port);
	if (size == 4)
		return fw_inl(port);
	__asm__ volatile("inw %1, %0" : "=a"(w) : "Nd"(port));
	return w;
}

void shim_io_out(uint16_t port, unsigned int size, uint32_t v)
{
	if (size == 1)
		fw_outb(port, (uint8_t)v);
	else if (size == 2)
		fw_outw(port, (uint16_t)v);
	else
		fw_outl(port, v);
}

/* The ports of a MigTD VM: COM1, the CMOS RTC, PCI configuration of the
 * host bridge (PCIEXBAR) and QEMU's isa-debug-exit. */
static bool io_allowed(uint16_t port, unsigned int size)
{
	if (port >= 0x3F8 && port + size <= 0x400)
		return true;
	if (port == 0x70 || port == 0x71)
		return true;
	if (port == 0xCF8 && size == 4)
		return true;
	if (port >= 0xCFC && port + size <= 0xD00)
		return ((cf8 >> 16) & 0xFF) == 0 && shim_pci_visible((cf8 >> 11) & 0x1F);
	return port == FW_DEBUG_EXIT_PORT;
}

static uint64_t vmcall_io(void)
{
	unsigned int size = (unsigned int)*R(SR_R12);
	bool write = *R(SR_R13) == 1;
	uint16_t port = (uint16_t)*R(SR_R14);

	shim_stats[ST_VMCALL_IO]++;
	if ((size != 1 && size != 2 && size != 4) || *R(SR_R14) > 0xFFFF || *R(SR_R13) > 1 ||
	    !io_allowed(port, size))
		return TDX_VMCALL_INVALID_OPERAND;
	if (write) {
		if (port == 0xCF8)
			cf8 = (uint32_t)*R(SR_R15);
		if (port == FW_DEBUG_EXIT_PORT) {
			uint8_t code = (uint8_t)*R(SR_R15);

			shim_finish(code, code == FW_EXIT_OK ? "the TD exited" : "the TD failed");
		}
		shim_io_out(port, size, (uint32_t)*R(SR_R15));
	} else {
		*R(SR_R11) = shim_io_in(port, size);
		if (shim_test == TEST_BAD_RTC && port == 0x71)
			*R(SR_R11) = 0x7F; /* not BCD, not binary time: an unreadable RTC */
	}
	return TDX_VMCALL_SUCCESS;
}

static bool mmio_allowed(uint64_t addr, unsigned int size)
{
	if (addr >= ECAM_BASE && addr + size <= ECAM_BASE + ECAM_SIZE)
		return true; /* visibility is checked per device below */
	return addr >= FW_MMIO32_BASE && addr + size <= TDSHIM_MMIO_BASE;
}

static uint64_t vmcall_mmio(void)
{
	unsigned int size = (unsigned int)*R(SR_R12);
	bool write = *R(SR_R13) == 1;
	uint64_t gpa = *R(SR_R14), addr = gpa & ~SHIM_SHARED_BIT;
	volatile void *p = (volatile void *)(uintptr_t)addr;
	uint64_t v = *R(SR_R15);

	shim_stats[ST_VMCALL_MMIO]++;
	/* A private GPA is never MMIO: the VMM may not touch private memory. */
	if (!(gpa & SHIM_SHARED_BIT) || (size != 1 && size != 2 && size != 4 && size != 8) ||
	    (addr & (size - 1)) || !mmio_allowed(addr, size))
		return TDX_VMCALL_INVALID_OPERAND;
	if (addr >= ECAM_BASE && addr < ECAM_BASE + ECAM_SIZE &&
	    (((addr >> 20) & 0xFF) != 0 || !shim_pci_visible((addr >> 15) & 0x1F))) {
		if (!write)
			*R(SR_R11) = ~0ull >> (64 - 8 * size); /* no device here */
		return TDX_VMCALL_SUCCESS;
	}
	if (write) {
		switch (size) {
		case 1: *(volatile uint8_t *)p = (uint8_t)v; break;
		case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
		case 4: *(volatile uint32_t *)p = (uint32_t)v; break;
		default: *(volatile uint64_t *)p = v; break;
		}
	} else {
		switch (size) {
		case 1: v = *(volatile uint8_t *)p; break;
		case 2: v = *(volatile uint16_t *)p; break;
		case 4: v = *(volatile uint32_t *)p; break;
		default: v = *(volatile uint64_t *)p; break;
		}
		*R(SR_R11) = v;
	}
	return TDX_VMCALL_SUCCESS;
}

/* ---- MapGPA ---------------------------------------------------------------- */

static uint64_t vmcall_map_gpa(void)
{
	uint64_t next = 0, st;

	shim_stats[ST_VMCALL_MAP_GPA]++;
	st = shim_mem_map_gpa(*R(SR_R12), *R(SR_R13), TDSHIM_MAPGPA_CHUNK, &next);
	if (st == TDX_VMCALL_RETRY)
		*R(SR_R11) = next;
	shim_tlb_flush();
	return st;
}

/* ---- Service and GetQuote --------------------------------------------------- */

/* Write a finished exchange back to the TD's response page. */
static void service_deliver(struct svc_slot *sl, int err)
{
	uint8_t *rsp = shim_td_shared(sl->rsp_gpa, sl->call.rsp_cap);

	if (err != MIGTD_OK) {
		fw_printf("[tdshim] Service failed on the host: %s\n", migtd_err_str(err));
		migtd_wire_put_u32(sl->rsp + 20, 1); /* the response status: failed */
	}
	/* The TD may have taken the page back meanwhile: then it gets nothing. */
	if (rsp)
		memcpy(rsp, sl->rsp, sl->call.rsp_cap);
	if (sl->vector)
		shim_inject_irq(sl->vector);
	if (sl->command == 2)
		shim_stats_print("ReportStatus");
}

/* Wait for the host's answer at most ms; MIGTD_ERR_AGAIN if none yet. */
static int service_wait(struct svc_slot *sl, uint64_t ms)
{
	uint64_t end = fw_ticks() + ms;
	int err;

	for (;;) {
		err = emu_platform_ops.service_poll(&shim_link, &sl->call);
		if (err != MIGTD_ERR_AGAIN)
			break;
		if (fw_ticks() >= end)
			return MIGTD_ERR_AGAIN;
		fw_vser_relax();
	}
	sl->busy = false;
	return err;
}

static int service_start(struct svc_slot *sl, const uint8_t *cmd, uint32_t cmd_len,
			 const uint8_t *rsp, uint32_t rsp_cap)
{
	int err;

	memcpy(sl->cmd, cmd, cmd_len);
	memcpy(sl->rsp, rsp, rsp_cap);
	memset(&sl->call, 0, sizeof(sl->call));
	sl->call.cmd = sl->cmd;
	sl->call.cmd_len = cmd_len;
	sl->call.rsp = sl->rsp;
	sl->call.rsp_cap = rsp_cap;
	sl->call.wait_ms = *R(SR_R15);
	sl->command = cmd_len > SVC_HDR + 1 ? sl->cmd[SVC_HDR + 1] : 0xFF;
	err = emu_platform_ops.service_start(&shim_link, &sl->call);
	if (err == MIGTD_OK)
		sl->busy = true;
	return err;
}

/*
 * WaitForRequest: the emulated host holds one until it has a request; a
 * real VMM answers "no request yet" and lets the MigTD ask again -- and the
 * MigTD needs that, because it has one pair of Service pages and cannot
 * send a ReportStatus while a WaitForRequest is out. So the host's call
 * stays open here, the TD gets "nothing yet" (and its vector, if it gave
 * one) until the host has answered, and that answer goes to the TD's next
 * WaitForRequest.
 */
static uint64_t wait_for_request(uint64_t rsp_gpa, const uint8_t *cmd, uint32_t cmd_len,
				 const uint8_t *rsp, uint32_t rsp_cap, uint8_t vector)
{
	static uint8_t none[4096];
	uint8_t *out = shim_td_shared(rsp_gpa, rsp_cap);
	size_t n = 0;
	int err;

	if (!svc_wfr.busy && !wfr_answered) {
		err = service_start(&svc_wfr, cmd, cmd_len, rsp, rsp_cap);
		if (err == MIGTD_ERR_AGAIN)
			return TDX_VMCALL_RETRY;
		if (err != MIGTD_OK)
			return TDX_VMCALL_INVALID_OPERAND;
	}
	if (svc_wfr.busy) {
		err = service_wait(&svc_wfr, 0);
		if (err == MIGTD_ERR_AGAIN) {
			/* nothing yet: operation 0 */
			if (rsp_cap > sizeof(none))
				return TDX_VMCALL_INVALID_OPERAND;
			memcpy(none, rsp, rsp_cap);
			if (migtd_ghci_wfr_rsp_build(none, rsp_cap, 0, NULL, 0, &n) != MIGTD_OK)
				return TDX_VMCALL_INVALID_OPERAND;
			memcpy(out, none, rsp_cap);
			if (vector)
				shim_inject_irq(vector);
			return TDX_VMCALL_SUCCESS;
		}
		if (err != MIGTD_OK)
			migtd_wire_put_u32(svc_wfr.rsp + 20, 1);
		wfr_answered = true;
	}
	/* the host's answer, into this call's response page; kept for the
	 * next WaitForRequest if it does not fit this one */
	if (svc_wfr.call.rsp_cap > rsp_cap)
		return TDX_VMCALL_INVALID_OPERAND;
	wfr_answered = false;
	svc_wfr.rsp_gpa = rsp_gpa;
	svc_wfr.vector = vector;
	service_deliver(&svc_wfr, MIGTD_OK);
	return TDX_VMCALL_SUCCESS;
}

static uint64_t vmcall_service(void)
{
	uint64_t cmd_gpa = *R(SR_R12), rsp_gpa = *R(SR_R13), vector = *R(SR_R14);
	const uint8_t *cmd = shim_td_shared(cmd_gpa, SVC_HDR);
	const uint8_t *rsp = shim_td_shared(rsp_gpa, SVC_HDR);
	uint32_t cmd_len, rsp_cap;
	bool wfr;
	int err;

	shim_stats[ST_VMCALL_SERVICE]++;
	if (!cmd || !rsp || (vector != 0 && (vector < 32 || vector > 255)))
		return TDX_VMCALL_INVALID_OPERAND;
	cmd_len = migtd_wire_get_u32(cmd + 16);
	rsp_cap = migtd_wire_get_u32(rsp + 16);
	if (cmd_len < SVC_HDR || cmd_len > sizeof(svc_gen.cmd) || rsp_cap < SVC_HDR ||
	    rsp_cap > sizeof(svc_gen.rsp) || !shim_td_shared(cmd_gpa, cmd_len) ||
	    !shim_td_shared(rsp_gpa, rsp_cap))
		return TDX_VMCALL_INVALID_OPERAND;
	wfr = cmd_len > SVC_HDR + 1 && cmd[SVC_HDR + 1] == 1 &&
	      migtd_guid_eq((const struct migtd_guid *)(const void *)cmd,
			    &migtd_ghci_guid_service_migtd);
	if (wfr && !serving_announced) {
		serving_announced = true;
		shim_stats_print("first WaitForRequest (serving)");
	}
	if (wfr)
		return wait_for_request(rsp_gpa, cmd, cmd_len, rsp, rsp_cap, (uint8_t)vector);
	if (svc_gen.busy)
		return TDX_VMCALL_RETRY;
	err = service_start(&svc_gen, cmd, cmd_len, rsp, rsp_cap);
	if (err == MIGTD_ERR_AGAIN)
		return TDX_VMCALL_RETRY;
	if (err != MIGTD_OK)
		return TDX_VMCALL_INVALID_OPERAND;
	svc_gen.rsp_gpa = rsp_gpa;
	svc_gen.vector = (uint8_t)vector;
	if (vector)
		return TDX_VMCALL_SUCCESS; /* completed by shim_vmm_poll */
	/* No vector: answer before returning (upstream's polling build). */
	err = service_wait(&svc_gen, SERVICE_WAIT_MS);
	if (err == MIGTD_ERR_AGAIN) /* the link client still owns the call: give up */
		shim_finish(FW_EXIT_FAIL, "the host did not answer a Service call");
	service_deliver(&svc_gen, err);
	return TDX_VMCALL_SUCCESS;
}

static uint64_t vmcall_get_quote(void)
{
	uint64_t gpa = *R(SR_R12), len = *R(SR_R13);
	uint8_t *buf = shim_td_shared(gpa, len);
	int err;

	shim_stats[ST_VMCALL_GET_QUOTE]++;
	if (!buf || len < 24 || len > sizeof(quote.buf) || (len & (SHIM_PAGE - 1)))
		return TDX_VMCALL_INVALID_OPERAND;
	if (quote.busy)
		return TDX_VMCALL_RETRY;
	memcpy(quote.buf, buf, len);
	memset(&quote.call, 0, sizeof(quote.call));
	quote.call.buf = quote.buf;
	quote.call.len = len;
	quote.call.cap = len;
	err = emu_platform_ops.quote_start(&shim_link, &quote.call);
	if (err == MIGTD_ERR_AGAIN)
		return TDX_VMCALL_RETRY;
	if (err != MIGTD_OK)
		return TDX_VMCALL_INVALID_OPERAND;
	quote.busy = true;
	quote.gpa = gpa;
	quote.len = len;
	migtd_wire_put_u64(buf + 8, GHCI_GETQUOTE_IN_FLIGHT);
	return TDX_VMCALL_SUCCESS;
}

void shim_vmm_poll(void)
{
	int err;

	if (svc_gen.busy && svc_gen.vector) {
		err = emu_platform_ops.service_poll(&shim_link, &svc_gen.call);
		if (err != MIGTD_ERR_AGAIN) {
			svc_gen.busy = false;
			service_deliver(&svc_gen, err);
		}
	}
	if (quote.busy) {
		err = emu_platform_ops.quote_poll(&shim_link, &quote.call);
		if (err != MIGTD_ERR_AGAIN) {
			uint8_t *buf = shim_td_shared(quote.gpa, quote.len);

			quote.busy = false;
			if (err != MIGTD_OK)
				migtd_wire_put_u64(quote.buf + 8,
						   0x8000000000000000ull); /* error */
			if (buf)
				memcpy(buf, quote.buf, quote.len);
			mbedtls_platform_zeroize(quote.buf, sizeof(quote.buf));
			if (shim_cpu.notify_vector)
				shim_inject_irq(shim_cpu.notify_vector);
		}
	}
}

/* ---- the rest --------------------------------------------------------------- */

static uint64_t vmcall_fatal(void)
{
	char msg[65] = { 0 };

	if (*R(SR_R12) >> 63) {
		const char *m = shim_td_shared(*R(SR_R13), 64);

		if (m)
			memcpy(msg, m, 64);
		for (size_t i = 0; i < 64; i++)
			if (msg[i] && (msg[i] < 0x20 || msg[i] > 0x7E))
				msg[i] = '?';
	}
	fw_printf("[tdshim] TD reported a fatal error, code 0x%llx %s\n",
		  (unsigned long long)(*R(SR_R12) & ~(1ull << 63)), msg);
	shim_finish(FW_EXIT_FAIL, "ReportFatalError");
}

void shim_vmcall(void)
{
	uint64_t st = TDX_VMCALL_INVALID_OPERAND;
	uint32_t regs[4];

	shim_set_rax(TDX_SUCCESS);
	if (*R(SR_R10) != 0) {
		*R(SR_R10) = TDX_VMCALL_INVALID_OPERAND; /* only the GHCI's own leaves */
		return;
	}
	switch (*R(SR_R11)) {
	case TDX_VMCALL_IO: st = vmcall_io(); break;
	case TDX_VMCALL_MMIO: st = vmcall_mmio(); break;
	case TDX_VMCALL_MAP_GPA: st = vmcall_map_gpa(); break;
	case TDX_VMCALL_SERVICE: st = vmcall_service(); break;
	case TDX_VMCALL_GET_QUOTE: st = vmcall_get_quote(); break;
	case TDX_VMCALL_HLT:
		shim_stats[ST_VMCALL_HLT]++;
		if (*R(SR_R12) & 1)
			shim_finish(FW_EXIT_FAIL, "the TD halted with interrupts blocked");
		shim_cpu.halted = true;
		st = TDX_VMCALL_SUCCESS;
		break;
	case TDX_VMCALL_CPUID:
		shim_stats[ST_VMCALL_OTHER]++;
		shim_cpuid_vmm((uint32_t)*R(SR_R12), (uint32_t)*R(SR_R13), regs);
		*R(SR_R12) = regs[0], *R(SR_R13) = regs[1], *R(SR_R14) = regs[2],
		*R(SR_R15) = regs[3];
		st = TDX_VMCALL_SUCCESS;
		break;
	case TDX_VMCALL_WRMSR:
		shim_stats[ST_VMCALL_OTHER]++;
		/* The x2APIC spurious-vector register: our interrupts need no more. */
		st = *R(SR_R12) == 0x80F ? TDX_VMCALL_SUCCESS : TDX_VMCALL_INVALID_OPERAND;
		break;
	case TDX_VMCALL_SETUP_EVENT_NOTIFY:
		shim_stats[ST_VMCALL_OTHER]++;
		if (*R(SR_R12) >= 32 && *R(SR_R12) <= 255) {
			shim_cpu.notify_vector = (uint8_t)*R(SR_R12);
			st = TDX_VMCALL_SUCCESS;
		}
		break;
	case TDX_VMCALL_REPORT_FATAL_ERROR: st = vmcall_fatal(); break;
	default: shim_stats[ST_VMCALL_OTHER]++; break;
	}
	*R(SR_R10) = st;
}

/* ---- the platform link and this ROM's devices -------------------------------- */

static uint64_t link_now_ms(void *ctx)
{
	(void)ctx;
	return fw_ticks();
}

static void hide(unsigned int dev)
{
	if (nhidden < sizeof(hidden_dev) / sizeof(hidden_dev[0]))
		hidden_dev[nhidden++] = dev;
}

/* The alias BAR: ivshmem-plain on the same file as RAM, at 1 << 47, so
 * that a device's DMA to GPA x | shared bit reaches RAM x. */
static int alias_init(void)
{
	uint8_t dev;

	if (fw_pci_find(VIRTIO_PCI_VENDOR, IVSHMEM_DEVICE, &dev) != 0) {
		fw_puts("[tdshim] no ivshmem-plain alias device\n");
		return -1;
	}
	fw_pci_write32(0, dev, 0, 0x18, 0xC); /* BAR2: 64-bit prefetchable */
	fw_pci_write32(0, dev, 0, 0x1C, (uint32_t)(TDSHIM_ALIAS_GPA >> 32));
	fw_pci_write32(0, dev, 0, 0x04, fw_pci_read32(0, dev, 0, 0x04) | 0x2);
	hide(dev);
	fw_printf("[tdshim] alias: ivshmem 00:%02x.0 BAR2 at 0x%llx\n", dev,
		  (unsigned long long)TDSHIM_ALIAS_GPA);
	return 0;
}

int shim_link_init(void)
{
	static struct emu_link_io io;
	struct vser *ser;
	uint8_t dev;
	int err;

	if (alias_init())
		return -1;
	/* Ours is the first virtio-serial device; the TD gets the others. */
	if (fw_pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEV_CONSOLE, &dev) != 0) {
		fw_puts("[tdshim] no virtio-serial device for the platform link\n");
		return -1;
	}
	hide(dev);
	ser = fw_vser_setup();
	if (!ser)
		return -1;
	err = tr_serial_link_open(ser, &io);
	if (err != MIGTD_OK)
		return -1;
	io.now_ms = link_now_ms;
	emu_platform_init(&shim_link, &io, NULL);
	fw_printf("[tdshim] platform link on port \"%s\" of 00:%02x.0\n", TR_SERIAL_LINK_PORT, dev);
	return 0;
}
