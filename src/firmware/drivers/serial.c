/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * serial.c -- COM1 (0x3F8) console, polled, 115200 8N1. Lines end in CRLF.
 */
#include "../fw.h"
#include "migtd/fmt.h"

#define COM1 0x3F8
#define LSR_THRE 0x20

void fw_serial_init(void)
{
	fw_outb(COM1 + 1, 0x00); /* no interrupts */
	fw_outb(COM1 + 3, 0x80); /* DLAB */
	fw_outb(COM1 + 0, 0x01); /* divisor 1: 115200 */
	fw_outb(COM1 + 1, 0x00);
	fw_outb(COM1 + 3, 0x03); /* 8N1 */
	fw_outb(COM1 + 2, 0xC7); /* FIFO on, cleared */
	fw_outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
	/* Bounded wait: a missing UART reads 0xFF (THRE set) anyway. */
	for (int i = 0; i < 100000; i++)
		if (fw_inb(COM1 + 5) & LSR_THRE)
			break;
	fw_outb(COM1, (uint8_t)c);
}

void fw_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

void fw_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	migtd_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fw_puts(buf);
}
