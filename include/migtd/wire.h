/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * wire.h -- bounded readers and writers over byte buffers.
 *
 * Every parser of VMM or peer bytes in migtd-c goes through a wire_reader:
 * it never reads past the end of its buffer, and once a read fails the
 * reader stays failed ("sticky"), so a parser may read a whole structure
 * and check the error once at the end. Integers are little-endian unless
 * the function name says _be. Writers are the mirror image, for building
 * the buffers we send.
 */
#ifndef MIGTD_WIRE_H
#define MIGTD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/err.h"

/* A GUID in its on-wire byte form (EFI layout, as the spec lists it). */
struct migtd_guid {
	uint8_t b[16];
};

bool migtd_guid_eq(const struct migtd_guid *a, const struct migtd_guid *b);

/* The text form "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" (n == 36 characters,
 * hex digits of either case) into the on-wire byte form, whose first three
 * fields are little-endian. MIGTD_OK or MIGTD_ERR_INVALID (g untouched). */
int migtd_guid_parse(const char *s, size_t n, uint8_t g[16]);

struct wire_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	int err; /* MIGTD_OK until a read fails; sticky */
};

void migtd_wire_reader_init(struct wire_reader *r, const void *buf, size_t len);

/* Bytes left to read (0 after a failure). */
size_t migtd_wire_remaining(const struct wire_reader *r);
/* Current offset from the start of the buffer. */
size_t migtd_wire_pos(const struct wire_reader *r);
/* The sticky error: MIGTD_OK or the first failure. */
int migtd_wire_error(const struct wire_reader *r);
/* Mark the reader failed with err (if it is not failed already); returns the sticky error. */
int migtd_wire_fail(struct wire_reader *r, int err);

int migtd_wire_read_u8(struct wire_reader *r, uint8_t *v);
int migtd_wire_read_u16(struct wire_reader *r, uint16_t *v);
int migtd_wire_read_u32(struct wire_reader *r, uint32_t *v);
int migtd_wire_read_u64(struct wire_reader *r, uint64_t *v);
int migtd_wire_read_u32_be(struct wire_reader *r, uint32_t *v);
int migtd_wire_read_bytes(struct wire_reader *r, void *out, size_t n);
int migtd_wire_read_guid(struct wire_reader *r, struct migtd_guid *g);
/* Zero-copy view of the next n bytes: *p points into the reader's buffer. */
int migtd_wire_read_ref(struct wire_reader *r, const uint8_t **p, size_t n);
int migtd_wire_skip(struct wire_reader *r, size_t n);
/* Consume n bytes that must all be zero (MIGTD_ERR_RESERVED otherwise). */
int migtd_wire_read_zero(struct wire_reader *r, size_t n);
/* Consume a GUID that must equal *want (MIGTD_ERR_GUID otherwise). */
int migtd_wire_expect_guid(struct wire_reader *r, const struct migtd_guid *want);
/* A reader over the next n bytes; the parent advances past them. */
int migtd_wire_sub(struct wire_reader *r, size_t n, struct wire_reader *sub);
/* Move to absolute offset pos (<= len). */
int migtd_wire_seek(struct wire_reader *r, size_t pos);

struct wire_writer {
	uint8_t *buf;
	size_t cap;
	size_t pos;
	int err; /* MIGTD_OK until a write does not fit; sticky */
};

void migtd_wire_writer_init(struct wire_writer *w, void *buf, size_t cap);
size_t migtd_wire_written(const struct wire_writer *w);
int migtd_wire_writer_error(const struct wire_writer *w);

int migtd_wire_write_u8(struct wire_writer *w, uint8_t v);
int migtd_wire_write_u16(struct wire_writer *w, uint16_t v);
int migtd_wire_write_u32(struct wire_writer *w, uint32_t v);
int migtd_wire_write_u64(struct wire_writer *w, uint64_t v);
int migtd_wire_write_u32_be(struct wire_writer *w, uint32_t v);
int migtd_wire_write_bytes(struct wire_writer *w, const void *src, size_t n);
int migtd_wire_write_guid(struct wire_writer *w, const struct migtd_guid *g);
int migtd_wire_write_zero(struct wire_writer *w, size_t n);
/* Reserve n bytes to fill in later (e.g. a length); *p points at them. */
int migtd_wire_reserve(struct wire_writer *w, uint8_t **p, size_t n);

/* Helpers on raw little-endian memory (for fields reserved with migtd_wire_reserve). */
void migtd_wire_put_u16(uint8_t *p, uint16_t v);
void migtd_wire_put_u32(uint8_t *p, uint32_t v);
void migtd_wire_put_u64(uint8_t *p, uint64_t v);
uint16_t migtd_wire_get_u16(const uint8_t *p);
uint32_t migtd_wire_get_u32(const uint8_t *p);
uint64_t migtd_wire_get_u64(const uint8_t *p);

/* a + b into *out; false (and *out untouched) on size_t overflow. */
bool migtd_wire_add_ok(size_t a, size_t b, size_t *out);

#endif /* MIGTD_WIRE_H */
