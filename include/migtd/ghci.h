/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * ghci.h -- VMM <-> MigTD buffers of the GHCI (docs/protocol.md §2.1, §2.2, §2.4, §2.6).
 *
 *   TDG.VP.VMCALL<Service>  command/response buffers, Query, MigTD service
 *                           (Shutdown, WaitForRequest, ReportStatus)   §2.2
 *   TDG.VP.VMCALL<MigTD>    "vmcall-raw" GHCI 1.5 data buffer           §2.4
 *   TDG.VP.VMCALL<GetQuote> GetQuote buffer and the QGS messages in it  §2.6
 *
 * Both directions are here: MigTD builds commands and parses responses; the
 * emulated VMM parses commands and builds responses with the same code, so
 * it accepts exactly what MigTD sends. Parsers take a PRIVATE copy of the
 * shared buffer (pointer, length); views they return point into that copy.
 */
#ifndef MIGTD_GHCI_H
#define MIGTD_GHCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/hob.h"
#include "migtd/tdreport.h"
#include "migtd/wire.h"

/* ---- TDG.VP.VMCALL ABI (§2.1) ------------------------------------------- */

/* Sub-functions (R11). */
#define GHCI_VMCALL_CPUID 0x0000Au
#define GHCI_VMCALL_HLT 0x0000Cu
#define GHCI_VMCALL_IO 0x0001Eu
#define GHCI_VMCALL_RDMSR 0x0001Fu
#define GHCI_VMCALL_WRMSR 0x00020u
#define GHCI_VMCALL_MMIO 0x00030u
#define GHCI_VMCALL_MAPGPA 0x10001u
#define GHCI_VMCALL_GETQUOTE 0x10002u
#define GHCI_VMCALL_REPORT_FATAL_ERROR 0x10003u
#define GHCI_VMCALL_SETUP_EVENT_NOTIFY 0x10004u
#define GHCI_VMCALL_SERVICE 0x10005u
#define GHCI_VMCALL_MIGTD 0x10006u

/* RCX: GPRs exposed to the VMM. */
#define GHCI_VMCALL_GPR_MASK 0xFC00u       /* R10-R15 */
#define GHCI_VMCALL_GPR_MASK_MIGTD 0xFFCCu /* RDX RBX RSI RDI R8-R15 */

/* VMCALL status in R10. */
#define GHCI_VMCALL_SUCCESS 0x0ull
#define GHCI_VMCALL_RETRY 0x1ull
#define GHCI_VMCALL_INVALID_OPERAND 0x8000000000000000ull
#define GHCI_VMCALL_GPA_INUSE 0x8000000000000001ull
#define GHCI_VMCALL_ALIGN_ERROR 0x8000000000000002ull

/* Interrupt vectors. */
#define GHCI_VECTOR_TIMER 33u
#define GHCI_VECTOR_SERVICE 0x50u  /* WaitForRequest / ReportStatus completion */
#define GHCI_VECTOR_GETQUOTE 0x51u /* GetQuote completion */
#define GHCI_VECTOR_STREAM 0x52u   /* vmcall-raw Send/Receive, vsock RX, serial */
#define GHCI_VECTOR_VSOCK_TX 0x53u
#define GHCI_VECTOR_VSOCK_CONFIG 0x54u
/* Service R14 vectors 1..31 are refused by MigTD itself (0 = none). */
#define GHCI_VECTOR_MIN 32u

/* ---- TDG.VP.VMCALL<Service> (§2.2) --------------------------------------- */

extern const struct migtd_guid migtd_ghci_guid_service_common; /* Query */
extern const struct migtd_guid migtd_ghci_guid_service_migtd;

#define GHCI_SERVICE_HDR_LEN 24u

/* A parsed command buffer (VMM side). */
struct ghci_service_cmd {
	struct migtd_guid guid;
	uint32_t length;     /* including the 24-byte header */
	const uint8_t *data; /* length - 24 bytes */
	size_t data_len;
};

/* A parsed response buffer (MigTD side). */
struct ghci_service_rsp {
	struct migtd_guid guid;
	uint32_t length; /* validated: 24 <= length <= buffer size */
	uint32_t status; /* 0 = OK; reported, not checked (upstream ignores it) */
	/* Everything after the header up to the END OF THE BUFFER: upstream reads
	 * response data against the buffer size, not against length (the
	 * WaitForRequest HOB list is walked over the rest of the page). */
	const uint8_t *data;
	size_t data_len;
};

/* Command buffer: GUID, length = 24 + data_len, reserved 0, data. */
int migtd_ghci_service_cmd_build(void *buf, size_t cap, const struct migtd_guid *guid,
				 const void *data, size_t data_len, size_t *out_len);
/* VMM side: length in [24, len], reserved zero. */
int migtd_ghci_service_cmd_parse(const uint8_t *buf, size_t len, struct ghci_service_cmd *out);

/* MigTD pre-fills the response buffer before the call: GUID, length = cap,
 * status (0, or 0xFFFFFFFF "not yet answered" for vmcall-vsock), rest zero. */
int migtd_ghci_service_rsp_prefill(void *buf, size_t cap, const struct migtd_guid *guid,
				   uint32_t status);
/* VMM side: GUID, length = 24 + data_len, status, data. */
int migtd_ghci_service_rsp_build(void *buf, size_t cap, const struct migtd_guid *guid,
				 uint32_t status, const void *data, size_t data_len,
				 size_t *out_len);
/* MigTD side: length in [24, len] (else MIGTD_ERR_LENGTH, or TRUNCATED if len
 * < 24), GUID == *expect (else MIGTD_ERR_GUID). *out is filled before the
 * GUID check. */
int migtd_ghci_service_rsp_parse(const uint8_t *buf, size_t len, const struct migtd_guid *expect,
				 struct ghci_service_rsp *out);

/* -- Query (§2.2.1) -- */
#define GHCI_QUERY_CMD_LEN 44u /* 24 + 4 + 16 */
#define GHCI_QUERY_COMMAND 0u

struct ghci_query {
	uint8_t version;
	uint8_t command;
	uint8_t status; /* response only: 0 = supported */
	struct migtd_guid guid;
};

/* MigTD: the 44-byte Query command for the MigTD service GUID. */
int migtd_ghci_query_cmd_build(void *buf, size_t cap, size_t *out_len);
/* VMM: common GUID, version 0, command 0, reserved zero, 16-byte GUID. */
int migtd_ghci_query_cmd_parse(const uint8_t *buf, size_t len, struct ghci_query *out);
/* VMM: response {version 0, command 0, status, reserved 0, GUID}. */
int migtd_ghci_query_rsp_build(void *buf, size_t cap, uint8_t status, const struct migtd_guid *guid,
			       size_t *out_len);
/* MigTD: service response with the common GUID, then command == 0 and GUID ==
 * MigTD service (else MIGTD_ERR_INVALID / MIGTD_ERR_GUID), then status != 0 ->
 * MIGTD_ERR_UNSUPPORTED (status 2). *out is filled as far as it was read. */
int migtd_ghci_query_rsp_parse(const uint8_t *buf, size_t len, struct ghci_query *out);

/* -- MigTD service commands (§2.2.2) -- */
enum ghci_migtd_command {
	GHCI_MIGTD_CMD_SHUTDOWN = 0,
	GHCI_MIGTD_CMD_WAIT_FOR_REQUEST = 1,
	GHCI_MIGTD_CMD_REPORT_STATUS = 2,
	GHCI_MIGTD_CMD_SEND = 3,    /* vmcall-vsock only (§4.2) */
	GHCI_MIGTD_CMD_RECEIVE = 4, /* vmcall-vsock only (§4.2) */
};
#define GHCI_MIGTD_CMD_SHORT_LEN 28u  /* Shutdown, WaitForRequest */
#define GHCI_MIGTD_CMD_REPORT_LEN 36u /* ReportStatus */
#define GHCI_WFR_OP_NONE 0u           /* no request yet: ask again */
#define GHCI_WFR_OP_REQUEST 1u        /* a HOB list follows */
#define GHCI_WFR_RSP_HDR_LEN 4u

struct ghci_migtd_cmd {
	uint8_t version;
	uint8_t command;
	uint8_t operation;       /* ReportStatus: 1 */
	uint8_t status;          /* ReportStatus: MigrationResult */
	uint64_t mig_request_id; /* ReportStatus */
};

int migtd_ghci_shutdown_cmd_build(void *buf, size_t cap, size_t *out_len);
int migtd_ghci_wfr_cmd_build(void *buf, size_t cap, size_t *out_len);
/* The Service ReportStatus sends the status byte unchecked (§1.5). */
int migtd_ghci_report_cmd_build(void *buf, size_t cap, uint64_t mig_request_id, uint8_t status,
				size_t *out_len);
/* VMM: MigTD GUID, version 0, command 0..2 with its exact length (28 / 28 /
 * 36), reserved zero, ReportStatus operation == 1. Other commands ->
 * MIGTD_ERR_UNSUPPORTED_OP. */
int migtd_ghci_migtd_cmd_parse(const uint8_t *buf, size_t len, struct ghci_migtd_cmd *out);

/* A parsed WaitForRequest response. */
struct ghci_wfr_rsp {
	uint8_t version;
	uint8_t command;
	uint8_t operation;
	const uint8_t *hob; /* operation 1: the HOB list (rest of the buffer) */
	size_t hob_len;
};

/* VMM: {version 0, command 1, operation, reserved 0} + HOB list. */
int migtd_ghci_wfr_rsp_build(void *buf, size_t cap, uint8_t operation, const void *hob,
			     size_t hob_len, size_t *out_len);
/* MigTD: MigTD GUID, command == 1; operation 0 -> MIGTD_OK with no request,
 * 1 -> MIGTD_OK with hob/hob_len, other -> MIGTD_ERR_INVALID. */
int migtd_ghci_wfr_rsp_parse(const uint8_t *buf, size_t len, struct ghci_wfr_rsp *out);
/* Both steps: the response and its HOB list (§2.3). *has_request = false
 * for operation 0 (req untouched except zeroed). */
int migtd_ghci_wfr_rsp_parse_request(const uint8_t *buf, size_t len, enum hob_mode mode,
				     bool require_socket_info, bool *has_request,
				     struct migtd_migration_request *req);

/* VMM: ReportStatus / Shutdown response {version 0, command, reserved 0}. */
int migtd_ghci_migtd_rsp_build(void *buf, size_t cap, uint8_t command, size_t *out_len);
/* MigTD: MigTD GUID, command == 2. */
int migtd_ghci_report_rsp_parse(const uint8_t *buf, size_t len);

/* ---- TDG.VP.VMCALL<MigTD> "vmcall-raw" (§2.4) ----------------------------- */

enum ghci_raw_leaf {
	GHCI_RAW_LEAF_WAIT_FOR_REQUEST = 1,
	GHCI_RAW_LEAF_REPORT_STATUS = 2,
	GHCI_RAW_LEAF_SEND = 3,
	GHCI_RAW_LEAF_RECEIVE = 4,
};
#define GHCI_RAW_API_VERSION 1u
/* R12: bits 15:0 leaf, bits 23:16 API version. */
#define GHCI_RAW_R12(leaf) ((uint64_t)(leaf) | ((uint64_t)GHCI_RAW_API_VERSION << 16))

#define GHCI_RAW_HDR_LEN 12u
/* data_status byte 0 */
#define GHCI_RAW_STATUS_NOT_FILLED 0u
#define GHCI_RAW_STATUS_VMM_SUCCESS 1u
#define GHCI_RAW_STATUS_NOT_COMPLETED 2u
/* data_status byte 1 with byte 0 == NOT_COMPLETED on Send/Receive */
#define GHCI_RAW_DETAIL_VMM_CANCELED 3u
#define GHCI_RAW_DATA_STATUS(b0, b1) ((uint64_t)(uint8_t)(b0) | ((uint64_t)(uint8_t)(b1) << 8))

enum ghci_raw_operation {
	GHCI_RAW_OP_START_MIGRATION = 1,
	GHCI_RAW_OP_START_REBINDING = 2, /* policy v2 builds */
	GHCI_RAW_OP_GET_TDREPORT = 3,
	GHCI_RAW_OP_ENABLE_LOG_AREA = 4,
	GHCI_RAW_OP_GET_MIGTD_DATA = 5, /* policy v2 builds */
};
#define GHCI_RAW_ID_LEN 8u
#define GHCI_RAW_REPORTDATA_LEN 64u
#define GHCI_RAW_ENABLE_LOG_LEN 16u
#define GHCI_RAW_LOG_LEVEL_MIN 1u
#define GHCI_RAW_LOG_LEVEL_MAX 5u

struct ghci_raw_hdr {
	uint64_t data_status;
	uint32_t length;
};

/* Header + payload (ReportStatus/Send buffers, and the VMM's completions). */
int migtd_ghci_raw_build(void *buf, size_t cap, uint64_t data_status, const void *payload, size_t n,
			 size_t *out_len);
int migtd_ghci_raw_hdr_parse(const uint8_t *buf, size_t len, struct ghci_raw_hdr *out);

/* A parsed WaitForRequest completion. */
struct ghci_raw_request {
	uint8_t operation;
	/* The u64 at offset 12 when the buffer holds it, whatever length says:
	 * upstream reports errors for this id (ReportStatus). */
	bool has_request_id;
	uint64_t mig_request_id;
	/* operation 1/2 */
	struct migtd_migration_information mig_info;
	/* operation 3/5: reportdata (zero if the 8-byte form was sent) */
	bool has_reportdata;
	uint8_t reportdata[GHCI_RAW_REPORTDATA_LEN];
	/* operation 4 */
	uint8_t max_log_level;
};

/*
 * MigTD: parse a WaitForRequest completion (§2.4.1) in upstream's order:
 *   len < 12                         -> MIGTD_ERR_TRUNCATED
 *   data_status == 0 && length == 0  -> MIGTD_ERR_AGAIN (spurious, keep waiting)
 *   byte0 != 1                       -> MIGTD_ERR_VMM_INTERNAL (status 11)
 *   operation not 1..5               -> MIGTD_ERR_UNSUPPORTED_OP (status 12)
 *   12 + length > len                -> MIGTD_ERR_LENGTH
 *   operation 2/5 without policy_v2  -> MIGTD_ERR_UNSUPPORTED_OP
 *   payload length / reserved / value -> MIGTD_ERR_LENGTH / _RESERVED / _INVALID (status 1)
 * On every error after the first two, out->has_request_id says whether
 * out->mig_request_id names the request to report the error for.
 */
int migtd_ghci_raw_wfr_parse(const uint8_t *buf, size_t len, bool policy_v2,
			     struct ghci_raw_request *out);
/* VMM: the payload for a request (1/2: RAW or RAW_V2 layout of mig_info by
 * has_init_data; 3/5: 8 or 72 bytes by has_reportdata; 4: 16 bytes). */
int migtd_ghci_raw_wfr_payload_write(struct wire_writer *w, const struct ghci_raw_request *req);

/* ReportStatus status word (R14, §2.4.2): code 0 -> 0; a defined non-zero
 * MigrationResult (1..12, 0xFF) -> 1 | code << 8; other codes -> MIGTD_ERR_INVALID. */
int migtd_ghci_raw_status_word(uint8_t code, uint64_t *word);
/* VMM: bits 63:16 zero, pre-status 0 with code 0 or 1 with a defined code. */
int migtd_ghci_raw_status_word_parse(uint64_t word, uint8_t *code);
/* ReportStatus acknowledged: byte 0 of data_status == 1. */
bool migtd_ghci_raw_report_acked(const uint8_t *buf, size_t len);

/*
 * Send/Receive completion (§2.4.3, §2.4.4):
 *   byte0 == 2 && byte1 == 3 -> MIGTD_ERR_VMM_CANCELED
 *   byte0 != 1               -> MIGTD_ERR_AGAIN (not yet)
 *   12 + length > len        -> MIGTD_ERR_LENGTH
 *   receive && length == 0   -> MIGTD_ERR_INVALID
 *   else MIGTD_OK with the payload view.
 */
int migtd_ghci_raw_stream_completion(const uint8_t *buf, size_t len, bool is_receive,
				     const uint8_t **payload, size_t *payload_len);

/* ---- TDG.VP.VMCALL<GetQuote> (§2.6) --------------------------------------- */

#define GHCI_GETQUOTE_HDR_LEN 24u
#define GHCI_GETQUOTE_VERSION 1u
#define GHCI_GETQUOTE_SUCCESS 0x0ull
#define GHCI_GETQUOTE_IN_FLIGHT 0xFFFFFFFFFFFFFFFFull
#define GHCI_GETQUOTE_ERROR 0x8000000000000000ull
#define GHCI_GETQUOTE_QGS_UNAVAILABLE 0x8000000000000001ull
#define GHCI_GETQUOTE_PREFIX_LEN 4u /* big-endian size of the QGS message */
#define GHCI_GETQUOTE_MAX_BUF (32u * 4096u)

struct ghci_getquote_hdr {
	uint64_t version;
	uint64_t status;
	uint32_t in_len;
	uint32_t out_len;
};

/* Status classes: 0 -> MIGTD_OK; in-flight/error/QGS-unavailable ->
 * MIGTD_ERR_AGAIN (retriable); anything else -> MIGTD_ERR_QUOTE. */
int migtd_ghci_getquote_status_class(uint64_t status);

/* TD: {version 1, status 0, in_len = 4 + n, out_len 0} + BE32(n) + msg. */
int migtd_ghci_getquote_req_build(void *buf, size_t cap, const void *msg, size_t n,
				  size_t *out_len);
/* VMM: version 1, in_len > 4, BE prefix == in_len - 4, in bounds. */
int migtd_ghci_getquote_req_parse(const uint8_t *buf, size_t len, struct ghci_getquote_hdr *hdr,
				  const uint8_t **msg, size_t *msg_len);
/* VMM: completion in place: status, out_len = 4 + n, BE(n) + msg at 24
 * (n may be 0 for an error completion: out_len 0, no data). in_len kept. */
int migtd_ghci_getquote_rsp_build(void *buf, size_t cap, uint64_t status, uint32_t in_len,
				  const void *msg, size_t n, size_t *out_len);
/* TD: status class first (MIGTD_ERR_AGAIN / MIGTD_ERR_QUOTE), then
 * out_len > 4, prefix == out_len - 4, in bounds (MIGTD_ERR_LENGTH). */
int migtd_ghci_getquote_rsp_parse(const uint8_t *buf, size_t len, struct ghci_getquote_hdr *hdr,
				  const uint8_t **msg, size_t *msg_len);

/* -- QGS messages (qgs_msg_lib 1.x) -- */
#define GHCI_QGS_HDR_LEN 16u
#define GHCI_QGS_MAJOR 1u
#define GHCI_QGS_MINOR 1u
#define GHCI_QGS_FMSPC_LEN 6u
enum ghci_qgs_type {
	GHCI_QGS_GET_QUOTE_REQ = 0,
	GHCI_QGS_GET_QUOTE_RESP = 1,
	GHCI_QGS_GET_COLLATERAL_REQ = 2,
	GHCI_QGS_GET_COLLATERAL_RESP = 3,
};

struct ghci_qgs_hdr {
	uint16_t major_version;
	uint16_t minor_version;
	uint32_t type;
	uint32_t size; /* whole message */
	uint32_t error_code;
};

struct ghci_qgs_blob {
	const uint8_t *p;
	uint32_t len;
};

struct ghci_qgs_get_quote_req {
	struct ghci_qgs_blob report; /* 1024-byte TDREPORT */
	struct ghci_qgs_blob id_list;
};
struct ghci_qgs_get_quote_resp {
	struct ghci_qgs_blob selected_id;
	struct ghci_qgs_blob quote;
};
struct ghci_qgs_get_collateral_req {
	struct ghci_qgs_blob fmspc;  /* 6 bytes */
	struct ghci_qgs_blob pck_ca; /* including the NUL */
};
enum ghci_qgs_collateral_blob {
	GHCI_QGS_PCK_CRL_ISSUER_CHAIN,
	GHCI_QGS_ROOT_CA_CRL,
	GHCI_QGS_PCK_CRL,
	GHCI_QGS_TCB_INFO_ISSUER_CHAIN,
	GHCI_QGS_TCB_INFO,
	GHCI_QGS_QE_IDENTITY_ISSUER_CHAIN,
	GHCI_QGS_QE_IDENTITY,
	GHCI_QGS_COLLATERAL_BLOBS,
};
struct ghci_qgs_get_collateral_resp {
	uint16_t major_version;
	uint16_t minor_version;
	struct ghci_qgs_blob blob[GHCI_QGS_COLLATERAL_BLOBS];
};

/* Parse the 16-byte header of a whole message (len = the message as framed):
 * major == 1, type == want_type, size == len. error_code != 0 ->
 * MIGTD_ERR_QUOTE (the header is still filled in). */
int migtd_ghci_qgs_hdr_parse(const uint8_t *msg, size_t len, uint32_t want_type,
			     struct ghci_qgs_hdr *hdr);

int migtd_ghci_qgs_get_quote_req_build(void *buf, size_t cap, const uint8_t *report,
				       size_t report_len, const uint8_t *id_list, size_t id_len,
				       size_t *out_len);
int migtd_ghci_qgs_get_quote_req_parse(const uint8_t *msg, size_t len,
				       struct ghci_qgs_get_quote_req *out);
int migtd_ghci_qgs_get_quote_resp_build(void *buf, size_t cap, uint32_t error_code,
					const struct ghci_qgs_get_quote_resp *in, size_t *out_len);
int migtd_ghci_qgs_get_quote_resp_parse(const uint8_t *msg, size_t len,
					struct ghci_qgs_get_quote_resp *out);
/* pck_ca: "processor" or "platform" (written with its NUL). */
int migtd_ghci_qgs_get_collateral_req_build(void *buf, size_t cap, const uint8_t fmspc[6],
					    const char *pck_ca, size_t *out_len);
int migtd_ghci_qgs_get_collateral_req_parse(const uint8_t *msg, size_t len,
					    struct ghci_qgs_get_collateral_req *out);
int migtd_ghci_qgs_get_collateral_resp_build(void *buf, size_t cap, uint32_t error_code,
					     const struct ghci_qgs_get_collateral_resp *in,
					     size_t *out_len);
int migtd_ghci_qgs_get_collateral_resp_parse(const uint8_t *msg, size_t len,
					     struct ghci_qgs_get_collateral_resp *out);

#endif /* MIGTD_GHCI_H */
