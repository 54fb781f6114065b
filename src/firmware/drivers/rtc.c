/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * rtc.c -- the CMOS real-time clock of a plain VM (MC146818 at ports
 * 0x70/0x71), read once as Unix seconds. This is the host's clock and the
 * host is untrusted: the core only uses it as the time at which
 * certificate validity is checked, exactly like the Linux program uses its
 * machine's wall clock (include/migtd/session.h, verify_time). A TD reads
 * the same CMOS clock through TDG.VP.VMCALL<Instruction.IO> (fw_inb/fw_outb
 * do that in a TD), as upstream MigTD does (docs/protocol.md §2.1: IO is used for the
 * CMOS RTC): the VMM's time, exactly as untrusted as in a plain VM.
 */
#include "../fw.h"

#include <stdbool.h>
#include <string.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0A
#define RTC_STATUS_B 0x0B
#define RTC_CENTURY 0x32 /* QEMU's (and the ACPI FADT's usual) century register */
#define RTC_A_UIP 0x80
#define RTC_B_24H 0x02
#define RTC_B_BINARY 0x04

static uint8_t cmos(uint8_t reg)
{
	fw_outb(CMOS_INDEX, reg); /* bit 7 clear: NMI stays enabled */
	return fw_inb(CMOS_DATA);
}

static unsigned int bcd(uint8_t v, bool binary)
{
	return binary ? v : (unsigned int)(v >> 4) * 10u + (v & 0x0Fu);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's method). */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * ((int64_t)m + (m > 2 ? -3 : 9)) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int fw_rtc_unix_time(int64_t *out)
{
	uint8_t r[7], again[7], b;
	unsigned int sec, min, hour, day, mon, year;
	bool binary, pm = false;

	/* Read twice outside an update until two reads agree. */
	for (unsigned int tries = 0;; tries++) {
		if (tries > 1000)
			return -1;
		for (unsigned int spin = 0; cmos(RTC_STATUS_A) & RTC_A_UIP; spin++)
			if (spin > 1000000)
				return -1;
		r[0] = cmos(RTC_SEC), r[1] = cmos(RTC_MIN), r[2] = cmos(RTC_HOUR);
		r[3] = cmos(RTC_DAY), r[4] = cmos(RTC_MONTH), r[5] = cmos(RTC_YEAR);
		r[6] = cmos(RTC_CENTURY);
		again[0] = cmos(RTC_SEC), again[1] = cmos(RTC_MIN), again[2] = cmos(RTC_HOUR);
		again[3] = cmos(RTC_DAY), again[4] = cmos(RTC_MONTH), again[5] = cmos(RTC_YEAR);
		again[6] = cmos(RTC_CENTURY);
		if (!memcmp(r, again, sizeof(r)))
			break;
	}
	b = cmos(RTC_STATUS_B);
	binary = (b & RTC_B_BINARY) != 0;
	if (!(b & RTC_B_24H)) {
		pm = (r[2] & 0x80) != 0;
		r[2] &= 0x7F;
	}
	sec = bcd(r[0], binary);
	min = bcd(r[1], binary);
	hour = bcd(r[2], binary);
	day = bcd(r[3], binary);
	mon = bcd(r[4], binary);
	year = bcd(r[5], binary) + 100u * (r[6] ? bcd(r[6], binary) : 20u);
	if (!(b & RTC_B_24H))
		hour = hour % 12u + (pm ? 12u : 0u);
	if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12)
		return -1;
	*out = days_from_civil(year, mon, day) * 86400 + (int64_t)(hour * 3600u + min * 60u + sec);
	return 0;
}
