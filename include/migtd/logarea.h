/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * logarea.h -- the vmcall-raw log area (docs/protocol.md §2.4.7, docs/vmcall-raw.md):
 * one 4 KiB ring page per vCPU that the VMM can read.
 *
 * Page: 40-byte header {"MigTD LogArea 1\0", u32 vcpu_index, u32 reserved,
 * u64 start_offset, u64 end_offset}, then entries {u64 log_entry_id (1, 2,
 * ..., wrapping to 1), u64 mig_request_id (all ones: none), u8 level,
 * u8 reserved[3], u32 length, length bytes of UTF-8}. start_offset is the
 * oldest entry, end_offset where the next one goes; start == end: empty.
 * An entry never straddles the page end: when it does not fit, the rest of
 * the page is zeroed and writing goes on at offset 40. Space is made by
 * zeroing the oldest entries and moving start_offset past them.
 *
 * The writer keeps the ring in PRIVATE memory (struct migtd_logarea_ring)
 * and only ever copies it out: nothing the VMM writes into the shared page
 * is read back. The reader (the VMM side, tests) takes any 4 KiB and walks
 * it bounded.
 */
#ifndef MIGTD_LOGAREA_H
#define MIGTD_LOGAREA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIGTD_LOGAREA_PAGE 4096u
#define MIGTD_LOGAREA_HDR_LEN 40u
#define MIGTD_LOGAREA_ENTRY_HDR_LEN 24u
#define MIGTD_LOGAREA_SIGNATURE "MigTD LogArea 1" /* + its NUL: 16 bytes */
#define MIGTD_LOGAREA_NO_REQUEST UINT64_MAX
/* Longest message one entry carries (longer ones are cut). */
#define MIGTD_LOGAREA_MSG_MAX 512u
/* Level a release build stores at most (Info, §2.4.7). */
#define MIGTD_LOGAREA_RELEASE_MAX_LEVEL 3u
/* The response data of EnableLogArea for n vCPUs: 8 + 16 n bytes. */
#define MIGTD_LOGAREA_DESC_LEN(n) (8u + 16u * (n))

struct migtd_logarea_ring {
	uint32_t vcpu;
	uint32_t start, end; /* offsets into page */
	unsigned count;      /* entries held */
	uint64_t next_id;    /* the next log_entry_id (never 0) */
	uint64_t dropped;    /* entries pushed out to make room */
	uint8_t page[MIGTD_LOGAREA_PAGE];
};

/* An empty ring page for vCPU vcpu. */
void migtd_logarea_ring_init(struct migtd_logarea_ring *r, uint32_t vcpu);
/* Append one entry (msg cut to MIGTD_LOGAREA_MSG_MAX bytes); the oldest
 * entries make room. Never fails. */
void migtd_logarea_ring_append(struct migtd_logarea_ring *r, uint64_t request_id, uint8_t level,
			       const char *msg, size_t len);
/* Copy one ring's entries into another's (the provisional pages into the
 * shared ones at EnableLogArea): dst keeps its vCPU index, gets src's
 * entries in order, ids renumbered from dst's next id. */
void migtd_logarea_ring_copy(struct migtd_logarea_ring *dst, const struct migtd_logarea_ring *src);

/* One entry as read back. */
struct migtd_logarea_entry {
	uint64_t id;
	uint64_t request_id;
	uint8_t level;
	const char *msg; /* points into the page; not NUL-terminated */
	uint32_t len;
};

typedef void (*migtd_logarea_visit_fn)(void *ctx, const struct migtd_logarea_entry *e);

/* Reader: check the header (signature, reserved zero, offsets inside the
 * entry area) and walk the entries from start to end, calling fn for each
 * (fn may be NULL). Returns the number of entries, or MIGTD_ERR_INVALID /
 * MIGTD_ERR_RESERVED / MIGTD_ERR_LENGTH for a page that is no log ring
 * (the walk stops at the first bad entry). *vcpu gets the vCPU index. */
int migtd_logarea_read(const uint8_t *page, size_t len, uint32_t *vcpu, migtd_logarea_visit_fn fn,
		       void *ctx);

/* Build the EnableLogArea response data: u32 n, u32 0, then per vCPU
 * {u64 GPA, u64 4096}. */
int migtd_logarea_desc_build(uint8_t *out, size_t cap, const uint64_t *gpa, uint32_t n,
			     size_t *out_len);

/* ---- the log area of one MigTD (one vCPU: our MigTDs run on one) ---------------- */

/*
 * What a program keeps: every line goes to the private provisional ring
 * until EnableLogArea; then the provisional entries move to the "shared"
 * ring and each later line at or below the stored level is appended there,
 * and publish() copies its page out (into the real shared page in a TD, to
 * the emulated host over the platform link otherwise).
 */
struct migtd_logarea {
	bool enabled;
	uint8_t level;
	uint64_t gpa; /* of the shared page, as EnableLogArea reports it */
	void (*publish)(void *ctx, uint32_t vcpu, const uint8_t page[MIGTD_LOGAREA_PAGE]);
	void *ctx;
	struct migtd_logarea_ring provisional, shared;
};

void migtd_logarea_init(struct migtd_logarea *a, uint64_t gpa,
			void (*publish)(void *ctx, uint32_t vcpu,
					const uint8_t page[MIGTD_LOGAREA_PAGE]),
			void *ctx);
/* One log line (call it from the log sink). */
void migtd_logarea_log(struct migtd_logarea *a, uint8_t level, uint64_t request_id, const char *msg,
		       size_t len);
/* EnableLogArea (struct migtd_log_area_ops.enable, ctx = the area): stores
 * min(level, MIGTD_LOGAREA_RELEASE_MAX_LEVEL) -- our builds are release
 * builds -- and writes the descriptor for one vCPU. */
int migtd_logarea_enable(void *area, uint8_t max_level, uint8_t *out, size_t cap, size_t *out_len);

#endif /* MIGTD_LOGAREA_H */
