/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * quote.h -- TDX quote (v4, v5) parsing and DCAP verification on mbedTLS.
 *
 * Upstream MigTD hands quotes to Intel's C++ verification library; here the
 * same checks are done in C: the PCK chain to the enrolled root CA, the QE
 * report signature, the attestation-key binding, the quote signature, and
 * (when collateral is supplied) TCB Info / QE Identity matching. The output
 * is the 822-byte "verified report" (supplemental data, docs/protocol.md §8.5) that the
 * policy engine consumes.
 *
 * Parsing is zero-copy: struct migtd_quote points into the caller's quote
 * buffer, which must outlive it. Nothing here allocates except mbedTLS's own
 * X.509 parsing and a scratch buffer for PEM/JSON decoding, both on the
 * mbedTLS heap (mbedtls_calloc), freed before return.
 *
 * Time: MigTD has no trusted clock. Validity is checked either at an
 * explicit `now` (unix seconds) chosen by the caller (the CLI: system clock
 * or --time), or, as a MigTD session and upstream's in-TD library do, at
 * the middle of the collateral's own validity window, where expiry is
 * reported and never fatal (MIGTD_QTIME_COLLATERAL, docs/collateral.md).
 */
#ifndef MIGTD_QUOTE_H
#define MIGTD_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/err.h"

#define MIGTD_QUOTE_HEADER_SIZE 48u
#define MIGTD_QUOTE_TD10_BODY_SIZE 584u
#define MIGTD_QUOTE_TD15_BODY_SIZE 648u
#define MIGTD_QUOTE_SGX_REPORT_SIZE 384u
#define MIGTD_QUOTE_ECDSA_SIG_SIZE 64u
#define MIGTD_QUOTE_ECDSA_KEY_SIZE 64u
#define MIGTD_VERIFIED_REPORT_SIZE 822u

/*
 * The verified report (docs/protocol.md §8.5), the one definition of its layout:
 * migtd_verified_report_build() writes it, the policy, RA-TLS and the
 * session read it. Offsets in bytes; the field width follows each.
 * 0..584 is the TD report body as the TDX 1.0 quote carries it.
 */
#define MIGTD_VR_TEE_TCB_SVN 0u             /* 16 */
#define MIGTD_VR_MRSEAM 16u                 /* 48 */
#define MIGTD_VR_MRSIGNERSEAM 64u           /* 48 */
#define MIGTD_VR_SEAM_ATTRIBUTES 112u       /* 8 */
#define MIGTD_VR_TD_ATTRIBUTES 120u         /* 8 */
#define MIGTD_VR_XFAM 128u                  /* 8 */
#define MIGTD_VR_MRTD 136u                  /* 48 */
#define MIGTD_VR_MRCONFIGID 184u            /* 48 */
#define MIGTD_VR_MROWNER 232u               /* 48 */
#define MIGTD_VR_MROWNERCONFIG 280u         /* 48 */
#define MIGTD_VR_RTMR(i) (328u + 48u * (i)) /* 48 each, i = 0..3 */
#define MIGTD_VR_REPORT_DATA 520u           /* 64 */
/* What verification adds after the body. */
#define MIGTD_VR_FMSPC 584u              /* 6 */
#define MIGTD_VR_TDX_TCB_COMPONENTS 590u /* 16 */
#define MIGTD_VR_PCESVN 606u             /* 2 */
#define MIGTD_VR_SGX_TCB_COMPONENTS 608u /* 16 */
#define MIGTD_VR_TDX_MODULE_MAJOR 624u   /* 1 */
#define MIGTD_VR_TDX_MODULE_SVN 625u     /* 1 */
#define MIGTD_VR_QE_MISCSELECT 626u      /* 4 */
#define MIGTD_VR_QE_MISCSELECT_MASK 630u /* 4 */
#define MIGTD_VR_QE_ATTRIBUTES 634u      /* 16 */
#define MIGTD_VR_QE_ATTRIBUTES_MASK 650u /* 16 */
#define MIGTD_VR_QE_MRENCLAVE 666u       /* 32 */
#define MIGTD_VR_QE_MRSIGNER 698u        /* 32 */
#define MIGTD_VR_QE_ISVPRODID 730u       /* 2 */
#define MIGTD_VR_QE_ISVSVN 732u          /* 2 */
#define MIGTD_VR_EARLIEST_TCB_DATE 734u  /* 8 */
#define MIGTD_VR_TCB_STATUS 742u         /* MIGTD_TCB_STATUS_LEN */
#define MIGTD_VR_PLATFORM_TCB_DATE 774u  /* 8 */
#define MIGTD_VR_QE_TCB_DATE 782u        /* 8 */
#define MIGTD_VR_QE_TCB_STATUS 790u      /* MIGTD_TCB_STATUS_LEN */
/* Upper bound for any single quote (GetQuote buffers are 8 KiB upstream, 32 pages max). */
#define MIGTD_QUOTE_MAX_SIZE (32u * 4096u)

#define MIGTD_QUOTE_TEE_TDX 0x00000081u
#define MIGTD_QUOTE_AK_ECDSA_P256 2u
#define MIGTD_QUOTE_BODY_SGX 1u
#define MIGTD_QUOTE_BODY_TD10 2u
#define MIGTD_QUOTE_BODY_TD15 3u
#define MIGTD_QUOTE_CERT_PCK_CHAIN 5u
#define MIGTD_QUOTE_CERT_QE_REPORT 6u

/* The 48-byte quote header (docs/protocol.md §8.1). */
struct migtd_quote_header {
	uint16_t version;
	uint16_t att_key_type;
	uint32_t tee_type;
	uint16_t qe_svn;
	uint16_t pce_svn;
	uint8_t qe_vendor_id[16];
	uint8_t user_data[20];
};

/* TD report body (docs/protocol.md §8.2); the last two fields only for v5 body type 3. */
struct migtd_td_report_body {
	uint8_t tee_tcb_svn[16];
	uint8_t mr_seam[48];
	uint8_t mr_signer_seam[48];
	uint8_t seam_attributes[8];
	uint8_t td_attributes[8];
	uint8_t xfam[8];
	uint8_t mr_td[48];
	uint8_t mr_config_id[48];
	uint8_t mr_owner[48];
	uint8_t mr_owner_config[48];
	uint8_t rtmr[4][48];
	uint8_t report_data[64];
	uint8_t tee_tcb_svn2[16]; /* zero unless body type 3 */
	uint8_t mr_servicetd[48]; /* zero unless body type 3 */
};

/* The fields of the 384-byte SGX report body (the QE report) that verification uses. */
struct migtd_sgx_report_body {
	uint8_t cpu_svn[16];
	uint32_t misc_select;
	uint8_t attributes[16];
	uint8_t mr_enclave[32];
	uint8_t mr_signer[32];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint8_t report_data[64];
};

/* A parsed quote. Pointers are views into the caller's buffer. */
struct migtd_quote {
	struct migtd_quote_header header;
	uint16_t body_type; /* v4: always 2 */
	uint32_t body_size; /* 584 or 648 */
	struct migtd_td_report_body body;
	const uint8_t *body_raw;    /* body_size bytes */
	const uint8_t *signed_data; /* everything before signature_data_len */
	size_t signed_len;
	uint32_t sig_data_len;
	const uint8_t *signature;  /* 64: r||s, big endian */
	const uint8_t *attest_key; /* 64: X||Y */
	uint16_t cert_type;        /* outer: 6 */
	uint32_t cert_size;
	const uint8_t *qe_report; /* 384 raw bytes (what the PCK key signed) */
	struct migtd_sgx_report_body qe;
	const uint8_t *qe_report_sig; /* 64 */
	const uint8_t *qe_auth_data;
	uint16_t qe_auth_len;
	uint16_t pck_cert_type;   /* inner: 5 */
	const uint8_t *pck_chain; /* PEM, pck_chain_len bytes */
	uint32_t pck_chain_len;
	size_t total_len; /* bytes consumed; trailing bytes are allowed */
};

/* Parse a TDX quote v4 or v5. Returns MIGTD_OK or a MIGTD_ERR_* (truncated, invalid...). */
int migtd_quote_parse(const uint8_t *buf, size_t len, struct migtd_quote *q);

/* The Intel SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1). */
struct migtd_pck_ext {
	uint8_t ppid[16];
	uint8_t cpu_svn[16];
	uint8_t sgx_tcb_comp[16];
	uint16_t pce_svn;
	uint8_t pce_id[2];
	uint8_t fmspc[6];
	int sgx_type; /* 0 standard, 1 scalable, 2 scalable with integrity; -1 absent */
};

/*
 * Extract the SGX extension from a certificate's DER "Extensions" SEQUENCE
 * (what mbedtls_x509_crt.v3_ext points at). Bounded mbedtls_asn1 walk;
 * MIGTD_ERR_INVALID if the extension is absent or malformed.
 */
int migtd_pck_ext_parse(const uint8_t *exts, size_t len, struct migtd_pck_ext *ext);

/*
 * ECDSA P-256 verification of a raw r||s signature over a SHA-256 digest.
 * pub is the 64-byte X||Y point or the 65-byte 04||X||Y form. Rejects r or
 * s equal to 0 or >= n and points not on the curve. MIGTD_OK if valid,
 * MIGTD_ERR_QUOTE if the signature does not verify, MIGTD_ERR_INVALID for a
 * malformed key.
 */
int migtd_quote_ecdsa_verify(const uint8_t *pub, size_t pub_len, const uint8_t hash[32],
			     const uint8_t sig[64]);

/* Verification steps, in the order they run. */
enum migtd_quote_step {
	MIGTD_QSTEP_PARSE = 0,      /* quote layout */
	MIGTD_QSTEP_PCK_CHAIN,      /* PEM chain parse: leaf, intermediate CA, root */
	MIGTD_QSTEP_ROOT_CA,        /* chain root key == enrolled root key, self-signed */
	MIGTD_QSTEP_CHAIN_SIGS,     /* each certificate signed by the next */
	MIGTD_QSTEP_PCK_EXT,        /* SGX extension of the PCK leaf */
	MIGTD_QSTEP_COLLATERAL,     /* collateral for the FMSPC/CA type obtained (provider) */
	MIGTD_QSTEP_CERT_VALIDITY,  /* each certificate valid at `now` */
	MIGTD_QSTEP_ROOT_CRL,       /* root CA CRL (optional) */
	MIGTD_QSTEP_PCK_CRL,        /* PCK platform/processor CA CRL (optional) */
	MIGTD_QSTEP_QE_REPORT_SIG,  /* QE report signed by the PCK key */
	MIGTD_QSTEP_QE_REPORT_DATA, /* REPORTDATA == SHA256(att key || auth data) || 0^32 */
	MIGTD_QSTEP_QUOTE_SIG,      /* header||body signed by the attestation key */
	MIGTD_QSTEP_TCB_INFO,       /* TCB Info signature, chain, FMSPC, freshness (optional) */
	MIGTD_QSTEP_QE_IDENTITY,    /* QE Identity signature and match (optional) */
	MIGTD_QSTEP_TCB_LEVEL,      /* TCB level + TDX module matching (optional) */
	MIGTD_QSTEP_COUNT
};

enum migtd_qstep_state {
	MIGTD_QSTEP_NOT_RUN = 0, /* an earlier step failed */
	MIGTD_QSTEP_PASS,
	MIGTD_QSTEP_FAIL,
	MIGTD_QSTEP_SKIPPED, /* optional input not supplied */
};

const char *migtd_quote_step_name(enum migtd_quote_step step);
const char *migtd_qstep_state_name(enum migtd_qstep_state st);

/* Collateral; any pointer may be NULL (the corresponding step is skipped). */
struct migtd_quote_collateral {
	const uint8_t *root_crl; /* DER or PEM */
	size_t root_crl_len;
	const uint8_t *pck_crl; /* DER or PEM; signed by the quote's PCK CA */
	size_t pck_crl_len;
	const uint8_t *tcb_info; /* JSON {"tcbInfo":{...},"signature":"hex"} */
	size_t tcb_info_len;
	const uint8_t *tcb_info_issuer_chain; /* PEM: TCB signing cert [, root] */
	size_t tcb_info_issuer_chain_len;
	const uint8_t *qe_identity; /* JSON {"enclaveIdentity":{...},"signature":"hex"} */
	size_t qe_identity_len;
	const uint8_t *qe_identity_issuer_chain; /* PEM; NULL: use tcb_info_issuer_chain */
	size_t qe_identity_issuer_chain_len;
	/* Optional, for MIGTD_QTIME_COLLATERAL: the latest issue date and the
	 * earliest expiry over these documents (migtd_quote_collateral_window());
	 * both 0: computed during verification. */
	int64_t latest_issue;
	int64_t earliest_expiry;
};

/* Which PCK CA issued a PCK certificate (GET_COLLATERAL's "pck_ca" string). */
enum migtd_pck_ca {
	MIGTD_PCK_CA_PLATFORM = 0,
	MIGTD_PCK_CA_PROCESSOR = 1,
};

/* "platform" or "processor". */
const char *migtd_pck_ca_name(enum migtd_pck_ca ca);

/*
 * Collateral provider: asked once the PCK certificate names the platform
 * (FMSPC, CA type). Returns MIGTD_OK with *out set, MIGTD_ERR_AGAIN when
 * the collateral is not there yet (migtd_quote_verify then returns
 * MIGTD_ERR_AGAIN and may be called again later), or an error (the
 * COLLATERAL step fails).
 */
typedef int (*migtd_collateral_provider)(void *ctx, const uint8_t fmspc[6], enum migtd_pck_ca ca,
					 const struct migtd_quote_collateral **out);

/*
 * The time at which validity is evaluated.
 * EXPLICIT: params->now. COLLATERAL: as upstream's in-TD library does
 * (docs/collateral.md): the middle of [latest issue date, earliest expiry]
 * over the PCK chain, both CRLs, the TCB Info, the QE Identity and the
 * TCB signing chain -- and, as there, a validity window that does not
 * contain it (expired or not-yet-valid collateral or certificates) is only
 * reported (collateral_expired), never a failure: the verdict does not
 * depend on any clock.
 */
enum migtd_quote_time_mode {
	MIGTD_QTIME_EXPLICIT = 0,
	MIGTD_QTIME_COLLATERAL = 1,
};

/* Latest issue / earliest expiry over the collateral's documents and certificates. */
int migtd_quote_collateral_window(const struct migtd_quote_collateral *c, int64_t *latest_issue,
				  int64_t *earliest_expiry);

/*
 * TCB status acceptance of upstream's library (docs/collateral.md): every
 * status except "Revoked" (and any unknown string) lets verification
 * succeed; policy v1 then sees the status only through the report.
 */
bool migtd_tcb_status_accepted(const char *status);

/*
 * A memo of signatures that verified. ECDSA verification is a pure function
 * of (public key, signed bytes, signature), so remembering a success under
 * SHA-256 of all three gives exactly the answer a new verification would;
 * failures are never remembered. It saves the checks that repeat for every
 * quote of a platform: root, PCK CA and PCK leaf certificate signatures and
 * the QE report signature (the quote signature itself changes every time).
 * Caller-owned, e.g. one per MigTD core; not thread-safe.
 */
#define MIGTD_SIG_CACHE_ENTRIES 64

struct migtd_sig_cache {
	uint8_t digest[MIGTD_SIG_CACHE_ENTRIES][32];
	unsigned used; /* entries filled */
	unsigned next; /* next slot to replace (round robin) */
	unsigned long hits, misses;
};

struct migtd_quote_verify_params {
	/* Enrolled root: DER certificate, or its raw 65-byte uncompressed P-256 key. */
	const uint8_t *root_ca;
	size_t root_ca_len;
	int64_t now; /* unix seconds at which validity is evaluated (EXPLICIT) */
	enum migtd_quote_time_mode time_mode;
	const struct migtd_quote_collateral *collateral; /* may be NULL */
	/* If set (and collateral is NULL), asked for the collateral. */
	migtd_collateral_provider provider;
	void *provider_ctx;
	struct migtd_sig_cache *sig_cache; /* may be NULL: verify everything */
};

/* The status fields of the verified report (742, 790): 32 bytes, NUL-terminated. */
#define MIGTD_TCB_STATUS_LEN 32
/* A status string as parsed ("ConfigurationAndSWHardeningNeeded" has 33
 * characters: it does not fit the report's field, docs/collateral.md). */
#define MIGTD_TCB_STATUS_MAX 48

struct migtd_quote_verify_result {
	enum migtd_qstep_state state[MIGTD_QSTEP_COUNT];
	const char *reason[MIGTD_QSTEP_COUNT]; /* static text; NULL when passed */
	enum migtd_quote_step failed_step;     /* MIGTD_QSTEP_COUNT if none failed */
	struct migtd_quote quote;
	struct migtd_pck_ext pck;
	/* From collateral (zero / empty when not supplied). */
	char tcb_status[MIGTD_TCB_STATUS_MAX]; /* platform (with TDX module) */
	char qe_tcb_status[MIGTD_TCB_STATUS_MAX];
	int64_t tcb_date;
	int64_t qe_tcb_date;
	uint8_t tdx_tcb_comp[16];   /* of the matched TCB level */
	uint8_t level_sgx_comp[16]; /* of the matched TCB level */
	uint16_t level_pcesvn;      /* of the matched TCB level */
	uint8_t module_svn;         /* isvsvn of the matched TDX module level (0: major 0) */
	uint16_t qe_level_isvsvn;   /* isvsvn of the matched QE Identity level */
	enum migtd_pck_ca pck_ca;
	int64_t verify_time;     /* the time validity was evaluated at */
	bool collateral_expired; /* QTIME_COLLATERAL: earliest expiry <= verify_time */
	uint32_t qe_misc_select_mask;
	uint8_t qe_attributes_mask[16];
	bool have_tcb;
	bool have_qe_identity;
};

/*
 * Verify a quote. Runs every step in order, stops at the first failure.
 * Returns MIGTD_OK if all required steps (and all supplied optional ones)
 * passed, MIGTD_ERR_QUOTE otherwise (res->failed_step names the step), or
 * MIGTD_ERR_NOMEM if mbedTLS's heap ran out. If report is not NULL and
 * verification passed, the 822-byte verified report is written to it
 * (already masked as MigTD masks it, see migtd_verified_report_mask()).
 */
int migtd_quote_verify(const uint8_t *quote, size_t quote_len,
		       const struct migtd_quote_verify_params *params,
		       struct migtd_quote_verify_result *res,
		       uint8_t report[MIGTD_VERIFIED_REPORT_SIZE]);

/*
 * Build the 822-byte verified report (docs/protocol.md §8.5) from a verification result
 * (unmasked). Bytes 0..584 are the TD report body (0..16 = TEE_TCB_SVN, as
 * in the library's struct; MigTD ignores them). Without collateral: TDX TCB
 * components = the quote's TEE_TCB_SVN, QE MISCSELECT/ATTRIBUTES masks =
 * all ones (values pass through unmasked), dates 0 and statuses empty,
 * PCESVN / SGX components from the PCK certificate, module SVN =
 * TEE_TCB_SVN[0], QE ISVSVN from the QE report. With collateral, as
 * upstream's library fills them (docs/collateral.md): 590 TDX components,
 * 606 PCESVN, 608 SGX components of the matched TCB level, 625 the isvsvn
 * of the matched TDX module level (0 for module major version 0), 732 the
 * isvsvn of the matched QE Identity level, masks from the QE Identity.
 * Status at 742 = the worse of platform (incl. TDX module) and QE status.
 */
void migtd_verified_report_build(const struct migtd_quote_verify_result *res,
				 uint8_t report[MIGTD_VERIFIED_REPORT_SIZE]);
/* AND QE MISCSELECT/ATTRIBUTES with their masks in place, as MigTD does after verification. */
void migtd_verified_report_mask(uint8_t report[MIGTD_VERIFIED_REPORT_SIZE]);

/* Unix seconds of an "YYYY-MM-DDTHH:MM:SSZ" string (exactly that form). */
int migtd_quote_parse_time(const char *s, size_t len, int64_t *out);

/* Unix seconds of a civil UTC date/time (proleptic Gregorian); no range checks. */
int64_t migtd_quote_civil_to_unix(int year, int mon, int day, int hour, int min, int sec);

/* The issueDate of a signed TCB Info / QE Identity JSON (the object is not verified here). */
int migtd_quote_collateral_time(const uint8_t *json, size_t len, int64_t *issue_date);

#endif /* MIGTD_QUOTE_H */
