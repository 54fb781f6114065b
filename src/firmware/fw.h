/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fw.h -- what the pieces of the firmware image share: boot facts, port
 * I/O, the serial console, CPU tables, the heap, fw_cfg test options.
 * The portable core never includes this (arrows point down).
 */
#ifndef MIGTD_FW_H
#define MIGTD_FW_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "image_layout.h"

/* C entry, called by the reset vector on the boot stack (never returns). */
void fw_main(uint32_t is_td);

/* Set once by fw_main from the reset vector's CPUID leaf 0x21 test. */
extern int fw_is_td;

/* ---- port I/O: native in a VM, TDG.VP.VMCALL<Instruction.IO> in a TD ---- */
void fw_outb(uint16_t port, uint8_t v);
void fw_outw(uint16_t port, uint16_t v);
void fw_outl(uint16_t port, uint32_t v);
uint8_t fw_inb(uint16_t port);
uint32_t fw_inl(uint16_t port);

/* ---- COM1 console --------------------------------------------------------- */
void fw_serial_init(void);
void fw_puts(const char *s);
void fw_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- CPU: runtime GDT with a TSS (IST for #DF/#PF/#NMI/#MC), IDT ---------- */
void fw_cpu_init(void);

/* ISR frame built by isr.S (lowest address first). */
struct fw_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
void fw_exception(struct fw_frame *f);

/* Leave QEMU through isa-debug-exit (no-op elsewhere), then halt forever. */
__attribute__((noreturn)) void fw_exit(uint8_t code);

/* ---- heap: hands FW_RAM_HEAP to mbedTLS's buffer allocator --------------- */
void fw_heap_init(void);
/* Bytes handed out through mbedtls_calloc (payload only, no allocator overhead). */
struct fw_heap_stats {
	size_t in_use, peak;
	uint64_t allocs, failures;
};
void fw_heap_stats(struct fw_heap_stats *out);
/* Start a new peak measurement from the bytes in use now. */
void fw_heap_peak_reset(void);
/* mbedTLS snprintf/vsnprintf/exit hooks. */
void fw_mbedtls_platform_init(void);

/* ---- fw_cfg (plain VM only): opt/migtd/test selects a self-test --------- */
/* Copies the file's bytes (NUL-terminated) into buf; 0 if found, -1 else. */
int fw_cfg_read_file(const char *name, char *buf, size_t cap);

/* ---- randomness: RDSEED, else RDRAND (cpu/random.c) ---------------------- */
int fw_random(void *buf, size_t len); /* MIGTD_OK or MIGTD_ERR_CRYPTO */
const char *fw_random_source(void);   /* "RDSEED", "RDRAND" or "none" */

/* ---- CMOS RTC (plain VM): the host's clock, untrusted; 0 or -1 ----------- */
int fw_rtc_unix_time(int64_t *out);

/* ---- MMIO: native in a VM, TDG.VP.VMCALL<#VE.RequestMMIO> in a TD ------ */
uint32_t fw_mmio_read32(uint64_t addr);
void fw_mmio_write32(uint64_t addr, uint32_t v);
/* size 1, 2 or 4 */
uint32_t fw_mmio_read(uint64_t addr, unsigned int size);
void fw_mmio_write(uint64_t addr, unsigned int size, uint32_t v);

/* ---- timer: 1 ms tick on vector 33, sti;hlt idle ------------------------- */
void fw_idt_set_irq(unsigned int vector, void (*entry)(void));
void fw_irq_timer(void); /* isr.S entries */
void fw_irq_spurious(void);
void fw_timer_irq(void); /* their C handlers */
void fw_spurious_irq(void);
/* 0 when ticking; -1 in a TD (TSC-deadline not yet done) or if calibration failed. */
int fw_timer_init(void);
/* Milliseconds since fw_timer_init (TSC, calibrated against the PIT); 0 without a timer. */
uint64_t fw_ticks(void);
/* The TSC frequency that calibration found, in counts per ms (= kHz); 0
 * without a timer. */
uint64_t fw_tsc_per_ms(void);
/* Sleep in sti;hlt (woken by the 1 ms tick) until ms milliseconds have passed. */
void fw_idle_ms(uint64_t ms);

/* ---- PCI (ECAM at 0xE0000000 after programming Q35's PCIEXBAR) ----------- */
void fw_pci_init(void);
uint32_t fw_pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off);
void fw_pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t v);
/* Function 0 of a device on bus 0 with these IDs: 0 and *dev, or -1. */
int fw_pci_find(uint16_t vendor, uint16_t device, uint8_t *dev);
/* Prints every function on bus 0 as "pci 00:DD.F vvvv:dddd class cccccc". */
void fw_pci_scan(void);

/* ---- virtio (drivers/virtio_fw.c; the drivers themselves: virtio.h) ------ */
/*
 * -fw_cfg name=opt/migtd/link,string=NAME: open the virtio-serial port NAME,
 * send a hello, print the peer's answer line. 0 on success.
 */
int fw_virtio_link_test(const char *port_name);
struct vser;
/* The virtio-serial device, probed and started on first use; NULL if none. */
struct vser *fw_vser_setup(void);
/* Wait a little between two polls (~1 ms in sti;hlt once the timer ticks). */
void fw_vser_relax(void);
struct vsock;
/* The virtio-vsock device, probed and started on first use; NULL if none. */
struct vsock *fw_vsock_setup(void);
void fw_vsock_relax(void);

/* ---- the MigTD on the emulated platform (migtd/fw_migtd.c) -------------- */
/*
 * Read the enrolled policy and root CA from the CFV and run the portable
 * core: in a plain VM on the emulated platform over the image's transport
 * (migtd/fw_transport.h), in a TD on the TDX backend. Returns only on a
 * fatal error (or when the transport finds nothing to serve: 1).
 */
int fw_migtd_run(void);

#endif /* MIGTD_FW_H */
