/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * ghci.c -- TDG.VP.VMCALL<Service> buffers (docs/protocol.md §2.2), see migtd/ghci.h.
 */
#include "migtd/ghci.h"

#include <string.h>

/* FB6FC5E1-3378-4ACB-8964-FA5EE43B9C8A */
const struct migtd_guid migtd_ghci_guid_service_common = { { 0xe1, 0xc5, 0x6f, 0xfb, 0x78, 0x33,
							     0xcb, 0x4a, 0x89, 0x64, 0xfa, 0x5e,
							     0xe4, 0x3b, 0x9c, 0x8a } };
/* E60E6330-1E09-4387-A444-8F32B8D611E5 */
const struct migtd_guid migtd_ghci_guid_service_migtd = { { 0x30, 0x63, 0x0e, 0xe6, 0x09, 0x1e,
							    0x87, 0x43, 0xa4, 0x44, 0x8f, 0x32,
							    0xb8, 0xd6, 0x11, 0xe5 } };

/* ---- generic command / response ----------------------------------------- */

/* Header with a zero length placeholder; *len_at points at the length field. */
static int service_hdr_write(struct wire_writer *w, const struct migtd_guid *guid, uint32_t third,
			     uint8_t **len_at)
{
	migtd_wire_write_guid(w, guid);
	if (migtd_wire_reserve(w, len_at, 4))
		return migtd_wire_writer_error(w);
	return migtd_wire_write_u32(w, third);
}

static int service_build(void *buf, size_t cap, const struct migtd_guid *guid, uint32_t third,
			 const void *data, size_t data_len, size_t *out_len)
{
	struct wire_writer w;
	uint8_t *len_at;
	int err;

	*out_len = 0;
	if (data_len > UINT32_MAX - GHCI_SERVICE_HDR_LEN)
		return MIGTD_ERR_LENGTH;
	migtd_wire_writer_init(&w, buf, cap);
	err = service_hdr_write(&w, guid, third, &len_at);
	if (err)
		return err;
	if (data_len)
		migtd_wire_write_bytes(&w, data, data_len);
	err = migtd_wire_writer_error(&w);
	if (err)
		return err;
	migtd_wire_put_u32(len_at, (uint32_t)migtd_wire_written(&w));
	*out_len = migtd_wire_written(&w);
	return MIGTD_OK;
}

int migtd_ghci_service_cmd_build(void *buf, size_t cap, const struct migtd_guid *guid,
				 const void *data, size_t data_len, size_t *out_len)
{
	return service_build(buf, cap, guid, 0, data, data_len, out_len);
}

int migtd_ghci_service_cmd_parse(const uint8_t *buf, size_t len, struct ghci_service_cmd *out)
{
	struct wire_reader r;
	int err;

	memset(out, 0, sizeof(*out));
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_guid(&r, &out->guid);
	migtd_wire_read_u32(&r, &out->length);
	err = migtd_wire_error(&r);
	if (err)
		return err;
	if (out->length < GHCI_SERVICE_HDR_LEN || out->length > len)
		return MIGTD_ERR_LENGTH;
	migtd_wire_read_zero(&r, 4);
	migtd_wire_read_ref(&r, &out->data, out->length - GHCI_SERVICE_HDR_LEN);
	out->data_len = out->length - GHCI_SERVICE_HDR_LEN;
	return migtd_wire_error(&r);
}

int migtd_ghci_service_rsp_prefill(void *buf, size_t cap, const struct migtd_guid *guid,
				   uint32_t status)
{
	struct wire_writer w;
	uint8_t *len_at;
	int err;

	if (cap > UINT32_MAX)
		return MIGTD_ERR_LENGTH;
	migtd_wire_writer_init(&w, buf, cap);
	err = service_hdr_write(&w, guid, status, &len_at);
	if (err)
		return err;
	migtd_wire_put_u32(len_at, (uint32_t)cap);
	return migtd_wire_write_zero(&w, cap - GHCI_SERVICE_HDR_LEN);
}

int migtd_ghci_service_rsp_build(void *buf, size_t cap, const struct migtd_guid *guid,
				 uint32_t status, const void *data, size_t data_len,
				 size_t *out_len)
{
	return service_build(buf, cap, guid, status, data, data_len, out_len);
}

int migtd_ghci_service_rsp_parse(const uint8_t *buf, size_t len, const struct migtd_guid *expect,
				 struct ghci_service_rsp *out)
{
	struct wire_reader r;
	int err;

	memset(out, 0, sizeof(*out));
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_guid(&r, &out->guid);
	migtd_wire_read_u32(&r, &out->length);
	migtd_wire_read_u32(&r, &out->status);
	err = migtd_wire_error(&r);
	if (err)
		return err;
	if (out->length < GHCI_SERVICE_HDR_LEN || out->length > len)
		return MIGTD_ERR_LENGTH;
	out->data_len = migtd_wire_remaining(&r);
	migtd_wire_read_ref(&r, &out->data, out->data_len);
	if (!migtd_guid_eq(&out->guid, expect))
		return MIGTD_ERR_GUID;
	return migtd_wire_error(&r);
}

/* A command buffer for the given service: its data as a bounded reader. */
static int service_cmd_open(const uint8_t *buf, size_t len, const struct migtd_guid *guid,
			    struct ghci_service_cmd *cmd, struct wire_reader *r)
{
	int err = migtd_ghci_service_cmd_parse(buf, len, cmd);

	if (err)
		return err;
	if (!migtd_guid_eq(&cmd->guid, guid))
		return MIGTD_ERR_GUID;
	migtd_wire_reader_init(r, cmd->data, cmd->data_len);
	return MIGTD_OK;
}

/* ---- Query --------------------------------------------------------------- */

int migtd_ghci_query_cmd_build(void *buf, size_t cap, size_t *out_len)
{
	uint8_t data[GHCI_QUERY_CMD_LEN - GHCI_SERVICE_HDR_LEN] = { 0 };

	data[0] = 0; /* version */
	data[1] = GHCI_QUERY_COMMAND;
	memcpy(&data[4], migtd_ghci_guid_service_migtd.b, sizeof(migtd_ghci_guid_service_migtd.b));
	return migtd_ghci_service_cmd_build(buf, cap, &migtd_ghci_guid_service_common, data,
					    sizeof(data), out_len);
}

int migtd_ghci_query_cmd_parse(const uint8_t *buf, size_t len, struct ghci_query *out)
{
	struct ghci_service_cmd cmd;
	struct wire_reader r;
	int err;

	memset(out, 0, sizeof(*out));
	err = service_cmd_open(buf, len, &migtd_ghci_guid_service_common, &cmd, &r);
	if (err)
		return err;
	if (cmd.data_len != GHCI_QUERY_CMD_LEN - GHCI_SERVICE_HDR_LEN)
		return MIGTD_ERR_LENGTH;
	migtd_wire_read_u8(&r, &out->version);
	migtd_wire_read_u8(&r, &out->command);
	migtd_wire_read_zero(&r, 2);
	migtd_wire_read_guid(&r, &out->guid);
	err = migtd_wire_error(&r);
	if (err)
		return err;
	if (out->version != 0 || out->command != GHCI_QUERY_COMMAND)
		return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}

int migtd_ghci_query_rsp_build(void *buf, size_t cap, uint8_t status, const struct migtd_guid *guid,
			       size_t *out_len)
{
	uint8_t data[20] = { 0 };

	data[1] = GHCI_QUERY_COMMAND;
	data[2] = status;
	memcpy(&data[4], guid->b, sizeof(guid->b));
	return migtd_ghci_service_rsp_build(buf, cap, &migtd_ghci_guid_service_common, 0, data,
					    sizeof(data), out_len);
}

int migtd_ghci_query_rsp_parse(const uint8_t *buf, size_t len, struct ghci_query *out)
{
	struct ghci_service_rsp rsp;
	struct wire_reader r;
	int err;

	memset(out, 0, sizeof(*out));
	err = migtd_ghci_service_rsp_parse(buf, len, &migtd_ghci_guid_service_common, &rsp);
	if (err)
		return err;
	migtd_wire_reader_init(&r, rsp.data, rsp.data_len);
	migtd_wire_read_u8(&r, &out->version);
	migtd_wire_read_u8(&r, &out->command);
	migtd_wire_read_u8(&r, &out->status);
	migtd_wire_skip(&r, 1); /* reserved: upstream does not check it */
	migtd_wire_read_guid(&r, &out->guid);
	err = migtd_wire_error(&r);
	if (err)
		return err;
	if (out->command != GHCI_QUERY_COMMAND)
		return MIGTD_ERR_INVALID;
	if (!migtd_guid_eq(&out->guid, &migtd_ghci_guid_service_migtd))
		return MIGTD_ERR_GUID;
	if (out->status != 0)
		return MIGTD_ERR_UNSUPPORTED;
	return MIGTD_OK;
}

/* ---- MigTD service ------------------------------------------------------- */

static int migtd_short_cmd_build(void *buf, size_t cap, uint8_t command, size_t *out_len)
{
	const uint8_t data[4] = { 0, command, 0, 0 };

	return migtd_ghci_service_cmd_build(buf, cap, &migtd_ghci_guid_service_migtd, data,
					    sizeof(data), out_len);
}

int migtd_ghci_shutdown_cmd_build(void *buf, size_t cap, size_t *out_len)
{
	return migtd_short_cmd_build(buf, cap, GHCI_MIGTD_CMD_SHUTDOWN, out_len);
}

int migtd_ghci_wfr_cmd_build(void *buf, size_t cap, size_t *out_len)
{
	return migtd_short_cmd_build(buf, cap, GHCI_MIGTD_CMD_WAIT_FOR_REQUEST, out_len);
}

int migtd_ghci_report_cmd_build(void *buf, size_t cap, uint64_t mig_request_id, uint8_t status,
				size_t *out_len)
{
	uint8_t data[12];

	data[0] = 0;
	data[1] = GHCI_MIGTD_CMD_REPORT_STATUS;
	data[2] = 1; /* operation */
	data[3] = status;
	migtd_wire_put_u64(&data[4], mig_request_id);
	return migtd_ghci_service_cmd_build(buf, cap, &migtd_ghci_guid_service_migtd, data,
					    sizeof(data), out_len);
}

int migtd_ghci_migtd_cmd_parse(const uint8_t *buf, size_t len, struct ghci_migtd_cmd *out)
{
	struct ghci_service_cmd cmd;
	struct wire_reader r;
	size_t want;
	int err;

	memset(out, 0, sizeof(*out));
	err = service_cmd_open(buf, len, &migtd_ghci_guid_service_migtd, &cmd, &r);
	if (err)
		return err;
	migtd_wire_read_u8(&r, &out->version);
	migtd_wire_read_u8(&r, &out->command);
	err = migtd_wire_error(&r);
	if (err)
		return err;
	if (out->version != 0)
		return MIGTD_ERR_INVALID;
	switch (out->command) {
	case GHCI_MIGTD_CMD_SHUTDOWN:
	case GHCI_MIGTD_CMD_WAIT_FOR_REQUEST: want = GHCI_MIGTD_CMD_SHORT_LEN; break;
	case GHCI_MIGTD_CMD_REPORT_STATUS: want = GHCI_MIGTD_CMD_REPORT_LEN; break;
	default: return MIGTD_ERR_UNSUPPORTED_OP;
	}
	if (cmd.length != want)
		return MIGTD_ERR_LENGTH;
	if (out->command != GHCI_MIGTD_CMD_REPORT_STATUS)
		return migtd_wire_read_zero(&r, 2);
	migtd_wire_read_u8(&r, &out->operation);
	migtd_wire_read_u8(&r, &out->status);
	migtd_wire_read_u64(&r, &out->mig_request_id);
	err = migtd_wire_error(&r);
	if (err)
		return err;
	return out->operation == 1 ? MIGTD_OK : MIGTD_ERR_INVALID;
}

int migtd_ghci_wfr_rsp_build(void *buf, size_t cap, uint8_t operation, const void *hob,
			     size_t hob_len, size_t *out_len)
{
	struct wire_writer w;
	uint8_t *len_at;
	int err;

	*out_len = 0;
	migtd_wire_writer_init(&w, buf, cap);
	err = service_hdr_write(&w, &migtd_ghci_guid_service_migtd, 0, &len_at);
	if (err)
		return err;
	migtd_wire_write_u8(&w, 0);
	migtd_wire_write_u8(&w, GHCI_MIGTD_CMD_WAIT_FOR_REQUEST);
	migtd_wire_write_u8(&w, operation);
	migtd_wire_write_u8(&w, 0);
	if (hob_len)
		migtd_wire_write_bytes(&w, hob, hob_len);
	err = migtd_wire_writer_error(&w);
	if (err)
		return err;
	if (migtd_wire_written(&w) > UINT32_MAX)
		return MIGTD_ERR_LENGTH;
	migtd_wire_put_u32(len_at, (uint32_t)migtd_wire_written(&w));
	*out_len = migtd_wire_written(&w);
	return MIGTD_OK;
}

int migtd_ghci_wfr_rsp_parse(const uint8_t *buf, size_t len, struct ghci_wfr_rsp *out)
{
	struct ghci_service_rsp rsp;
	struct wire_reader r;
	int err;

	memset(out, 0, sizeof(*out));
	err = migtd_ghci_service_rsp_parse(buf, len, &migtd_ghci_guid_service_migtd, &rsp);
	if (err)
		return err;
	migtd_wire_reader_init(&r, rsp.data, rsp.data_len);
	migtd_wire_read_u8(&r, &out->version);
	migtd_wire_read_u8(&r, &out->command);
	migtd_wire_read_u8(&r, &out->operation);
	migtd_wire_skip(&r, 1); /* reserved: upstream does not check it */
	err = migtd_wire_error(&r);
	if (err)
		return err;
	if (out->command != GHCI_MIGTD_CMD_WAIT_FOR_REQUEST)
		return MIGTD_ERR_INVALID;
	if (out->operation == GHCI_WFR_OP_NONE)
		return MIGTD_OK;
	if (out->operation != GHCI_WFR_OP_REQUEST)
		return MIGTD_ERR_INVALID;
	out->hob_len = migtd_wire_remaining(&r);
	return migtd_wire_read_ref(&r, &out->hob, out->hob_len);
}

int migtd_ghci_wfr_rsp_parse_request(const uint8_t *buf, size_t len, enum hob_mode mode,
				     bool require_socket_info, bool *has_request,
				     struct migtd_migration_request *req)
{
	struct ghci_wfr_rsp wfr;
	int err;

	*has_request = false;
	memset(req, 0, sizeof(*req));
	err = migtd_ghci_wfr_rsp_parse(buf, len, &wfr);
	if (err || wfr.operation == GHCI_WFR_OP_NONE)
		return err;
	err = migtd_hob_parse_migration_request(wfr.hob, wfr.hob_len, mode, require_socket_info,
						req);
	if (err)
		return err;
	*has_request = true;
	return MIGTD_OK;
}

int migtd_ghci_migtd_rsp_build(void *buf, size_t cap, uint8_t command, size_t *out_len)
{
	const uint8_t data[4] = { 0, command, 0, 0 };

	return migtd_ghci_service_rsp_build(buf, cap, &migtd_ghci_guid_service_migtd, 0, data,
					    sizeof(data), out_len);
}

int migtd_ghci_report_rsp_parse(const uint8_t *buf, size_t len)
{
	struct ghci_service_rsp rsp;
	struct wire_reader r;
	uint8_t version, command;
	int err;

	err = migtd_ghci_service_rsp_parse(buf, len, &migtd_ghci_guid_service_migtd, &rsp);
	if (err)
		return err;
	migtd_wire_reader_init(&r, rsp.data, rsp.data_len);
	migtd_wire_read_u8(&r, &version);
	migtd_wire_read_u8(&r, &command);
	migtd_wire_skip(&r, 2);
	err = migtd_wire_error(&r);
	if (err)
		return err;
	return command == GHCI_MIGTD_CMD_REPORT_STATUS ? MIGTD_OK : MIGTD_ERR_INVALID;
}
