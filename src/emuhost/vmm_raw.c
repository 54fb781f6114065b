/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * vmm_raw.c -- the emulated VMM's side of TDG.VP.VMCALL<MigTD> "vmcall-raw"
 * (docs/vmcall-raw.md, docs/protocol.md §2.4, §4.4).
 *
 * WaitForRequest is held until a request is queued and then completed with
 * the GHCI 1.5 data buffer; ReportStatus is acknowledged (data_status byte
 * 0 = 1) and its data kept (a GetTDReport's TDREPORT is checked against this
 * platform's TDX module: MAC and REPORTDATA). Send appends the chunk to the
 * paired request's queue on the other platform (the pair is the request
 * with the same port, as the Service profile's relay pairs streams) and
 * completes at once; a posted Receive completes as soon as bytes wait for
 * it. The relay faults apply to the bytes a MigTD sends; "cancel" completes
 * both sessions' calls with data_status byte 0 = 2, byte 1 = 3 (§2.4.4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "migtd/fmt.h"
#include "migtd/ghci.h"
#include "migtd/logarea.h"
#include "migtd/session.h"
#include "migtd/tdreport.h"
#include "migtd/wire.h"
#include "vmm_internal.h"

/* The largest Receive payload (§4.4: 16 pages - 12). */
#define RAW_RX_MAX 0xFFF4u

static uint8_t raw_out[EMU_LINK_MAX_PAYLOAD];

/* Complete a call: cap bytes of shared buffer {b0, b1, length n, payload}. */
static void raw_complete(struct emu_link_conn *c, uint32_t seq, size_t cap, uint8_t b0, uint8_t b1,
			 const uint8_t *payload, size_t n)
{
	size_t out = 0;

	if (cap > sizeof(raw_out))
		cap = sizeof(raw_out);
	memset(raw_out, 0, cap);
	if (migtd_ghci_raw_build(raw_out, cap, GHCI_RAW_DATA_STATUS(b0, b1), payload, n, &out) !=
	    MIGTD_OK) {
		emu_link_reply_raw(c, seq, TDX_VMCALL_INVALID_OPERAND, raw_out, cap);
		return;
	}
	emu_link_reply_raw(c, seq, 0, raw_out, cap);
}

static struct emu_vmm_platform *req_plat(struct emu_vmm *v, const struct emu_vmm_request *r)
{
	for (unsigned i = 0; i < v->nplat; i++)
		if (r >= v->plat[i].reqs && r < v->plat[i].reqs + EMU_VMM_MAX_REQUESTS)
			return &v->plat[i];
	return NULL;
}

/* The request in progress with this id (delivered, not reported). */
static struct emu_vmm_request *raw_find(struct emu_vmm_platform *p, uint64_t id)
{
	for (size_t i = 0; i < EMU_VMM_MAX_REQUESTS; i++) {
		struct emu_vmm_request *q = &p->reqs[i];

		if (q->used && q->delivered && q->id == id && q->status < 0 && !q->duplicate_of)
			return q;
	}
	return NULL;
}

/* The other platform's end of a StartMigration pair (same port, other role). */
static struct emu_vmm_request *raw_peer(struct emu_vmm *v, struct emu_vmm_platform *p,
					const struct emu_vmm_request *r)
{
	for (unsigned k = 0; k < v->nplat; k++) {
		struct emu_vmm_platform *o = &v->plat[k];

		if (o == p)
			continue;
		for (size_t i = 0; i < EMU_VMM_MAX_REQUESTS; i++) {
			struct emu_vmm_request *q = &o->reqs[i];

			if (q->used && q->status < 0 && !q->duplicate_of && q->raw_op <= 1 &&
			    q->port == r->port && q->source != r->source)
				return q;
		}
	}
	return NULL;
}

void emu_vmm_raw_cancel(struct emu_vmm *v, struct emu_vmm_request *r)
{
	struct emu_vmm_platform *p = req_plat(v, r);

	if (!r || !r->used || r->raw_canceled)
		return;
	r->raw_canceled = true;
	r->inq_len = 0;
	if (r->rx_pending && p && p->conn) {
		r->rx_pending = false;
		raw_complete(p->conn, r->rx_seq, r->rx_cap, GHCI_RAW_STATUS_NOT_COMPLETED,
			     GHCI_RAW_DETAIL_VMM_CANCELED, NULL, 0);
	}
	vmm_say(v, p ? p->name : "?", "request %llu cancelled by the VMM",
		(unsigned long long)r->id);
}

/* Append n bytes to a growing queue (at most 64 MiB). */
static int q_append(uint8_t **buf, size_t *len, size_t *qcap, const uint8_t *b, size_t n)
{
	if (*len + n > *qcap) {
		size_t cap = *qcap ? *qcap : 65536;
		uint8_t *q;

		while (cap < *len + n)
			cap *= 2;
		if (cap > 64u * 1024 * 1024)
			return -1;
		q = realloc(*buf, cap);
		if (!q)
			return -1;
		*buf = q;
		*qcap = cap;
	}
	memcpy(*buf + *len, b, n);
	*len += n;
	return 0;
}

static int inq_append(struct emu_vmm_request *r, const uint8_t *b, size_t n)
{
	return q_append(&r->inq, &r->inq_len, &r->inq_cap, b, n);
}

/* serve: the session's bytes go to another host (the relay's TCP stream). */
static bool raw_remote(struct emu_vmm_platform *p, struct emu_vmm_request *r)
{
	int fd;

	if (!r->has_remote)
		return false;
	if (!r->raw_fd_open && r->status < 0) {
		fd = vmm_raw_remote_attach(p, r);
		if (fd >= 0) {
			r->raw_fd = fd;
			r->raw_fd_open = true;
		}
	}
	return true;
}

/* Move bytes between a remote request and its relay stream. */
static void raw_remote_io(struct emu_vmm_request *r)
{
	uint8_t buf[16384];
	ssize_t n;

	if (!r->raw_fd_open)
		return;
	while (r->outq_len) {
		n = send(r->raw_fd, r->outq, r->outq_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0)
			break;
		memmove(r->outq, r->outq + n, r->outq_len - (size_t)n);
		r->outq_len -= (size_t)n;
	}
	while ((n = recv(r->raw_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		if (!r->raw_canceled && inq_append(r, buf, (size_t)n) != 0)
			break;
}

void vmm_raw_remote_close(struct emu_vmm_request *r)
{
	if (r->raw_fd_open) {
		close(r->raw_fd);
		r->raw_fd_open = false;
	}
	free(r->outq);
	r->outq = NULL;
	r->outq_len = r->outq_cap = 0;
}

/* ------------------------------------------------------------ requests */

struct emu_vmm_request *emu_vmm_raw_request(struct emu_vmm_platform *p, uint64_t id, uint8_t op,
					    uint8_t level, enum emu_vmm_raw_inject inject)
{
	struct emu_vmm_request *r = op == GHCI_RAW_OP_START_MIGRATION
					    ? vmm_request_bound(p, id, true, 0)
					    : vmm_request_new(p, id);

	if (!r)
		return NULL;
	r->raw_op = op;
	r->raw_level = level;
	r->raw_inject = inject;
	/* Only now: a held WaitForRequest must see the injection too. */
	vmm_deliver(p);
	return r;
}

/* The WaitForRequest payload for r (§2.4.1). */
static int raw_payload(const struct emu_vmm_request *r, uint8_t *out, size_t cap, size_t *n)
{
	struct ghci_raw_request q;
	struct wire_writer w;
	int ret;

	memset(&q, 0, sizeof(q));
	q.operation = r->raw_op ? r->raw_op : GHCI_RAW_OP_START_MIGRATION;
	q.mig_request_id = r->id;
	migtd_wire_writer_init(&w, out, cap);
	switch (q.operation) {
	case GHCI_RAW_OP_START_MIGRATION:
		q.mig_info.mig_request_id = r->id;
		q.mig_info.migration_source = r->source ? 1 : 0;
		if (r->td) {
			memcpy(q.mig_info.target_td_uuid, r->td->binding.uuid.w,
			       sizeof(q.mig_info.target_td_uuid));
			q.mig_info.binding_handle = r->td->binding.handle;
		}
		ret = migtd_ghci_raw_wfr_payload_write(&w, &q);
		break;
	case GHCI_RAW_OP_GET_TDREPORT:
		/* The 72-byte form: the MigTD must ignore these 64 bytes (§2.4.6). */
		q.has_reportdata = true;
		memset(q.reportdata, 0xA5, sizeof(q.reportdata));
		ret = migtd_ghci_raw_wfr_payload_write(&w, &q);
		break;
	case GHCI_RAW_OP_ENABLE_LOG_AREA:
		q.max_log_level = r->raw_level;
		ret = migtd_ghci_raw_wfr_payload_write(&w, &q);
		break;
	default: /* StartRebinding, GetMigtdData, unknown: the id */
		migtd_wire_write_u64(&w, r->id);
		ret = migtd_wire_writer_error(&w);
		break;
	}
	if (!ret && r->raw_inject == EMU_VMM_RAW_BAD_LENGTH)
		migtd_wire_write_u8(&w, 0);
	if (!ret)
		ret = migtd_wire_writer_error(&w);
	*n = migtd_wire_written(&w);
	return ret;
}

void vmm_raw_deliver(struct emu_vmm_platform *p)
{
	uint8_t payload[1024];
	struct emu_vmm_request *r = NULL;
	uint8_t b0 = GHCI_RAW_STATUS_VMM_SUCCESS, op;
	size_t n = 0;

	if (!p->wfr_pending || !p->conn)
		return;
	r = vmm_oldest_undelivered(p);
	if (!r)
		return;
	op = r->raw_op ? r->raw_op : GHCI_RAW_OP_START_MIGRATION;
	if (r->raw_inject == EMU_VMM_RAW_UNKNOWN_OP)
		op = 9;
	if (r->raw_inject == EMU_VMM_RAW_VMM_ERROR)
		b0 = GHCI_RAW_STATUS_NOT_COMPLETED;
	if (raw_payload(r, payload, sizeof(payload), &n) != MIGTD_OK ||
	    GHCI_RAW_HDR_LEN + n > p->wfr_rsp_cap) {
		vmm_say(p->vmm, p->name, "cannot build the vmcall-raw request for %llu",
			(unsigned long long)r->id);
		r->used = false;
		return;
	}
	vmm_mark_delivered(p, r);
	raw_complete(p->conn, p->wfr_seq, p->wfr_rsp_cap, b0, op, payload, n);
	vmm_say(p->vmm, p->name, "vmcall-raw request %llu delivered (operation %u%s%s)%s",
		(unsigned long long)r->id, op,
		op == GHCI_RAW_OP_START_MIGRATION ? (r->source ? ", source" : ", destination") : "",
		r->raw_inject == EMU_VMM_RAW_VMM_ERROR    ? ", VMM error status (test)"
		: r->raw_inject == EMU_VMM_RAW_BAD_LENGTH ? ", payload one byte too long (test)"
							  : "",
		r->duplicate_of ? " AGAIN, the original in progress (test)" : "");
}

/* ------------------------------------------------------------ calls */

/* §2.4.6: a TDREPORT this platform's TDX module made, over the fixed REPORTDATA. */
static void raw_check_tdreport(struct emu_vmm_platform *p, struct emu_vmm_request *r)
{
	uint8_t want[TDREPORT_REPORT_DATA_SIZE] = { 0 };
	struct tdreport_struct rep;

	memcpy(want, MIGTD_RAW_TDREPORT_TAG, sizeof(MIGTD_RAW_TDREPORT_TAG) - 1);
	if (r->rdata_len != TDREPORT_STRUCT_SIZE)
		return;
	r->tdreport_mac_ok = emu_tdx_verify_report(&p->host.tdx, r->rdata) == MIGTD_OK;
	r->tdreport_rd_ok =
		migtd_tdreport_parse(r->rdata, TDREPORT_STRUCT_SIZE, &rep) == MIGTD_OK &&
		memcmp(rep.mac.report_data, want, sizeof(want)) == 0;
	vmm_say(p->vmm, p->name, "GetTDReport %llu: TDREPORT MAC %s, REPORTDATA %s",
		(unsigned long long)r->id, r->tdreport_mac_ok ? "verified" : "WRONG",
		r->tdreport_rd_ok ? "\"HostRequestedMigTDReport\"" : "WRONG");
}

static void raw_report(struct emu_vmm_platform *p, struct emu_link_conn *c, uint32_t seq,
		       size_t cap, uint64_t id, uint64_t word, const uint8_t *buf, size_t len)
{
	static uint8_t ack[EMU_LINK_MAX_PAYLOAD];
	struct ghci_raw_hdr h;
	struct emu_vmm_request *r;
	uint8_t code = 0;

	if (migtd_ghci_raw_status_word_parse(word, &code) != MIGTD_OK ||
	    migtd_ghci_raw_hdr_parse(buf, len, &h) != MIGTD_OK ||
	    h.length > len - GHCI_RAW_HDR_LEN) {
		vmm_say(p->vmm, p->name, "ReportStatus for %llu refused: status word 0x%llx",
			(unsigned long long)id, (unsigned long long)word);
		memset(ack, 0, cap);
		memcpy(ack, buf, len);
		emu_link_reply_raw(c, seq, TDX_VMCALL_INVALID_OPERAND, ack, cap);
		return;
	}
	r = vmm_on_report(p, id, code);
	if (r) {
		r->rdata_len = h.length <= sizeof(r->rdata) ? h.length : 0;
		memcpy(r->rdata, buf + GHCI_RAW_HDR_LEN, r->rdata_len);
		if (r->raw_op == GHCI_RAW_OP_GET_TDREPORT && code == 0)
			raw_check_tdreport(p, r);
		/* The session is over: a Receive it left posted is let go. */
		if (r->rx_pending) {
			r->rx_pending = false;
			raw_complete(c, r->rx_seq, r->rx_cap, GHCI_RAW_STATUS_NOT_COMPLETED,
				     GHCI_RAW_DETAIL_VMM_CANCELED, NULL, 0);
		}
		r->inq_len = 0;
		/* The other host sees the end of the stream once the relay
		 * passed on what it had. */
		if (r->raw_fd_open) {
			raw_remote_io(r);
			vmm_raw_remote_close(r);
		}
	}
	/* §2.4.2: acknowledged = byte 0 of data_status set to 1, the rest kept. */
	memset(ack, 0, cap);
	memcpy(ack, buf, len);
	ack[0] = GHCI_RAW_STATUS_VMM_SUCCESS;
	emu_link_reply_raw(c, seq, 0, ack, cap);
}

/* A relay fault on n bytes r's MigTD sends; false: the bytes go nowhere. */
static bool raw_fault(struct emu_vmm *v, struct emu_vmm_platform *p, struct emu_vmm_request *r,
		      struct emu_vmm_request *peer, uint8_t *b, size_t n)
{
	size_t before = r->bytes_sent, after = before + n;

	if (!v->fault || (v->fault_plat && v->fault_plat != p) || after <= v->fault_after)
		return true;
	switch (v->fault) {
	case EMU_VMM_FAULT_CORRUPT:
		if (before <= v->fault_after) {
			b[v->fault_after - before] ^= 0x5a;
			vmm_say(v, "relay", "fault injected: corrupted byte %zu from %s",
				v->fault_after, p->name);
		}
		return true;
	case EMU_VMM_FAULT_STALL: return false;
	default: /* drop, disconnect, cancel: the VMM cancels both sessions */
		vmm_say(v, "relay", "fault injected: sessions cancelled after %zu bytes from %s",
			before, p->name);
		emu_vmm_raw_cancel(v, r);
		if (peer)
			emu_vmm_raw_cancel(v, peer);
		return false;
	}
}

static void raw_send(struct emu_vmm_platform *p, struct emu_link_conn *c, uint32_t seq, size_t cap,
		     struct emu_vmm_request *r, const uint8_t *buf, size_t len)
{
	static uint8_t chunk[EMU_LINK_MAX_PAYLOAD];
	struct emu_vmm *v = p->vmm;
	struct emu_vmm_request *peer;
	struct ghci_raw_hdr h;

	if (migtd_ghci_raw_hdr_parse(buf, len, &h) != MIGTD_OK ||
	    h.length > len - GHCI_RAW_HDR_LEN || h.length == 0) {
		emu_link_reply_raw(c, seq, TDX_VMCALL_INVALID_OPERAND, buf, 0);
		return;
	}
	memcpy(chunk, buf + GHCI_RAW_HDR_LEN, h.length);
	if (raw_remote(p, r)) {
		/* Another host: the relay's faults act on its stream. */
		if (!r->raw_canceled &&
		    q_append(&r->outq, &r->outq_len, &r->outq_cap, chunk, h.length) != 0)
			vmm_say(v, p->name, "relay buffer full for request %llu",
				(unsigned long long)r->id);
		raw_remote_io(r);
	} else {
		peer = raw_peer(v, p, r);
		if (!r->raw_canceled && raw_fault(v, p, r, peer, chunk, h.length) && peer &&
		    !peer->raw_canceled && inq_append(peer, chunk, h.length) != 0)
			vmm_say(v, p->name, "relay buffer full for request %llu",
				(unsigned long long)peer->id);
	}
	r->bytes_sent += h.length;
	if (r->raw_canceled) {
		raw_complete(c, seq, cap, GHCI_RAW_STATUS_NOT_COMPLETED,
			     GHCI_RAW_DETAIL_VMM_CANCELED, NULL, 0);
		return;
	}
	raw_complete(c, seq, cap, GHCI_RAW_STATUS_VMM_SUCCESS, 0, NULL, 0);
	vmm_raw_pump(v);
}

void vmm_raw_on_call(void *ctx, struct emu_link_conn *c, uint32_t seq, uint32_t leaf, size_t cap,
		     uint64_t r13, uint64_t r14, const uint8_t *buf, size_t len)
{
	struct emu_vmm_platform *p = ctx;
	struct emu_vmm_request *r;

	if (!p->raw) {
		emu_link_reply_error(c, seq, MIGTD_ERR_UNSUPPORTED,
				     "this VMM speaks the Service profile");
		return;
	}
	switch (leaf) {
	case GHCI_RAW_LEAF_WAIT_FOR_REQUEST:
		p->wfr_count++;
		p->wfr_pending = true;
		p->wfr_seq = seq;
		p->wfr_rsp_cap = cap;
		vmm_raw_deliver(p);
		return;
	case GHCI_RAW_LEAF_REPORT_STATUS: raw_report(p, c, seq, cap, r13, r14, buf, len); return;
	case GHCI_RAW_LEAF_SEND:
	case GHCI_RAW_LEAF_RECEIVE:
		r = raw_find(p, r13);
		if (!r) {
			vmm_say(p->vmm, p->name, "%s for request %llu, which is not in progress",
				leaf == GHCI_RAW_LEAF_SEND ? "Send" : "Receive",
				(unsigned long long)r13);
			emu_link_reply_raw(c, seq, TDX_VMCALL_INVALID_OPERAND, buf, 0);
			return;
		}
		if (leaf == GHCI_RAW_LEAF_SEND) {
			raw_send(p, c, seq, cap, r, buf, len);
			return;
		}
		if (r->raw_canceled || r->rx_pending) {
			/* A second Receive for one id is a MigTD bug: cancel it. */
			raw_complete(c, seq, cap, GHCI_RAW_STATUS_NOT_COMPLETED,
				     GHCI_RAW_DETAIL_VMM_CANCELED, NULL, 0);
			return;
		}
		r->rx_pending = true;
		r->rx_seq = seq;
		r->rx_cap = cap;
		(void)raw_remote(p, r);
		vmm_raw_pump(p->vmm);
		return;
	default:
		emu_link_reply_error(c, seq, MIGTD_ERR_UNSUPPORTED_OP, "unknown vmcall-raw leaf");
		return;
	}
}

void vmm_raw_pump(struct emu_vmm *v)
{
	if (v->hold)
		return;
	for (unsigned k = 0; k < v->nplat; k++) {
		struct emu_vmm_platform *p = &v->plat[k];

		if (!p->raw || !p->conn)
			continue;
		for (size_t i = 0; i < EMU_VMM_MAX_REQUESTS; i++) {
			struct emu_vmm_request *r = &p->reqs[i];
			size_t n;

			if (r->used && r->raw_fd_open)
				raw_remote_io(r);
			if (!r->used || !r->rx_pending || !r->inq_len ||
			    r->rx_cap <= GHCI_RAW_HDR_LEN)
				continue;
			n = r->rx_cap - GHCI_RAW_HDR_LEN;
			if (n > RAW_RX_MAX)
				n = RAW_RX_MAX;
			if (n > r->inq_len)
				n = r->inq_len;
			r->rx_pending = false;
			raw_complete(p->conn, r->rx_seq, r->rx_cap, GHCI_RAW_STATUS_VMM_SUCCESS, 0,
				     r->inq, n);
			memmove(r->inq, r->inq + n, r->inq_len - n);
			r->inq_len -= n;
		}
	}
}

/* ------------------------------------------------------------ log area */

void vmm_raw_on_log_page(void *ctx, uint32_t vcpu, const uint8_t *page)
{
	struct emu_vmm_platform *p = ctx;

	if (vcpu >= EMU_VMM_MAX_VCPUS)
		return;
	memcpy(p->log_page[vcpu], page, sizeof(p->log_page[vcpu]));
	p->log_page_seen[vcpu] = true;
}

struct print_ctx {
	FILE *f;
	const char *name;
	uint32_t vcpu;
	unsigned n;
};

static void print_entry(void *ctx, const struct migtd_logarea_entry *e)
{
	struct print_ctx *pc = ctx;
	char id[24];

	if (e->request_id == MIGTD_LOGAREA_NO_REQUEST)
		snprintf(id, sizeof(id), "-");
	else
		snprintf(id, sizeof(id), "%llu", (unsigned long long)e->request_id);
	/* The text is the MigTD's: print it, but only as printable bytes. */
	fprintf(pc->f, "log %s vcpu %u #%llu request %s level %u: ", pc->name, pc->vcpu,
		(unsigned long long)e->id, id, e->level);
	for (uint32_t i = 0; i < e->len; i++) {
		unsigned char ch = (unsigned char)e->msg[i];

		fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', pc->f);
	}
	fputc('\n', pc->f);
	pc->n++;
}

unsigned emu_vmm_raw_print_logs(const struct emu_vmm_platform *p, FILE *f)
{
	struct print_ctx pc = { f, p->name, 0, 0 };

	for (uint32_t i = 0; i < EMU_VMM_MAX_VCPUS; i++) {
		uint32_t vcpu = 0;
		int n;

		if (!p->log_page_seen[i])
			continue;
		pc.vcpu = i;
		n = migtd_logarea_read(p->log_page[i], sizeof(p->log_page[i]), &vcpu, print_entry,
				       &pc);
		if (n < 0)
			fprintf(f, "log %s vcpu %u: not a log ring page (%s)\n", p->name, i,
				migtd_err_str(n));
	}
	return pc.n;
}
