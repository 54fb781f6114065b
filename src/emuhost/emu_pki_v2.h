/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * emu_pki_v2.h -- the emulated PKI's policy v2 side (docs/policy-v2.md):
 * a policy issuer (P-384 chain and key) and signed v2 policies whose
 * collaterals are the emulated platforms' own, so v2 pre-migrations run
 * without hardware.
 *
 * Hosted only (migtd-vmm, tests). On disk, in the issuer's directory:
 *   policy_issuer_chain.pem    leaf, root (ECDSA P-384, ecdsa-with-SHA384)
 *   policy_issuer.key.pem      the leaf's key (signs policies, identities, mappings)
 *   policy_issuer_root.key.pem the root's key
 */
#ifndef MIGTD_EMU_PKI_V2_H
#define MIGTD_EMU_PKI_V2_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

/* Create the issuer in dir (kept if it exists, unless force). cn: the
 * leaf's common name (NULL: "MigTD Policy Issuer"); issuers that differ only
 * by their keys have the same name, which is what "another issuer" means. */
int emu_pki_v2_issuer_init(const char *dir, const char *cn, int force, char *msg, size_t msglen);

/*
 * Sign data (data_len bytes, compact JSON already) with key (P-384) and
 * write {"<name>":<data>,"signature":"<HEX>"} into a malloc'd *out: the
 * json-signer layout of docs/protocol.md §7.7.2.
 */
int emu_pki_v2_sign(mbedtls_pk_context *key, const char *name, const uint8_t *data, size_t data_len,
		    char **out, size_t *out_len);

/* One admitted MigTD build: its measurements and SVN (the tdTcbMapping entry). */
struct emu_pki_v2_migtd {
	uint8_t mrtd[48];
	uint8_t rtmr0[48];
	uint8_t rtmr1[48];
	uint16_t isvsvn;
};

struct emu_pki_v2_policy_opts {
	const char *id; /* NULL: a fixed GUID */
	uint32_t policy_svn;
	/* The rule members, e.g. "\"policy\":[...]" (compact JSON, NULL: a
	 * default that admits the emulated platforms by FMSPC and MigTDs of
	 * SVN >= min_isvsvn). */
	const char *rules;
	uint16_t min_isvsvn;
	const struct emu_pki_v2_migtd *migtds;
	unsigned n_migtds;
};

/*
 * A signed v2 policy in *out (malloc'd): policyData with the collaterals of
 * the emulated platforms in platform_dirs (their root CA, CRLs, TCB Info,
 * QE Identity; platforms sharing a root), servtdCollateral with a tdIdentity
 * (one UpToDate level per SVN) and a tdTcbMapping of o->migtds, each signed
 * by the issuer in issuer_dir with its chain embedded.
 */
int emu_pki_v2_policy(const char *issuer_dir, const char *const *platform_dirs, unsigned nplat,
		      const struct emu_pki_v2_policy_opts *o, char **out, size_t *out_len,
		      char *msg, size_t msglen);

#endif /* MIGTD_EMU_PKI_V2_H */
