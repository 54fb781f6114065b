/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * emu_pki.h -- the emulated Intel attestation PKI of one emulated platform.
 *
 * Hosted only (src/emuhost/, used by migtd-vmm and tests; never by the MigTD).
 * One emulated root CA stands for Intel's SGX root CA; every emulated
 * platform gets, under that root, its own platform CA, a PCK certificate
 * carrying the SGX extension (FMSPC, TCB SVNs, PCE-ID, ...), a quoting
 * enclave (QE) identity whose report is signed by the PCK key and binds the
 * P-256 attestation key, a TCB-signing certificate and TCB Info / QE
 * Identity collateral signed by it (README.md, "What emulated means for trust";
 * docs/protocol.md §8.3-§8.4).
 *
 * On disk (one directory per platform):
 *   root_ca.der                 the root certificate a MigTD enrolls
 *   root_ca.key.pem             only where the root was created
 *   platform_ca.der/.key.pem    PCK platform CA
 *   pck.der/.key.pem            PCK leaf
 *   pck_chain.pem               leaf, platform CA, root (as in a quote)
 *   tcb_signing.der/.key.pem    TCB signing certificate
 *   tcb_signing_chain.pem       TCB signing cert, root
 *   attestation.key.pem         the QE's attestation key (P-256)
 *   report_mac.key              32-byte key of the TDX module's REPORTMAC
 *   platform.conf               the parameters below, key=hex lines
 *   tcb_info.json, qe_identity.json   signed collateral
 *   platform_ca.crl.der         PCK CRL (by the platform CA)
 *   root_ca.crl.der             root CA CRL
 */
#ifndef MIGTD_EMU_PKI_H
#define MIGTD_EMU_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "migtd/quote.h"

#define EMU_PKI_CHAIN_MAX 8192
#define EMU_PKI_PATH_MAX 1024

/* The QE authentication data of the emulated quotes (docs/protocol.md §8.3); the QE
 * report itself is MIGTD_QUOTE_SGX_REPORT_SIZE bytes (migtd/quote.h). */
#define EMU_QE_AUTH_DATA_LEN 32

struct emu_platform_params {
	uint8_t fmspc[6];
	uint8_t ppid[16];
	uint16_t pce_id;
	uint8_t sgx_tcb[16]; /* SGX TCB component SVNs in the PCK certificate */
	uint16_t pcesvn;
	uint8_t cpusvn[16];
	uint8_t tdx_tcb[16]; /* TEE_TCB_SVN the emulated TDX module reports */
	uint16_t qe_isvsvn;
	uint16_t qe_isvprodid;
	uint8_t qe_mrsigner[32];
	uint8_t qe_mrenclave[32];
};

struct emu_pki {
	struct emu_platform_params params;
	mbedtls_pk_context pck_key;
	mbedtls_pk_context att_key;
	uint8_t att_pub[64]; /* raw X||Y */
	uint8_t qe_auth_data[EMU_QE_AUTH_DATA_LEN];
	uint8_t qe_report[MIGTD_QUOTE_SGX_REPORT_SIZE]; /* binds att_pub and qe_auth_data */
	uint8_t qe_report_sig[64];                      /* by the PCK key, raw r||s */
	uint8_t pck_chain_pem[EMU_PKI_CHAIN_MAX];
	size_t pck_chain_len; /* without a trailing NUL */
	uint8_t report_mac_key[32];
};

/* Defaults: FMSPC 00806F050000, TCB SVNs 1..., QE ISVPRODID 2 (TD QE). */
void emu_platform_params_default(struct emu_platform_params *p);

/*
 * Create the PKI of one platform in dir. If root_dir is non-NULL the root
 * CA (key and certificate) is taken from there, so several platforms share
 * one root; otherwise dir gets a new root unless it has one already.
 * Existing keys in dir are kept unless force is set (then all is new).
 * On failure, msg (if non-NULL) says what went wrong.
 */
int emu_pki_init(const char *dir, const char *root_dir, const struct emu_platform_params *p,
		 int force, char *msg, size_t msglen);

int emu_pki_load(struct emu_pki *pki, const char *dir, char *msg, size_t msglen);
/* DIR/platform.conf only (no keys). */
int emu_pki_read_params(const char *dir, struct emu_platform_params *p);
void emu_pki_free(struct emu_pki *pki);

/*
 * (Re)write DIR/<issuer>.crl.der, issued by DIR/<issuer>.der with its key
 * ("platform_ca" = the PCK CRL, "root_ca" = the root CRL), revoking the
 * given certificate serial numbers (our serials are small integers).
 */
int emu_pki_write_crl(const char *dir, const char *issuer, const uint8_t *revoked,
		      size_t n_revoked);

/* The TCB status strings of Intel's TCB Info / QE Identity levels. */
bool emu_tcb_status_valid(const char *status);

enum emu_collateral_when {
	EMU_COLLATERAL_CURRENT = 0,       /* issueDate 2024-01-01, nextUpdate 2049-12-31 */
	EMU_COLLATERAL_EXPIRED = 1,       /* nextUpdate 2020-02-01 */
	EMU_COLLATERAL_NOT_YET_VALID = 2, /* issueDate 2048-01-01 */
};

struct emu_collateral_opts {
	const char *tcb_status;    /* the platform's TCB level status; NULL: UpToDate */
	const char *qe_tcb_status; /* the QE Identity level's status; NULL: UpToDate */
	enum emu_collateral_when when;
	/* The top TCB level's PCESVN (default: the PCK's). Below the PCK's, the
	 * platform still matches that level, and the report carries the level's
	 * PCESVN -- as for a PCK newer than the TCB Info's levels. */
	bool has_level_pcesvn;
	uint16_t level_pcesvn;
};

/* Re-sign DIR's TCB Info and QE Identity with these statuses and dates. */
int emu_pki_set_collateral(const char *dir, const struct emu_collateral_opts *o, char *msg,
			   size_t msglen);

/* The PCK certificate's serial number (what `pki revoke --pck` revokes). */
uint8_t emu_pki_pck_serial_of(const struct emu_platform_params *p);
int emu_pki_pck_serial(const char *dir, uint8_t *serial);

/* ECDSA P-256 over SHA-256(msg), raw r||s (the format used inside quotes). */
int emu_pki_sign_raw(mbedtls_pk_context *key, const uint8_t *msg, size_t len, uint8_t sig[64]);

/* A private key as PEM in DIR/NAME (mode 0600), and back; the PEM buffer is
 * wiped on every path. Shared by the v1 and v2 (policy issuer) PKI. */
int emu_pki_key_save(mbedtls_pk_context *pk, const char *dir, const char *name);
int emu_pki_key_load(mbedtls_pk_context *pk, const char *dir, const char *name);

/* Write a whole file (hosted helper shared by the emulated host); reading is
 * hostio_read_file (src/hostio/hostio.h). */
int emu_write_file(const char *path, const void *buf, size_t len, int mode);

/* DIR/NAME into out (cap bytes); MIGTD_ERR_INVALID if it does not fit. */
int emu_pki_path(char *out, size_t cap, const char *dir, const char *name);
/* Read (hostio_read_file) or write (emu_write_file) the file NAME in DIR. */
int emu_pki_read_in(const char *dir, const char *name, uint8_t **buf, size_t *len);
int emu_pki_write_in(const char *dir, const char *name, const void *buf, size_t len, int mode);
/* A message into msg (msglen bytes; nothing if msg is NULL). Shared by the
 * v1 and v2 PKI. */
void emu_pki_set_msg(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* MIGTD_EMU_PKI_H */
