/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdx_module.c -- the emulated TDX module (see emu_tdx.h).
 */
#include "emu_tdx.h"

#include <string.h>

#include <mbedtls/constant_time.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha512.h>
#include <psa/crypto.h>

#include "migtd/tdx_abi.h"
#include "migtd/wire.h"

/* The MAC covers REPORTMACSTRUCT up to the MAC field; TEE_TCB_INFO and
 * TDINFO are bound through their hashes inside it (docs/protocol.md §3.2). */
#define REPORTMAC_COVERED 224

static const char emu_seam_name[] = "migtd-c emulated TDX module";

void emu_tdx_init(struct emu_tdx_module *m, const struct emu_pki *pki)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->report_mac_key, pki->report_mac_key, sizeof(m->report_mac_key));
	memcpy(m->cpusvn, pki->params.cpusvn, sizeof(m->cpusvn));
	memset(m->tee_tcb_info.valid, 0xff, sizeof(m->tee_tcb_info.valid));
	memcpy(m->tee_tcb_info.tee_tcb_svn, pki->params.tdx_tcb, 16);
	mbedtls_sha512((const uint8_t *)emu_seam_name, sizeof(emu_seam_name) - 1,
		       m->tee_tcb_info.mrseam, 1);
}

void emu_tdx_wipe(struct emu_tdx_module *m)
{
	mbedtls_platform_zeroize(m, sizeof(*m));
}

void emu_tdx_launch_servtd(struct emu_tdx_module *m, const uint8_t mrtd[48])
{
	/* The default MigTD image's TD attributes and XFAM (upstream report.dat). */
	static const uint8_t xfam[8] = { 0xe7, 0x1a, 0x06, 0, 0, 0, 0, 0 };

	memset(&m->servtd, 0, sizeof(m->servtd));
	memcpy(m->servtd.info.xfam, xfam, sizeof(xfam));
	memcpy(m->servtd.info.mrtd, mrtd, 48);
}

void emu_tdx_set_servtd_owner(struct emu_tdx_module *m, const uint8_t mrowner[48],
			      const uint8_t mrownerconfig[48])
{
	memcpy(m->servtd.info.mrowner, mrowner, sizeof(m->servtd.info.mrowner));
	memcpy(m->servtd.info.mrownerconfig, mrownerconfig, sizeof(m->servtd.info.mrownerconfig));
}

static int random_bytes(void *buf, size_t len)
{
	return psa_generate_random(buf, len) == PSA_SUCCESS ? 0 : -1;
}

struct emu_user_td *emu_tdx_bind_user_td(struct emu_tdx_module *m)
{
	for (size_t i = 0; i < EMU_TDX_MAX_USER_TDS; i++) {
		struct emu_user_td *td = &m->user_tds[i];

		if (td->in_use)
			continue;
		memset(td, 0, sizeof(*td));
		if (random_bytes(&td->binding, sizeof(td->binding)) ||
		    random_bytes(td->mig_enc_key, sizeof(td->mig_enc_key)))
			return NULL;
		td->servtd_attr = TDX_SERVTD_ATTR_EXPECTED;
		td->in_use = true;
		return td;
	}
	return NULL;
}

void emu_tdx_unbind_user_td(struct emu_user_td *td)
{
	if (td != NULL)
		mbedtls_platform_zeroize(td, sizeof(*td));
}

struct emu_user_td *emu_tdx_find_user_td(struct emu_tdx_module *m,
					 const struct migtd_servtd_binding *b)
{
	for (size_t i = 0; i < EMU_TDX_MAX_USER_TDS; i++) {
		struct emu_user_td *td = &m->user_tds[i];

		if (td->in_use && td->binding.handle == b->handle &&
		    !memcmp(&td->binding.uuid, &b->uuid, sizeof(b->uuid)))
			return td;
	}
	return NULL;
}

static int report_mac(const uint8_t key[32], const uint8_t *rep, uint8_t mac[32])
{
	return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, 32, rep,
			       REPORTMAC_COVERED, mac);
}

uint64_t emu_tdx_mr_report(const struct emu_tdx_module *m, const uint8_t report_data[64],
			   uint8_t tdreport[TDREPORT_STRUCT_SIZE])
{
	struct tdreport_struct rep;
	uint64_t status = EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RCX);

	memset(&rep, 0, sizeof(rep));
	rep.mac.type[0] = TDREPORT_TEE_TYPE_TDX;
	memcpy(rep.mac.cpusvn, m->cpusvn, sizeof(rep.mac.cpusvn));
	memcpy(rep.mac.report_data, report_data, 64);
	rep.tee_tcb_info = m->tee_tcb_info;
	rep.tdinfo = m->servtd.info;
	if (migtd_tdreport_update_hashes(&rep) != MIGTD_OK ||
	    migtd_tdreport_build(&rep, tdreport, TDREPORT_STRUCT_SIZE, NULL) != MIGTD_OK ||
	    report_mac(m->report_mac_key, tdreport, tdreport + REPORTMAC_COVERED) != 0)
		goto out;
	status = TDX_SUCCESS;
out:
	mbedtls_platform_zeroize(&rep, sizeof(rep));
	return status;
}

uint64_t emu_tdx_rtmr_extend(struct emu_tdx_module *m, uint64_t index, const uint8_t digest[48])
{
	uint8_t buf[96];

	if (index >= TDX_RTMR_COUNT)
		return EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX);
	/* RTMR[i] = SHA-384(RTMR[i] || digest) */
	memcpy(buf, m->servtd.info.rtmr[index], 48);
	memcpy(buf + 48, digest, 48);
	if (mbedtls_sha512(buf, sizeof(buf), m->servtd.info.rtmr[index], 1) != 0)
		return EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RCX);
	return TDX_SUCCESS;
}

/* Checks common to SERVTD.RD and WR: the binding handle, then the UUID. */
static uint64_t servtd_lookup(struct emu_tdx_module *m, const struct migtd_servtd_binding *b,
			      struct emu_user_td **out)
{
	bool handle_known = false;

	for (size_t i = 0; i < EMU_TDX_MAX_USER_TDS; i++) {
		struct emu_user_td *td = &m->user_tds[i];

		if (!td->in_use || td->binding.handle != b->handle)
			continue;
		handle_known = true;
		if (!memcmp(&td->binding.uuid, &b->uuid, sizeof(b->uuid))) {
			*out = td;
			return TDX_SUCCESS;
		}
	}
	return EMU_TDX_OPERAND_INVALID(handle_known ? EMU_TDX_OPERAND_R10 : EMU_TDX_OPERAND_RCX);
}

uint64_t emu_tdx_servtd_rd(struct emu_tdx_module *m, const struct migtd_servtd_binding *b,
			   uint64_t field, uint64_t *value)
{
	struct emu_user_td *td = NULL;
	uint64_t status = servtd_lookup(m, b, &td);

	if (status != TDX_SUCCESS)
		return status;
	if (field >= TDX_FIELD_MIG_ENC_KEY(0) && field <= TDX_FIELD_MIG_ENC_KEY(3)) {
		*value = migtd_wire_get_u64(td->mig_enc_key +
					    8 * (field - TDX_FIELD_MIG_ENC_KEY(0)));
		return TDX_SUCCESS;
	}
	if (field == TDX_FIELD_SERVTD_ATTR) {
		*value = td->servtd_attr;
		return TDX_SUCCESS;
	}
	/* MIG_DEC_KEY and MIG_VERSION are write-only for the service TD;
	 * anything else is not a field it may access. */
	return EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX);
}

uint64_t emu_tdx_servtd_wr(struct emu_tdx_module *m, const struct migtd_servtd_binding *b,
			   uint64_t field, uint64_t value, uint64_t mask, uint64_t *old)
{
	struct emu_user_td *td = NULL;
	uint64_t status = servtd_lookup(m, b, &td), prev;

	if (status != TDX_SUCCESS)
		return status;
	if (field >= TDX_FIELD_MIG_DEC_KEY(0) && field <= TDX_FIELD_MIG_DEC_KEY(3)) {
		unsigned int i = (unsigned int)(field - TDX_FIELD_MIG_DEC_KEY(0));
		uint8_t *word = td->mig_dec_key + 8 * i;

		prev = migtd_wire_get_u64(word);
		migtd_wire_put_u64(word, (prev & ~mask) | (value & mask));
		td->dec_key_written |= (uint8_t)(1u << i);
	} else if (field == TDX_FIELD_MIG_VERSION) {
		/* A 16-bit field: bits above it cannot be set. */
		if ((value & mask) >> 16)
			return EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX);
		prev = td->mig_version;
		td->mig_version = (uint16_t)((prev & ~mask) | (value & mask));
		td->mig_version_written = true;
	} else {
		/* MIG_ENC_KEY and SERVTD_ATTR are read-only; the rest is not ours. */
		return EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX);
	}
	if (old)
		*old = prev;
	return TDX_SUCCESS;
}

uint64_t emu_tdx_sys_rd(const struct emu_tdx_module *m, uint64_t field, uint64_t *value)
{
	switch (field) {
	case TDX_FIELD_MIN_EXPORT_VERSION: *value = m->min_export_version; break;
	case TDX_FIELD_MAX_EXPORT_VERSION: *value = m->max_export_version; break;
	case TDX_FIELD_MIN_IMPORT_VERSION: *value = m->min_import_version; break;
	case TDX_FIELD_MAX_IMPORT_VERSION: *value = m->max_import_version; break;
	default: return EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX);
	}
	return TDX_SUCCESS;
}

int emu_tdx_verify_report(const struct emu_tdx_module *m,
			  const uint8_t tdreport[TDREPORT_STRUCT_SIZE])
{
	struct tdreport_struct rep;
	uint8_t mac[32];
	int ret = MIGTD_ERR_INVALID;

	if (report_mac(m->report_mac_key, tdreport, mac) != 0 ||
	    mbedtls_ct_memcmp(mac, tdreport + REPORTMAC_COVERED, sizeof(mac)) != 0)
		goto out;
	if (migtd_tdreport_parse(tdreport, TDREPORT_STRUCT_SIZE, &rep) != MIGTD_OK ||
	    migtd_tdreport_check_type(&rep) != MIGTD_OK ||
	    migtd_tdreport_check_integrity(&rep) != MIGTD_OK)
		goto out;
	ret = MIGTD_OK;
out:
	mbedtls_platform_zeroize(mac, sizeof(mac));
	return ret;
}

void emu_tdx_report_to_quote_body(const struct tdreport_struct *rep,
				  uint8_t body[MIGTD_QUOTE_TD10_BODY_SIZE])
{
	const struct tdinfo_struct *td = &rep->tdinfo;

	/* docs/protocol.md §8.2: the body is TEE_TCB_INFO's SVN/MRSEAM/MRSIGNERSEAM/attributes,
	 * then TDINFO up to RTMR3, then REPORTDATA. */
	memcpy(body + MIGTD_VR_TEE_TCB_SVN, rep->tee_tcb_info.tee_tcb_svn, 16);
	memcpy(body + MIGTD_VR_MRSEAM, rep->tee_tcb_info.mrseam, 48);
	memcpy(body + MIGTD_VR_MRSIGNERSEAM, rep->tee_tcb_info.mrsignerseam, 48);
	memcpy(body + MIGTD_VR_SEAM_ATTRIBUTES, rep->tee_tcb_info.attributes, 8);
	memcpy(body + MIGTD_VR_TD_ATTRIBUTES, td->attributes, 8);
	memcpy(body + MIGTD_VR_XFAM, td->xfam, 8);
	memcpy(body + MIGTD_VR_MRTD, td->mrtd, 48);
	memcpy(body + MIGTD_VR_MRCONFIGID, td->mrconfigid, 48);
	memcpy(body + MIGTD_VR_MROWNER, td->mrowner, 48);
	memcpy(body + MIGTD_VR_MROWNERCONFIG, td->mrownerconfig, 48);
	for (unsigned i = 0; i < 4; i++)
		memcpy(body + MIGTD_VR_RTMR(i), td->rtmr[i], 48);
	memcpy(body + MIGTD_VR_REPORT_DATA, rep->mac.report_data, 64);
}
