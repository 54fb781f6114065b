/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * link_server.c -- the emulated host's end of the platform link
 * (see emu_host.h, src/emulink/emu_link.h).
 *
 * Every request is parsed with the bounded reader; a request that is wrong
 * gets an error answer naming what was wrong, and the MigTD's link goes on;
 * only a stream that cannot be resynchronised (bad magic, oversized length)
 * is dropped. Nothing the MigTD sends can make this side read out of bounds.
 */
#include "emu_host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "emu_link_fd.h"
#include "emu_quote.h"
#include "hostio.h"
#include "migtd/ghci.h"
#include "migtd/wire.h"

/* ------------------------------------------------------------ platform */

static const char *const collateral_files[7] = {
	"pck_crl_issuer_chain.pem", /* assembled below: platform CA + root */
	"root_ca.crl.der",          "platform_ca.crl.der", "tcb_signing_chain.pem", "tcb_info.json",
	"tcb_signing_chain.pem", /* the QE identity is signed by the same key */
	"qe_identity.json",
};

static int load_blob(const char *dir, const char *name, uint8_t **buf, size_t *len, bool text)
{
	char path[EMU_PKI_PATH_MAX];
	int ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return MIGTD_ERR_INVALID;
	ret = hostio_read_file(path, HOSTIO_READ_MAX, buf, len);
	/* hostio_read_file leaves a NUL after the data: text blobs carry it, as
	 * the collateral interface wants (docs/protocol.md §8.6: size includes the NUL). */
	if (!ret && text)
		(*len)++;
	return ret;
}

int emu_collateral_load(struct emu_collateral *c, const char *dir, char *msg, size_t msglen)
{
	struct emu_platform_params prm;
	uint8_t *chain = NULL;
	size_t chain_len = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	ret = emu_pki_read_params(dir, &prm);
	if (ret == MIGTD_OK)
		memcpy(c->fmspc, prm.fmspc, 6);
	for (int i = 0; ret == MIGTD_OK && i < 7; i++) {
		bool text = strstr(collateral_files[i], ".der") == NULL;

		if (i == 0) {
			/* PCK CRL issuer chain = the PCK chain without its leaf. */
			const char *second;
			size_t n;

			ret = load_blob(dir, "pck_chain.pem", &chain, &chain_len, true);
			if (ret)
				break;
			/* chain_len counts the NUL: an empty file has nothing past it. */
			second = chain_len < 2 ? NULL
					       : strstr((const char *)chain + 1,
							"-----BEGIN CERTIFICATE-----");
			if (!second) {
				ret = MIGTD_ERR_INVALID;
				break;
			}
			n = chain_len - (size_t)(second - (const char *)chain);
			c->blob[0] = malloc(n);
			if (!c->blob[0]) {
				ret = MIGTD_ERR_NOMEM;
				break;
			}
			memcpy(c->blob[0], second, n); /* chain_len counts the NUL */
			c->len[0] = n;
			continue;
		}
		ret = load_blob(dir, collateral_files[i], &c->blob[i], &c->len[i], text);
	}
	free(chain);
	if (ret) {
		if (msg && msglen)
			snprintf(msg, msglen, "cannot load the collateral in %s", dir);
		emu_collateral_free(c);
	}
	return ret;
}

void emu_collateral_free(struct emu_collateral *c)
{
	for (int i = 0; i < 7; i++) {
		free(c->blob[i]);
		c->blob[i] = NULL;
	}
}

int emu_host_platform_load(struct emu_host_platform *h, const char *dir, char *msg, size_t msglen)
{
	int ret;

	memset(h, 0, sizeof(*h));
	ret = emu_pki_load(&h->pki, dir, msg, msglen);
	if (ret)
		return ret;
	emu_tdx_init(&h->tdx, &h->pki);
	ret = emu_collateral_load(&h->own, dir, msg, msglen);
	if (ret)
		emu_host_platform_free(h);
	return ret;
}

void emu_host_platform_free(struct emu_host_platform *h)
{
	emu_collateral_free(&h->own);
	emu_pki_free(&h->pki);
	emu_tdx_wipe(&h->tdx);
}

/* ------------------------------------------------------------ QGS */

/* QGS error code for a report that does not verify (qgs_msg_lib reports a
 * non-zero error_code; the value itself is not interpreted by MigTD). */
#define EMU_QGS_ERROR_INVALID_REPORT 0x12u
#define EMU_QGS_ERROR_UNSUPPORTED 0x11u

static uint64_t qgs_reply(uint8_t *buf, size_t cap, uint32_t in_len, const uint8_t *msg, size_t n)
{
	size_t out = 0;

	/* The response overwrites the request in the TD's buffer, as the real
	 * QGS does; build it aside first. */
	if (migtd_ghci_getquote_rsp_build(buf, cap, GHCI_GETQUOTE_SUCCESS, in_len, msg, n, &out) !=
	    MIGTD_OK)
		return GHCI_GETQUOTE_ERROR;
	return GHCI_GETQUOTE_SUCCESS;
}

static uint64_t qgs_error(uint8_t *buf, size_t cap, uint32_t in_len, uint64_t status)
{
	size_t out = 0;

	migtd_ghci_getquote_rsp_build(buf, cap, status, in_len, NULL, 0, &out);
	return status;
}

uint64_t emu_qgs_handle(struct emu_host_platform *h, uint8_t *buf, size_t len, size_t cap)
{
	static uint8_t quote[EMU_QUOTE_MAX];
	static uint8_t msg[EMU_QUOTE_MAX + 65536]; /* quotes and collateral */
	struct ghci_getquote_hdr hdr;
	const uint8_t *req = NULL;
	size_t req_len = 0, qlen = 0, mlen = 0;
	uint32_t type;
	uint64_t status;

	if (migtd_ghci_getquote_req_parse(buf, len, &hdr, &req, &req_len) != MIGTD_OK ||
	    req_len < 16)
		return qgs_error(buf, cap, 0, GHCI_GETQUOTE_ERROR);
	type = migtd_wire_get_u32(req + 4);
	if (type == GHCI_QGS_GET_QUOTE_REQ) {
		struct ghci_qgs_get_quote_req q;
		struct ghci_qgs_get_quote_resp r = { 0 };
		struct tdreport_struct rep;
		uint8_t body[MIGTD_QUOTE_TD10_BODY_SIZE];
		uint32_t err = 0;

		if (migtd_ghci_qgs_get_quote_req_parse(req, req_len, &q) != MIGTD_OK)
			return qgs_error(buf, cap, hdr.in_len, GHCI_GETQUOTE_ERROR);
		/* The quoting enclave only signs reports this platform's TDX module made. */
		if (emu_tdx_verify_report(&h->tdx, q.report.p) != MIGTD_OK ||
		    migtd_tdreport_parse(q.report.p, TDREPORT_STRUCT_SIZE, &rep) != MIGTD_OK) {
			err = EMU_QGS_ERROR_INVALID_REPORT;
		} else {
			emu_tdx_report_to_quote_body(&rep, body);
			if (emu_quote_build(&h->pki, body, quote, sizeof(quote), &qlen) != MIGTD_OK)
				err = EMU_QGS_ERROR_INVALID_REPORT;
			else {
				r.quote.p = quote;
				r.quote.len = (uint32_t)qlen;
				h->quotes_issued++;
			}
		}
		if (migtd_ghci_qgs_get_quote_resp_build(msg, sizeof(msg), err, &r, &mlen) !=
		    MIGTD_OK)
			return qgs_error(buf, cap, hdr.in_len, GHCI_GETQUOTE_ERROR);
	} else if (type == GHCI_QGS_GET_COLLATERAL_REQ) {
		struct ghci_qgs_get_collateral_req q;
		struct ghci_qgs_get_collateral_resp r = { .major_version = 3, .minor_version = 1 };
		uint32_t err = 0;

		if (migtd_ghci_qgs_get_collateral_req_parse(req, req_len, &q) != MIGTD_OK)
			return qgs_error(buf, cap, hdr.in_len, GHCI_GETQUOTE_ERROR);
		/* This platform's collateral, or a known one's (the PCCS stand-in). */
		const struct emu_collateral *c = NULL;

		if (memcmp(q.fmspc.p, h->own.fmspc, 6) == 0)
			c = &h->own;
		for (unsigned i = 0; !c && i < h->pcs_n; i++)
			if (memcmp(q.fmspc.p, h->pcs[i]->fmspc, 6) == 0)
				c = h->pcs[i];
		h->collateral_requests++;
		if (h->collateral_error || !c) {
			err = EMU_QGS_ERROR_UNSUPPORTED;
		} else {
			for (int i = 0; i < GHCI_QGS_COLLATERAL_BLOBS; i++) {
				r.blob[i].p = c->blob[i];
				r.blob[i].len = (uint32_t)c->len[i];
			}
		}
		if (migtd_ghci_qgs_get_collateral_resp_build(msg, sizeof(msg), err, &r, &mlen) !=
		    MIGTD_OK)
			return qgs_error(buf, cap, hdr.in_len, GHCI_GETQUOTE_ERROR);
	} else {
		return qgs_error(buf, cap, hdr.in_len, GHCI_GETQUOTE_ERROR);
	}
	status = qgs_reply(buf, cap, hdr.in_len, msg, mlen);
	return status;
}

/* ------------------------------------------------------------ link */

void emu_link_conn_init(struct emu_link_conn *c, int fd, struct emu_host_platform *host)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->host = host;
}

static int conn_drop(struct emu_link_conn *c, const char *why)
{
	if (!c->dead)
		snprintf(c->why, sizeof(c->why), "%s", why);
	c->dead = true;
	return MIGTD_ERR_NETWORK;
}

/* Send header + payload already placed at c->tx + HDR. */
static int conn_send(struct emu_link_conn *c, uint16_t op, uint32_t seq, size_t len)
{
	if (c->dead)
		return MIGTD_ERR_NETWORK;
	if (emu_link_header(c->tx, op, seq, len) != MIGTD_OK)
		return conn_drop(c, "response too large");
	if (emu_fd_write_all(c->fd, c->tx, EMU_LINK_HDR_LEN + len, 5000) != MIGTD_OK)
		return conn_drop(c, "write to the MigTD failed");
	return MIGTD_OK;
}

int emu_link_reply_error(struct emu_link_conn *c, uint32_t seq, int err, const char *reason)
{
	uint8_t *q = c->tx + EMU_LINK_HDR_LEN;
	size_t n = strlen(reason);

	if (n > 200)
		n = 200;
	migtd_wire_put_u32(q, (uint32_t)err);
	memcpy(q + 4, reason, n);
	return conn_send(c, EMU_LINK_ERROR, seq, 4 + n);
}

/* An answer of an 8-byte VMCALL status and the len bytes of buf. */
static int reply_status(struct emu_link_conn *c, uint16_t op, uint32_t seq, uint64_t vmcall_status,
			const uint8_t *buf, size_t len)
{
	uint8_t *q = c->tx + EMU_LINK_HDR_LEN;

	if (len > EMU_LINK_MAX_PAYLOAD - 8)
		return MIGTD_ERR_LENGTH;
	migtd_wire_put_u64(q, vmcall_status);
	memcpy(q + 8, buf, len);
	return conn_send(c, op | EMU_LINK_RESPONSE, seq, 8 + len);
}

int emu_link_reply_service(struct emu_link_conn *c, uint32_t seq, uint64_t vmcall_status,
			   const uint8_t *rsp, size_t rsp_len)
{
	return reply_status(c, EMU_LINK_SERVICE, seq, vmcall_status, rsp, rsp_len);
}

int emu_link_reply_raw(struct emu_link_conn *c, uint32_t seq, uint64_t vmcall_status,
		       const uint8_t *buf, size_t cap)
{
	return reply_status(c, EMU_LINK_MIGTD_RAW, seq, vmcall_status, buf, cap);
}

static void binding_from(const uint8_t *p, struct migtd_servtd_binding *b)
{
	b->handle = migtd_wire_get_u64(p);
	for (unsigned i = 0; i < 4; i++)
		b->uuid.w[i] = migtd_wire_get_u64(p + 8 + 8 * i);
}

/* Expected request payload length per op (0 = variable). */
static size_t op_len(uint16_t op)
{
	switch (op) {
	case EMU_LINK_MR_REPORT: return 64;
	case EMU_LINK_RTMR_EXTEND: return 4 + 48;
	case EMU_LINK_SERVTD_RD: return 48;
	case EMU_LINK_SERVTD_WR: return 64;
	case EMU_LINK_SYS_RD: return 8;
	default: return 0;
	}
}

static int conn_handle(struct emu_link_conn *c, const struct emu_link_frame *f)
{
	struct emu_host_platform *h = c->host;
	uint8_t *q = c->tx + EMU_LINK_HDR_LEN;
	struct migtd_servtd_binding b;
	uint64_t status, v = 0;
	char why[96];

	if (!emu_link_op_known(f->op)) {
		snprintf(why, sizeof(why), "unknown operation %u", f->op);
		return emu_link_reply_error(c, f->seq, MIGTD_ERR_UNSUPPORTED_OP, why);
	}
	if (f->op == EMU_LINK_LOG_PAGE) {
		/* A notice: never answered, a wrong one is dropped. */
		if (f->len == EMU_LINK_LOG_PAGE_LEN && h->on_log_page)
			h->on_log_page(h->service_ctx, migtd_wire_get_u32(f->payload),
				       f->payload + 4);
		return MIGTD_OK;
	}
	if (op_len(f->op) && f->len != op_len(f->op)) {
		snprintf(why, sizeof(why), "%s: payload of %u bytes, expected %zu",
			 emu_link_op_name(f->op), f->len, op_len(f->op));
		return emu_link_reply_error(c, f->seq, MIGTD_ERR_LENGTH, why);
	}
	c->frames++;
	switch (f->op) {
	case EMU_LINK_MR_REPORT:
		status = emu_tdx_mr_report(&h->tdx, f->payload, q + 8);
		migtd_wire_put_u64(q, status);
		return conn_send(c, f->op | EMU_LINK_RESPONSE, f->seq, 8 + TDREPORT_STRUCT_SIZE);
	case EMU_LINK_RTMR_EXTEND:
		status = emu_tdx_rtmr_extend(&h->tdx, migtd_wire_get_u32(f->payload),
					     f->payload + 4);
		migtd_wire_put_u64(q, status);
		return conn_send(c, f->op | EMU_LINK_RESPONSE, f->seq, 8);
	case EMU_LINK_SERVTD_RD:
		binding_from(f->payload, &b);
		status = emu_tdx_servtd_rd(&h->tdx, &b, migtd_wire_get_u64(f->payload + 40), &v);
		migtd_wire_put_u64(q, status);
		migtd_wire_put_u64(q + 8, v);
		v = 0;
		return conn_send(c, f->op | EMU_LINK_RESPONSE, f->seq, 16);
	case EMU_LINK_SERVTD_WR:
		binding_from(f->payload, &b);
		status = emu_tdx_servtd_wr(&h->tdx, &b, migtd_wire_get_u64(f->payload + 40),
					   migtd_wire_get_u64(f->payload + 48),
					   migtd_wire_get_u64(f->payload + 56), &v);
		migtd_wire_put_u64(q, status);
		migtd_wire_put_u64(q + 8, v);
		return conn_send(c, f->op | EMU_LINK_RESPONSE, f->seq, 16);
	case EMU_LINK_SYS_RD:
		status = emu_tdx_sys_rd(&h->tdx, migtd_wire_get_u64(f->payload), &v);
		migtd_wire_put_u64(q, status);
		migtd_wire_put_u64(q + 8, v);
		return conn_send(c, f->op | EMU_LINK_RESPONSE, f->seq, 16);
	case EMU_LINK_SERVICE: {
		uint32_t rsp_cap;

		if (f->len < 12 + GHCI_SERVICE_HDR_LEN)
			return emu_link_reply_error(c, f->seq, MIGTD_ERR_LENGTH,
						    "SERVICE: command shorter than its header");
		rsp_cap = migtd_wire_get_u32(f->payload + 8);
		if (rsp_cap < GHCI_SERVICE_HDR_LEN || rsp_cap > EMU_LINK_MAX_PAYLOAD - 8)
			return emu_link_reply_error(c, f->seq, MIGTD_ERR_LENGTH,
						    "SERVICE: response buffer size out of range");
		if (!h->on_service)
			return emu_link_reply_error(c, f->seq, MIGTD_ERR_UNSUPPORTED,
						    "no VMM service on this platform");
		h->on_service(h->service_ctx, c, f->seq, f->payload + 12, f->len - 12, rsp_cap);
		return c->dead ? MIGTD_ERR_NETWORK : MIGTD_OK;
	}
	case EMU_LINK_MIGTD_RAW: {
		uint32_t leaf, cap;

		if (f->len < EMU_LINK_RAW_HDR_LEN + GHCI_RAW_HDR_LEN)
			return emu_link_reply_error(c, f->seq, MIGTD_ERR_LENGTH,
						    "MIGTD_RAW: buffer shorter than its header");
		leaf = migtd_wire_get_u32(f->payload);
		cap = migtd_wire_get_u32(f->payload + 4);
		if (cap < f->len - EMU_LINK_RAW_HDR_LEN || cap > EMU_LINK_MAX_PAYLOAD - 8)
			return emu_link_reply_error(c, f->seq, MIGTD_ERR_LENGTH,
						    "MIGTD_RAW: buffer length out of range");
		if (!h->on_raw)
			return emu_link_reply_error(c, f->seq, MIGTD_ERR_UNSUPPORTED,
						    "no vmcall-raw VMM on this platform");
		h->on_raw(h->service_ctx, c, f->seq, leaf, cap, migtd_wire_get_u64(f->payload + 8),
			  migtd_wire_get_u64(f->payload + 16), f->payload + EMU_LINK_RAW_HDR_LEN,
			  f->len - EMU_LINK_RAW_HDR_LEN);
		return c->dead ? MIGTD_ERR_NETWORK : MIGTD_OK;
	}
	case EMU_LINK_GET_QUOTE:
		if (f->len < GHCI_GETQUOTE_HDR_LEN)
			return emu_link_reply_error(c, f->seq, MIGTD_ERR_LENGTH,
						    "GET_QUOTE: buffer shorter than its header");
		/* The answer is the buffer behind an 8-byte status: it must fit
		 * in c->tx as well. */
		if (f->len > EMU_LINK_MAX_PAYLOAD - 8)
			return emu_link_reply_error(c, f->seq, MIGTD_ERR_LENGTH,
						    "GET_QUOTE: buffer too large for an answer");
		memcpy(q + 8, f->payload, f->len);
		status = emu_qgs_handle(h, q + 8, f->len, f->len);
		/* The TDVMCALL itself succeeded; the outcome is in the buffer. */
		migtd_wire_put_u64(q, 0);
		(void)status;
		return conn_send(c, f->op | EMU_LINK_RESPONSE, f->seq, 8 + f->len);
	default: return emu_link_reply_error(c, f->seq, MIGTD_ERR_UNSUPPORTED_OP, "unhandled");
	}
}

int emu_link_conn_on_readable(struct emu_link_conn *c)
{
	struct emu_link_frame f;
	size_t used = 0;
	ssize_t n;
	int ret;

	if (c->dead)
		return MIGTD_ERR_NETWORK;
	n = read(c->fd, c->rx + c->rx_len, sizeof(c->rx) - c->rx_len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return MIGTD_OK;
	if (n < 0)
		return conn_drop(c, "read from the MigTD failed");
	if (n == 0)
		return conn_drop(c, "MigTD closed the link");
	c->rx_len += (size_t)n;
	while ((ret = emu_link_parse(c->rx, c->rx_len, &f, &used)) == MIGTD_OK) {
		ret = conn_handle(c, &f);
		memmove(c->rx, c->rx + used, c->rx_len - used);
		c->rx_len -= used;
		if (ret && c->dead)
			return ret;
	}
	if (ret == MIGTD_ERR_AGAIN)
		return MIGTD_OK;
	/* Bad magic, version or length: the stream cannot be resynchronised.
	 * Say so to the MigTD (seq 0: no request can be blamed) and drop it. */
	emu_link_reply_error(c, 0, ret,
			     ret == MIGTD_ERR_LENGTH ? "frame too large" : "bad frame header");
	return conn_drop(c, ret == MIGTD_ERR_LENGTH ? "frame too large" : "bad frame header");
}
