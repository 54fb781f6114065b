/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * eventlog.h -- the TDX CC event log (CCEL, docs/protocol.md §9.5): iterate, replay,
 * select the events policy v1 looks at (§7.2), and build logs (§9.4).
 *
 * Layout (TCG crypto-agile, SHA-384 only): one legacy TCG_PCR_EVENT header
 * (32 bytes) followed by exactly 40 bytes of TCG_EfiSpecIDEvent, then CC
 * events, each a 66-byte header (u32 mr_index, u32 event_type,
 * u32 digest_count, u16 alg_id, u8 digest[48], u32 event_size) and
 * event_size data bytes.
 *
 * Iteration reproduces upstream exactly, because the peer's RTMR replay
 * depends on it: it stops at an event with event_size 0, and an event is
 * only returned if at least one byte FOLLOWS it. A log therefore travels
 * as "used length + 1" bytes; migtd_eventlog_builder_finish() appends that byte.
 *
 * All views returned point into the caller's log buffer; nothing is copied
 * and nothing is allocated.
 */
#ifndef MIGTD_EVENTLOG_H
#define MIGTD_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/wire.h"

#define EVENTLOG_PCR_EVENT_HEADER_SIZE 32u
#define EVENTLOG_SPEC_ID_EVENT_SIZE 40u
/* Offset of the first CC event: legacy header + spec-id event. */
#define EVENTLOG_FIRST_CC_EVENT 72u
#define EVENTLOG_CC_EVENT_HEADER_SIZE 66u
#define EVENTLOG_DIGEST_SIZE 48u
#define EVENTLOG_RTMR_COUNT 4u
#define EVENTLOG_ALG_SHA384 0x000Cu

/* Event types (TCG PC Client PFP). */
#define EVENTLOG_EV_NO_ACTION 0x00000003u
#define EVENTLOG_EV_SEPARATOR 0x00000004u
#define EVENTLOG_EV_EVENT_TAG 0x00000006u
#define EVENTLOG_EV_PLATFORM_CONFIG_FLAGS 0x0000000Au
#define EVENTLOG_EV_EFI_PLATFORM_FIRMWARE_BLOB2 0x8000000Au

/* Tagged-event ids MigTD uses (§9.5). */
enum eventlog_tag {
	EVENTLOG_TAG_POLICY = 1,
	EVENTLOG_TAG_ROOT_CA = 2,
	EVENTLOG_TAG_POLICY_ISSUER_CHAIN = 3,
	EVENTLOG_TAG_TEST_DISABLE_RA = 0x32,
};

/* One CC event as found in a log. */
struct eventlog_event {
	size_t offset;     /* of the 66-byte header within the log */
	uint32_t mr_index; /* 1..4 = RTMR0..3, 0 = MRTD */
	uint32_t event_type;
	uint32_t digest_count; /* not checked (upstream does not) */
	uint16_t alg_id;       /* not checked (upstream does not) */
	const uint8_t *digest; /* 48 bytes */
	const uint8_t *data;   /* event_size bytes */
	uint32_t data_len;
};

struct eventlog_iter {
	struct wire_reader r;
};

/*
 * Start iterating a log. Fails (MIGTD_ERR_TRUNCATED) if the log is shorter
 * than the legacy header plus the 40-byte spec-id event; their contents are
 * not interpreted (upstream reads them without checks).
 */
int migtd_eventlog_iter_init(struct eventlog_iter *it, const uint8_t *log, size_t len);
/* Next event into *ev: returns 1, or 0 at the end (see the stop rules above). */
int migtd_eventlog_iter_next(struct eventlog_iter *it, struct eventlog_event *ev);

/* RTMR[i] = SHA384(RTMR[i] || digest). */
int migtd_eventlog_rtmr_extend(uint8_t rtmr[EVENTLOG_DIGEST_SIZE],
			       const uint8_t digest[EVENTLOG_DIGEST_SIZE]);

/*
 * Replay a log into four RTMRs starting from zero. An event with mr_index 0
 * or > 4 fails the replay (MIGTD_ERR_INVALID), as does a log that
 * migtd_eventlog_iter_init() refuses.
 */
int migtd_eventlog_replay(const uint8_t *log, size_t len,
			  uint8_t rtmr[EVENTLOG_RTMR_COUNT][EVENTLOG_DIGEST_SIZE]);

/*
 * Replay and compare with RTMR0..3 given back to back (4 x 48 bytes, e.g.
 * bytes 328..520 of a verified report). MIGTD_ERR_POLICY on a mismatch or a
 * failed replay: upstream reports both as InvalidEventLog -> status 8.
 */
int migtd_eventlog_verify_rtmrs(const uint8_t *log, size_t len,
				const uint8_t rtmrs[EVENTLOG_RTMR_COUNT * EVENTLOG_DIGEST_SIZE]);

/*
 * The last EV_EVENT_TAG event with this tag id. payload and payload_len give
 * the tagged data (after u32 tag id, u32 data_size), bounded by the event.
 * Returns 1 if found, 0 if not, negative on a malformed log.
 */
int migtd_eventlog_find_tagged(const uint8_t *log, size_t len, uint32_t tag,
			       struct eventlog_event *ev, const uint8_t **payload,
			       size_t *payload_len);

/* The event-log selections of policy v1 (§7.2 "EventLog names"). */
enum eventlog_sel {
	EVENTLOG_SEL_MIGTD_CORE,         /* Digest.MigTdCore: digest */
	EVENTLOG_SEL_SECURE_BOOT_KEY,    /* Digest.SecureBootKey: digest */
	EVENTLOG_SEL_MIGTD_CORE_SVN,     /* Digest.MigTdCoreSvn: the SVN info bytes */
	EVENTLOG_SEL_MIGTD_POLICY,       /* Digest.MigTdPolicy: digest (tag 1) */
	EVENTLOG_SEL_MIGTD_SGX_ROOT_KEY, /* Digest.MigTdSgxRootKey: digest (tag 2) */
	EVENTLOG_SEL_COUNT,
};

/* The selected value of each name: last matching event wins. */
struct eventlog_parsed {
	const uint8_t *value[EVENTLOG_SEL_COUNT]; /* NULL: no such event */
	size_t value_len[EVENTLOG_SEL_COUNT];
};

/* An event log with no events (what a missing log means to the policy). */
void migtd_eventlog_parsed_empty(struct eventlog_parsed *p);

/*
 * Select the policy-relevant events of a log. Fails (MIGTD_ERR_TRUNCATED) if
 * the log is shorter than the spec-id event, or if an event the selection
 * looks into is cut short: a "td_payload_svn\0" event with a truncated
 * descriptor/info layout, an EV_EFI_PLATFORM_FIRMWARE_BLOB2 whose
 * description runs past its data, an EV_EVENT_TAG shorter than its u32 tag
 * id (upstream fails the whole parse then).
 */
int migtd_eventlog_parse(const uint8_t *log, size_t len, struct eventlog_parsed *out);

/* ---------------------------------------------------------------- builder */

struct eventlog_builder {
	struct wire_writer w;
};

/* Start a log in buf: writes the legacy header and the td-shim spec-id event. */
int migtd_eventlog_builder_init(struct eventlog_builder *b, uint8_t *buf, size_t cap);

/* Append one CC event with a given digest. */
int migtd_eventlog_builder_add(struct eventlog_builder *b, uint32_t mr_index, uint32_t event_type,
			       const uint8_t digest[EVENTLOG_DIGEST_SIZE], const void *data,
			       size_t len);

/*
 * Append an event whose digest is SHA384(hashed); digest_out (may be NULL)
 * receives it so the caller can extend the real RTMR with the same value.
 */
int migtd_eventlog_builder_add_measured(struct eventlog_builder *b, uint32_t mr_index,
					uint32_t event_type, const void *hashed, size_t hashed_len,
					const void *data, size_t len,
					uint8_t digest_out[EVENTLOG_DIGEST_SIZE]);

/*
 * MigTD's tagged event (§9.4): EV_EVENT_TAG with data = u32 tag, u32 len,
 * data; digest = SHA384(hashed). For v1 tags hashed == data; the v2 policy
 * event hashes the policy file but logs "2.0".
 */
int migtd_eventlog_builder_add_tagged(struct eventlog_builder *b, uint32_t mr_index, uint32_t tag,
				      const void *hashed, size_t hashed_len, const void *data,
				      size_t len, uint8_t digest_out[EVENTLOG_DIGEST_SIZE]);

/* td-shim's two EV_SEPARATOR events (00 00 00 00) into mr 1 and 2. */
int migtd_eventlog_builder_add_separators(struct eventlog_builder *b);

/*
 * Finish: append one trailing byte (td-shim leaves the area 0xFF) so the
 * last event is visible to readers, and return the log (*len = used + 1).
 */
int migtd_eventlog_builder_finish(struct eventlog_builder *b, uint8_t trailing, const uint8_t **log,
				  size_t *len);

#endif /* MIGTD_EVENTLOG_H */
