/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * ratls.h -- RA-TLS: the attested TLS 1.3 channel between two MigTDs
 * (docs/protocol.md §5, policy v1).
 *
 * Each side proves what it is with a self-signed certificate that carries
 * its TD quote and event log; the quote's REPORTDATA binds the certificate
 * key (§5.2). This module:
 *  - builds that certificate byte-exactly per §5.3 (our own DER writer:
 *    mbedtls_x509write_crt would encode the 1970 notBefore as UTCTime and
 *    cannot emit upstream's explicit `critical FALSE`);
 *  - verifies a peer certificate in the order of §5.5;
 *  - runs the TLS 1.3 handshake on mbedTLS with the §5.1 profile over
 *    caller-provided non-blocking send/recv callbacks.
 *
 * Quote verification and policy evaluation are NOT done here: the caller
 * passes them in as callbacks (struct ratls_callbacks), so this module can
 * be tested, fuzzed and linked without the quote verifier.
 *
 * Session flow (the caller drives it; nothing here blocks):
 *
 *   migtd_ratls_session_init(&s, RATLS_CLIENT or RATLS_SERVER, &cb)   new P-384 key
 *   migtd_ratls_session_report_data(&s, rd)     REPORTDATA for TDG.MR.REPORT
 *   ... caller obtains the quote for rd (GetQuote) ...
 *   migtd_ratls_session_start(&s, quote, evlog, io)  builds the cert, sets up TLS
 *   while ((e = migtd_ratls_handshake_step(&s)) == MIGTD_ERR_AGAIN) wait for I/O
 *   migtd_ratls_write(&s, ...) / migtd_ratls_read(&s, ...)
 *   migtd_ratls_session_free(&s)                wipes the key and all TLS state
 *
 * Errors (§1.5): MIGTD_ERR_TLS (6) for any TLS/stream failure and for an
 * alert from the peer; MIGTD_ERR_PEER_CERT (6) for a malformed peer
 * certificate, missing MigTD EKU or evidence extension, REPORTDATA not
 * binding the key, bad self-signature; MIGTD_ERR_QUOTE (7) when the local or
 * the peer quote does not verify; MIGTD_ERR_POLICY (8) /
 * MIGTD_ERR_INVALID_POLICY (9) from the policy callback. When our verifier
 * rejects the peer we send a fatal handshake_failure alert (40), as
 * upstream (rustls) does, and keep the precise error for our own report;
 * the peer sees MIGTD_ERR_TLS. Two TLS 1.3 facts the caller must know:
 *  - the client's handshake completes before the server has judged the
 *    client certificate, so a server-side rejection reaches the client on
 *    its first migtd_ratls_read() (the §6.2 ExchangeInformation read), not in
 *    migtd_ratls_handshake_step();
 *  - exactly one fatal alert goes out per failure, protected with the key
 *    the peer reads with at that moment (RFC 8446 §6, App. A): a client
 *    rejecting the server uses its handshake traffic key, a server
 *    rejecting the client after its Finished its application traffic key.
 *    mbedTLS 3.6 does neither by itself; our patch to it does
 *    (docs/tls-large-certificates.md).
 */
#ifndef MIGTD_RATLS_H
#define MIGTD_RATLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* mbedTLS's ssl.h tests an option its config adjustment #undefs with #if;
 * we build with -Wundef -Werror. */
/* Our mbedTLS configuration, also read directly: RATLS_MAX_HS_MSG comes
 * from it, and static analysers that do not read mbedTLS's headers (which
 * include it) still see it. */
#include "migtd_mbedtls_config.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wundef"
#include <mbedtls/ssl.h>
#pragma GCC diagnostic pop
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "migtd/err.h"
#include "migtd/quote.h"
#include "migtd/tdreport.h"

/* The verified report and its REPORTDATA field (§5.2, §8.5) are laid out in
 * migtd/quote.h (MIGTD_VERIFIED_REPORT_SIZE, MIGTD_VR_REPORT_DATA). */
/* Uncompressed SEC1 P-384 point: 0x04 || X || Y. */
#define RATLS_PUBKEY_SIZE 97
/* Largest single TLS record plaintext we send (RFC 8446 §5.1). */
#define RATLS_MAX_RECORD 16384
/*
 * Largest handshake message we send or accept, header included: our patch
 * to mbedTLS 3.6 fragments ours over records of <= RATLS_MAX_RECORD bytes
 * and reassembles the peer's (docs/tls-large-certificates.md). A policy-v1
 * certificate embeds the whole policy in its event log (~33 KB with
 * upstream's production policy, docs/protocol.md §5.4).
 */
#if !defined(MIGTD_MBEDTLS_HS_MAX_LEN)
#error "mbedTLS must be built with the migtd-c patch and config (MIGTD_MBEDTLS_HS_MAX_LEN)"
#endif
#define RATLS_MAX_HS_MSG MIGTD_MBEDTLS_HS_MAX_LEN
/*
 * Largest certificate: the whole Certificate message (4 header + 1 context
 * + 3 list + 3 length + cert + 2 extensions) must fit in RATLS_MAX_HS_MSG.
 */
#define RATLS_MAX_CERT (RATLS_MAX_HS_MSG - 13)

/* DER value bytes (without tag/length) of the RA-TLS OIDs, §5.3. */
#define RATLS_OID_MIGTD_EKU "\x2A\x86\x48\x86\xF8\x4D\x01\x05\x05\x01\x01"
#define RATLS_OID_QUOTE "\x2A\x86\x48\x86\xF8\x4D\x01\x05\x05\x01\x02"
#define RATLS_OID_EVENT_LOG "\x2A\x86\x48\x86\xF8\x4D\x01\x05\x05\x01\x03"
/* Policy v2: SHA384 of the sender's own pre-session data (§5.3, §5.7). */
#define RATLS_OID_POLICY_HASH "\x2A\x86\x48\x86\xF8\x4D\x01\x05\x05\x01\x04"
#define RATLS_POLICY_HASH_SIZE 48
#define RATLS_OID_LEN 11

enum ratls_role {
	RATLS_CLIENT = 0, /* migration source (MigTD-s) */
	RATLS_SERVER = 1, /* migration destination (MigTD-d) */
};

/*
 * Stand-ins for the attestation library and the policy engine.
 *
 * verify_quote: verify a TD quote and fill the 822-byte verified report.
 *   MIGTD_ERR_AGAIN means "not decidable yet" (e.g. collateral still being
 *   fetched): the handshake pauses after the peer's Certificate and the
 *   whole peer verification is run again from a copy of the certificate on
 *   a later migtd_ratls_handshake_step(). Any other non-MIGTD_OK result is a quote
 *   failure (MIGTD_ERR_QUOTE, status 7).
 * eval_policy: policy v1 evaluation (§7) of the peer against us. is_src is
 *   true on the TLS client. Returns MIGTD_OK, MIGTD_ERR_INVALID_POLICY (9),
 *   or anything else, which is reported as MIGTD_ERR_POLICY (8). The event
 *   log is the peer's, with its trailing byte (§9.5); replaying it against
 *   the peer report's RTMRs is the policy callback's job (failure -> 8).
 * All pointers are valid only during the call.
 */
struct ratls_callbacks {
	int (*verify_quote)(void *ctx, const uint8_t *quote, size_t quote_len,
			    uint8_t report[MIGTD_VERIFIED_REPORT_SIZE]);
	int (*eval_policy)(void *ctx, bool is_src,
			   const uint8_t local_report[MIGTD_VERIFIED_REPORT_SIZE],
			   const uint8_t peer_report[MIGTD_VERIFIED_REPORT_SIZE],
			   const uint8_t *peer_evlog, size_t peer_evlog_len);
	void *ctx;
};

/*
 * Policy v2's stand-in for quote verification and policy (§5.5 v2 step 3,
 * §7.7.7): verify the peer quote with the local policy's collateral, judge
 * the peer's policy, event log and MigTD identity, and fill the peer's
 * verified report for the key-binding check that follows. local_quote is
 * the quote in our own certificate (the "self" reference is built from
 * it). Returns MIGTD_OK, MIGTD_ERR_INVALID_POLICY (9), or anything else,
 * which is reported as MIGTD_ERR_POLICY (8): in v2 a peer quote that does
 * not verify is a policy failure too (§1.5). Pointers are valid only
 * during the call.
 */
typedef int (*ratls_authenticate_v2_fn)(void *ctx, bool is_src, const uint8_t *local_quote,
					size_t local_quote_len, const uint8_t *peer_quote,
					size_t peer_quote_len, const uint8_t *peer_evlog,
					size_t peer_evlog_len,
					uint8_t peer_report[MIGTD_VERIFIED_REPORT_SIZE]);

/* ---- certificate --------------------------------------------------------- */

/* Flags for migtd_ratls_cert_write(). */
/*
 * Emit `critical BOOLEAN FALSE` (01 01 00) in every non-critical extension,
 * byte-for-byte like upstream. Default (flag clear): omit it, which is the
 * DER encoding of DEFAULT FALSE; upstream and mbedTLS accept both, strict
 * DER parsers (Python cryptography) only the default. See §5.3.
 */
#define RATLS_CERT_EXPLICIT_NONCRITICAL 0x1u

/*
 * REPORTDATA for a public key (§5.2): SHA384(pubkey) || 16 zero bytes.
 * pubkey is the 97-byte uncompressed point.
 */
int migtd_ratls_report_data(const uint8_t *pubkey, size_t pubkey_len,
			    uint8_t out[TDREPORT_REPORT_DATA_SIZE]);

/*
 * Write the RA-TLS certificate (§5.3) for the PSA P-384 key `key`, with the
 * quote and event log (the event log already includes its trailing byte,
 * §9.5) as extensions, signed ecdsa-with-SHA384 by key itself. The DER is
 * placed at buf[0..*out_len). cap must hold the certificate plus ~700
 * bytes. MIGTD_ERR_NOSPACE if it does not fit.
 */
int migtd_ratls_cert_write(psa_key_id_t key, const uint8_t *quote, size_t quote_len,
			   const uint8_t *evlog, size_t evlog_len, unsigned flags, uint8_t *buf,
			   size_t cap, size_t *out_len);

/* ---- peer verification (§5.5, policy v1) ---------------------------------- */

struct ratls_verifier {
	const struct ratls_callbacks *cb;
	bool is_src;                /* we are the TLS client */
	const uint8_t *local_quote; /* the quote in our own certificate */
	size_t local_quote_len;
};

/*
 * Verify a peer's end-entity certificate (DER) in the order of §5.5:
 *  1. local quote -> local report (MIGTD_ERR_QUOTE);
 *  2. parse (well-formed X.509 v3, inner == outer signature algorithm, no
 *     unknown critical extension), MigTD OID in extKeyUsage, first quote and
 *     first event-log extension (MIGTD_ERR_PEER_CERT);
 *  3. peer quote -> peer report (MIGTD_ERR_QUOTE);
 *  4. SHA384(peer pubkey) == peer report[520..568], then the
 *     ecdsa-with-SHA384 self-signature over the TBS bytes exactly as
 *     received, with a P-384 key (MIGTD_ERR_PEER_CERT);
 *  5. policy callback (MIGTD_ERR_POLICY / MIGTD_ERR_INVALID_POLICY).
 * MIGTD_ERR_AGAIN if a verify_quote call said so (nothing decided).

 * *reason (optional) receives a short static explanation.
 */
int migtd_ratls_verify_peer_cert(const struct ratls_verifier *v, const uint8_t *der, size_t der_len,
				 const char **reason);

/* The policy v2 verifier: what the session hands migtd_ratls_verify_peer_cert_v2. */
struct ratls_verifier_v2 {
	ratls_authenticate_v2_fn authenticate;
	void *ctx;
	bool is_src;                /* we are the TLS client */
	const uint8_t *local_quote; /* the quote in our own certificate */
	size_t local_quote_len;
	/* SHA384 of the peer's pre-session data as we received it (§5.7). */
	const uint8_t *peer_policy_hash;
};

/*
 * Verify a peer's certificate the policy v2 way (§5.5 v2):
 *  1. parse, EKU, quote, event log and policy-hash extensions
 *     (MIGTD_ERR_PEER_CERT);
 *  2. the policy-hash extension equals v->peer_policy_hash
 *     (MIGTD_ERR_INVALID_POLICY, status 9);
 *  3. v->authenticate -> peer report (MIGTD_ERR_POLICY /
 *     MIGTD_ERR_INVALID_POLICY);
 *  4. key binding and self-signature as v1 step 4 (MIGTD_ERR_PEER_CERT).
 */
int migtd_ratls_verify_peer_cert_v2(const struct ratls_verifier_v2 *v, const uint8_t *der,
				    size_t der_len, const char **reason);

/* ---- the TLS session -------------------------------------------------------- */

/*
 * Non-blocking byte stream to the peer. Return the number of bytes moved
 * (> 0), MIGTD_ERR_AGAIN if nothing can be moved now, 0 from recv at end of
 * stream, or another negative error (the session fails with MIGTD_ERR_TLS).
 */
struct ratls_io {
	long (*send)(void *ctx, const uint8_t *buf, size_t len);
	long (*recv)(void *ctx, uint8_t *buf, size_t len);
	void *ctx;
};

enum ratls_peer_state {
	RATLS_PEER_PENDING = 0, /* our verifier has not run yet */
	RATLS_PEER_ACCEPTED = 1,
	RATLS_PEER_REJECTED = 2,
	RATLS_PEER_DEFERRED = 3, /* verifier said "again later": handshake paused */
};

/* Caller-owned; treat as opaque. */
struct ratls_session {
	enum ratls_role role;
	struct ratls_callbacks cb;
	struct ratls_io io;
	psa_key_id_t key;
	uint8_t pubkey[RATLS_PUBKEY_SIZE]; /* key's public point, exported once */
	mbedtls_pk_context pk;             /* opaque wrapper around key */
	mbedtls_x509_crt own_cert;
	const uint8_t *own_quote; /* inside own_cert.raw */
	size_t own_quote_len;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	enum ratls_peer_state peer;
	uint8_t *deferred_cert; /* copy of the peer certificate while DEFERRED */
	size_t deferred_len;
	int err;            /* first error, sticky */
	const char *reason; /* short static text for err */
	int tls_ret;        /* mbedTLS error behind MIGTD_ERR_TLS */
	bool io_failed;     /* a send/recv callback failed */
	bool alert_pending; /* our handshake_failure not yet out */
	bool alert_sent;    /* a fatal alert of ours went out */
	bool started;
	bool handshake_done;
	/* policy v2 (migtd_ratls_session_set_policy_v2) */
	bool v2;
	ratls_authenticate_v2_fn authenticate_v2;
	void *authenticate_v2_ctx;
	uint8_t own_policy_hash[RATLS_POLICY_HASH_SIZE];
	uint8_t peer_policy_hash[RATLS_POLICY_HASH_SIZE];
};

/* Generate the session's fresh P-384 key. psa_crypto_init() must have run. */
int migtd_ratls_session_init(struct ratls_session *s, enum ratls_role role,
			     const struct ratls_callbacks *cb);

/*
 * Make this a policy v2 session (before migtd_ratls_session_start): our
 * certificate carries own_hash (SHA384 of our pre-session data) and the
 * peer is verified the v2 way against peer_hash (SHA384 of the data it
 * sent, §5.5, §5.7) with authenticate (ctx its first argument) in place
 * of the v1 quote and policy callbacks.
 */
int migtd_ratls_session_set_policy_v2(struct ratls_session *s,
				      const uint8_t own_hash[RATLS_POLICY_HASH_SIZE],
				      const uint8_t peer_hash[RATLS_POLICY_HASH_SIZE],
				      ratls_authenticate_v2_fn authenticate, void *ctx);

/* Our 97-byte public key and the REPORTDATA binding it (§5.2). */
int migtd_ratls_session_pubkey(const struct ratls_session *s, uint8_t out[RATLS_PUBKEY_SIZE]);
int migtd_ratls_session_report_data(const struct ratls_session *s,
				    uint8_t out[TDREPORT_REPORT_DATA_SIZE]);

/*
 * Build our certificate from the quote (for migtd_ratls_session_report_data()) and
 * event log (with trailing byte), using work[0..work_cap) as scratch (it
 * may be freed after the call), and configure TLS per §5.1 over io.
 * flags: RATLS_CERT_* for the certificate.
 */
int migtd_ratls_session_start(struct ratls_session *s, const uint8_t *quote, size_t quote_len,
			      const uint8_t *evlog, size_t evlog_len, unsigned flags,
			      const struct ratls_io *io, uint8_t *work, size_t work_cap);

/*
 * Advance the handshake as far as the I/O allows: MIGTD_OK when it is
 * complete and the peer was accepted, MIGTD_ERR_AGAIN when it waits for the
 * stream, or the session's error.
 */
int migtd_ratls_handshake_step(struct ratls_session *s);

/*
 * Application data, after the handshake. migtd_ratls_write sends at most
 * RATLS_MAX_RECORD bytes as one record and returns the count written;
 * migtd_ratls_read returns the count read (> 0). Both return MIGTD_ERR_AGAIN
 * when the stream is not ready, or MIGTD_ERR_TLS (also for a peer alert,
 * close_notify or end of stream).
 */
long migtd_ratls_write(struct ratls_session *s, const uint8_t *buf, size_t len);
long migtd_ratls_read(struct ratls_session *s, uint8_t *buf, size_t len);

/*
 * After migtd_ratls_handshake_step() failed because we rejected the peer, the
 * handshake_failure alert may still sit in the output buffer if the stream
 * was full: call until it returns MIGTD_OK (best effort, then close).
 */
int migtd_ratls_flush(struct ratls_session *s);

/*
 * The caller gives up on the session (any failure: ours, a timeout, a bad
 * peer message): send a fatal alert, unless one already went out, the
 * stream failed, or the peer ended the session itself, so that the peer
 * reports a TLS failure (6) instead of a mere disconnect -- rustls, which
 * upstream uses, alerts on every error; mbedTLS does not (e.g. on a failed
 * Finished). Best effort: MIGTD_ERR_AGAIN while the stream is full, then
 * MIGTD_OK; free the session afterwards.
 */
int migtd_ratls_abort(struct ratls_session *s);

/* The session's first error (MIGTD_OK if none) and its reason. */
int migtd_ratls_session_error(const struct ratls_session *s, const char **reason);
/* The mbedTLS error code behind a MIGTD_ERR_TLS (0 if none), for logs. */
int migtd_ratls_session_tls_error(const struct ratls_session *s);

/* Free everything and wipe the private key and record keys. Idempotent. */
void migtd_ratls_session_free(struct ratls_session *s);

#endif /* MIGTD_RATLS_H */
