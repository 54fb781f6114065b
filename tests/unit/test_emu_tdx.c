/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for the emulated TDX module (src/emuhost/tdx_module.c): RTMR
 * extension against the published td-shim value, TDREPORT layout and MAC,
 * SERVTD.RD/WR semantics and every error return, SYS.RD.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <mbedtls/sha512.h>
#include <psa/crypto.h>

#include "emu_tdx.h"
#include "migtd/tdx_abi.h"
#include "migtd/wire.h"
#include "support/testutil.h"

static struct emu_tdx_module mod;

static int setup(void **state)
{
	struct emu_pki pki;

	(void)state;
	assert_int_equal(psa_crypto_init(), PSA_SUCCESS);
	memset(&pki, 0, sizeof(pki));
	emu_platform_params_default(&pki.params);
	memset(pki.report_mac_key, 0x42, sizeof(pki.report_mac_key));
	emu_tdx_init(&mod, &pki);
	uint8_t mrtd[48];
	memset(mrtd, 0x77, sizeof(mrtd));
	emu_tdx_launch_servtd(&mod, mrtd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	emu_tdx_wipe(&mod);
	return 0;
}

/* td-shim extends RTMR0 with SHA-384(00 00 00 00) (EV_SEPARATOR); docs/protocol.md §9.4
 * gives the resulting register value. */
static void test_rtmr_extend_matches_spec_value(void **state)
{
	(void)state;
	static const uint8_t sep[4] = { 0 };
	uint8_t digest[48], want[48];

	tu_unhex("518923b0f955d08da077c96aaba522b9decede61c599cea6c41889cfbea4ae4d"
		 "50529d96fe4d1afdafb65e7f95bf23c4",
		 want, sizeof(want));
	assert_int_equal(mbedtls_sha512(sep, sizeof(sep), digest, 1), 0);
	assert_true(emu_tdx_rtmr_extend(&mod, 0, digest) == TDX_SUCCESS);
	assert_memory_equal(mod.servtd.info.rtmr[0], want, 48);
	assert_true(emu_tdx_rtmr_extend(&mod, 1, digest) == TDX_SUCCESS);
	assert_memory_equal(mod.servtd.info.rtmr[1], want, 48);
	/* A second extension chains on the first. */
	uint8_t buf[96], chained[48];
	memcpy(buf, want, 48);
	memcpy(buf + 48, digest, 48);
	assert_int_equal(mbedtls_sha512(buf, sizeof(buf), chained, 1), 0);
	assert_true(emu_tdx_rtmr_extend(&mod, 1, digest) == TDX_SUCCESS);
	assert_memory_equal(mod.servtd.info.rtmr[1], chained, 48);
	/* Only RTMR0..3 exist. */
	assert_true(TDX_STATUS_CLASS(emu_tdx_rtmr_extend(&mod, 4, digest)) ==
		    TDX_CLASS_OPERAND_INVALID);
}

static void test_report_layout_and_mac(void **state)
{
	(void)state;
	uint8_t rd[64], rep[1024], bad[1024];

	for (unsigned i = 0; i < 64; i++)
		rd[i] = (uint8_t)(0x80 + i);
	assert_true(emu_tdx_mr_report(&mod, rd, rep) == TDX_SUCCESS);
	/* docs/protocol.md §3.2 offsets. */
	assert_int_equal(rep[0], 0x81);
	assert_memory_equal(rep + 128, rd, 64);
	assert_memory_equal(rep + 256 + 8, mod.tee_tcb_info.tee_tcb_svn, 16);
	assert_memory_equal(rep + 256 + 24, mod.tee_tcb_info.mrseam, 48);
	assert_memory_equal(rep + 512 + 16, mod.servtd.info.mrtd, 48);
	assert_memory_equal(rep + 512 + 208, mod.servtd.info.rtmr[0], 48);
	assert_memory_equal(rep + 512 + 8, mod.servtd.info.xfam, 8);
	/* tee_info_hash = SHA-384(TDINFO_STRUCT) at 80. */
	uint8_t h[48];
	assert_int_equal(mbedtls_sha512(rep + 512, 512, h, 1), 0);
	assert_memory_equal(rep + 80, h, 48);
	assert_int_equal(emu_tdx_verify_report(&mod, rep), MIGTD_OK);

	/* Any change to a MAC'd byte, or to what the hashes cover, is caught. */
	static const size_t offsets[] = { 0, 16, 40, 100, 128, 191, 223, 224, 255, 300, 530, 1000 };
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		memcpy(bad, rep, sizeof(bad));
		bad[offsets[i]] ^= 1;
		assert_int_equal(emu_tdx_verify_report(&mod, bad), MIGTD_ERR_INVALID);
	}
	/* Another platform's key does not verify our reports. */
	struct emu_tdx_module other = mod;
	other.report_mac_key[0] ^= 1;
	assert_int_equal(emu_tdx_verify_report(&other, rep), MIGTD_ERR_INVALID);
	emu_tdx_wipe(&other);
}

static void test_quote_body_from_report(void **state)
{
	(void)state;
	uint8_t rd[64] = { 1, 2, 3 }, rep[1024], body[584];
	struct tdreport_struct r;

	assert_true(emu_tdx_mr_report(&mod, rd, rep) == TDX_SUCCESS);
	assert_int_equal(migtd_tdreport_parse(rep, sizeof(rep), &r), MIGTD_OK);
	emu_tdx_report_to_quote_body(&r, body);
	/* docs/protocol.md §8.2 offsets. */
	assert_memory_equal(body + 0, rep + 256 + 8, 16);         /* TEE_TCB_SVN */
	assert_memory_equal(body + 16, rep + 256 + 24, 48);       /* MRSEAM */
	assert_memory_equal(body + 120, rep + 512, 8);            /* TDATTRIBUTES */
	assert_memory_equal(body + 128, rep + 512 + 8, 8);        /* XFAM */
	assert_memory_equal(body + 136, rep + 512 + 16, 48);      /* MRTD */
	assert_memory_equal(body + 328, rep + 512 + 208, 4 * 48); /* RTMR0..3 */
	assert_memory_equal(body + 520, rd, 64);
}

static void test_servtd_rd_wr(void **state)
{
	(void)state;
	struct emu_user_td *td = emu_tdx_bind_user_td(&mod);
	struct migtd_servtd_binding b, wrong;
	uint64_t v = 0, old = 0;

	assert_non_null(td);
	b = td->binding;
	assert_ptr_equal(emu_tdx_find_user_td(&mod, &b), td);
	/* MIG_ENC_KEY: four LE words, word 0 = key bytes 0..7. */
	for (unsigned i = 0; i < 4; i++) {
		assert_true(emu_tdx_servtd_rd(&mod, &b, TDX_FIELD_MIG_ENC_KEY(i), &v) ==
			    TDX_SUCCESS);
		assert_true(v == migtd_wire_get_u64(td->mig_enc_key + 8 * i));
	}
	assert_true(emu_tdx_servtd_rd(&mod, &b, TDX_FIELD_SERVTD_ATTR, &v) == TDX_SUCCESS);
	assert_true(v == 0);

	/* Wrong handle -> operand RCX; right handle, wrong UUID -> operand R10. */
	wrong = b;
	wrong.handle ^= 1;
	assert_true(emu_tdx_servtd_rd(&mod, &wrong, TDX_FIELD_MIG_ENC_KEY(0), &v) ==
		    EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RCX));
	assert_true(emu_tdx_servtd_wr(&mod, &wrong, TDX_FIELD_MIG_VERSION, 1, UINT64_MAX, NULL) ==
		    EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RCX));
	wrong = b;
	wrong.uuid.w[3] ^= 1;
	assert_true(emu_tdx_servtd_rd(&mod, &wrong, TDX_FIELD_MIG_ENC_KEY(0), &v) ==
		    EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_R10));

	/* Access rights: DEC key and version are write-only, ENC key and attr read-only. */
	assert_true(emu_tdx_servtd_rd(&mod, &b, TDX_FIELD_MIG_DEC_KEY(0), &v) ==
		    EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX));
	assert_true(emu_tdx_servtd_rd(&mod, &b, TDX_FIELD_MIG_VERSION, &v) ==
		    EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX));
	assert_true(emu_tdx_servtd_wr(&mod, &b, TDX_FIELD_MIG_ENC_KEY(1), 5, UINT64_MAX, NULL) ==
		    EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX));
	assert_true(emu_tdx_servtd_wr(&mod, &b, TDX_FIELD_SERVTD_ATTR, 5, UINT64_MAX, NULL) ==
		    EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX));
	assert_true(emu_tdx_servtd_rd(&mod, &b, 0x1234, &v) ==
		    EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX));
	assert_false(td->mig_version_written);
	assert_int_equal(td->dec_key_written, 0);

	/* MIG_VERSION is 16 bits wide. */
	assert_true(emu_tdx_servtd_wr(&mod, &b, TDX_FIELD_MIG_VERSION, 0x10000, UINT64_MAX, NULL) ==
		    EMU_TDX_OPERAND_INVALID(EMU_TDX_OPERAND_RDX));
	assert_true(emu_tdx_servtd_wr(&mod, &b, TDX_FIELD_MIG_VERSION, 6, UINT64_MAX, &old) ==
		    TDX_SUCCESS);
	assert_true(old == 0);
	assert_int_equal(td->mig_version, 6);
	assert_true(td->mig_version_written);

	/* MIG_DEC_KEY words, with the write mask honoured. */
	for (unsigned i = 0; i < 4; i++)
		assert_true(emu_tdx_servtd_wr(&mod, &b, TDX_FIELD_MIG_DEC_KEY(i),
					      0x1111111111111111ULL * (i + 1), UINT64_MAX,
					      NULL) == TDX_SUCCESS);
	assert_int_equal(td->dec_key_written, 0xf);
	assert_true(migtd_wire_get_u64(td->mig_dec_key + 24) == 0x4444444444444444ULL);
	assert_true(emu_tdx_servtd_wr(&mod, &b, TDX_FIELD_MIG_DEC_KEY(0), 0xffffffffffffffffULL,
				      0xff, &old) == TDX_SUCCESS);
	assert_true(old == 0x1111111111111111ULL);
	assert_true(migtd_wire_get_u64(td->mig_dec_key) == 0x11111111111111ffULL);
}

static void test_bind_many_and_sys_rd(void **state)
{
	(void)state;
	uint64_t v;
	size_t n = 0;

	/* The table is bounded: binding past it fails cleanly. */
	while (emu_tdx_bind_user_td(&mod))
		n++;
	assert_true(n <= EMU_TDX_MAX_USER_TDS);
	mod.min_export_version = 4;
	mod.max_export_version = 6;
	mod.min_import_version = 5;
	mod.max_import_version = 7;
	assert_true(emu_tdx_sys_rd(&mod, TDX_FIELD_MIN_EXPORT_VERSION, &v) == TDX_SUCCESS &&
		    v == 4);
	assert_true(emu_tdx_sys_rd(&mod, TDX_FIELD_MAX_EXPORT_VERSION, &v) == TDX_SUCCESS &&
		    v == 6);
	assert_true(emu_tdx_sys_rd(&mod, TDX_FIELD_MIN_IMPORT_VERSION, &v) == TDX_SUCCESS &&
		    v == 5);
	assert_true(emu_tdx_sys_rd(&mod, TDX_FIELD_MAX_IMPORT_VERSION, &v) == TDX_SUCCESS &&
		    v == 7);
	assert_true(TDX_STATUS_CLASS(emu_tdx_sys_rd(&mod, 0x2000000100000005ULL, &v)) ==
		    TDX_CLASS_OPERAND_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rtmr_extend_matches_spec_value, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_report_layout_and_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quote_body_from_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_servtd_rd_wr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_many_and_sys_rd, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
