/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * session.c -- the RA-TLS TLS 1.3 session on mbedTLS (docs/protocol.md §5.1, §5.5).
 *
 * Profile: TLS 1.3 only, TLS_AES_256_GCM_SHA384 only, secp384r1 only, our
 * key signs with ecdsa_secp384r1_sha384, the source is the client and the
 * destination the server, both present their single self-signed RA-TLS
 * certificate, no tickets/PSK/early data/ALPN (not compiled in), the client
 * sends SNI "localhost".
 *
 * Peer authentication. mbedTLS runs its X.509 chain verification and then
 * our callback for the end-entity certificate; we ignore its flags (no
 * trust anchors, names or validity in RA-TLS) and decide with
 * migtd_ratls_verify_peer_cert(). authmode is OPTIONAL on purpose: with REQUIRED,
 * mbedTLS itself would answer our rejection with an alert derived from the
 * X.509 flags (access_denied, bad_certificate, ...), but upstream answers a
 * verifier rejection with handshake_failure (40). With OPTIONAL, mbedTLS
 * carries on and migtd_ratls_handshake_step(), which checks the verdict after
 * every handshake step, sends the fatal handshake_failure itself before the
 * next message goes out. Because OPTIONAL would also let a client that
 * sends no certificate through, the handshake only counts as complete when
 * our verifier accepted the peer.
 *
 * mbedTLS's own cert-usage check (keyUsage digitalSignature, extKeyUsage
 * serverAuth/clientAuth) becomes non-fatal under OPTIONAL, matching
 * upstream, which does not check those either.
 */
#include <limits.h>
#include <string.h>

#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/psa_util.h>

#include "migtd/ratls.h"
#include "ratls_internal.h"

static const int ratls_suites[] = { MBEDTLS_TLS1_3_AES_256_GCM_SHA384, 0 };

static const uint16_t ratls_groups[] = { MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
					 MBEDTLS_SSL_IANA_TLS_GROUP_NONE };

/*
 * signature_algorithms we offer and accept for CertificateVerify. The peer
 * key must be P-384 anyway (its self-signature is ecdsa-with-SHA384 with a
 * P-384 key, §5.5), and in TLS 1.3 the scheme names the curve, so only
 * 0x0503 can succeed; upstream peers always use it. The rest of ring's
 * default list (Ed25519, RSA) is not compiled into our mbedTLS.
 */
static const uint16_t ratls_sig_algs[] = { MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
					   MBEDTLS_TLS1_3_SIG_NONE };

static int set_err(struct ratls_session *s, int err, const char *reason)
{
	if (s->err == MIGTD_OK) {
		s->err = err;
		s->reason = reason;
	}
	return s->err;
}

/* ---- I/O glue -------------------------------------------------------------- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct ratls_session *s = ctx;
	long n;

	if (len > INT_MAX)
		len = INT_MAX;
	n = s->io.send(s->io.ctx, buf, len);
	if (n == MIGTD_ERR_AGAIN)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (n <= 0 || (size_t)n > len) {
		s->io_failed = true;
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	}
	return (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct ratls_session *s = ctx;
	long n;

	if (len > INT_MAX)
		len = INT_MAX;
	n = s->io.recv(s->io.ctx, buf, len);
	if (n == MIGTD_ERR_AGAIN)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (n == 0)
		return 0; /* end of stream: mbedTLS reports MBEDTLS_ERR_SSL_CONN_EOF */
	if (n < 0 || (size_t)n > len) {
		s->io_failed = true;
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	}
	return (int)n;
}

/* Map an mbedTLS failure to our error (always status 6) with a reason. */
static int tls_fail(struct ratls_session *s, int ret)
{
	const char *why = "TLS failure";

	s->tls_ret = ret;
	if (s->io_failed)
		why = "stream failure during TLS";
	else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
		why = "peer sent a fatal alert";
	else if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		why = "peer closed the TLS session";
	else if (ret == MBEDTLS_ERR_SSL_CONN_EOF)
		why = "stream closed during TLS";
	else if (ret == MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE ||
		 ret == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
		why = "TLS parameters not acceptable";
	else if (ret == MBEDTLS_ERR_SSL_BAD_CERTIFICATE ||
		 ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || (ret <= -0x2000 && ret > -0x3000))
		why = "peer certificate rejected by TLS";
	else if (ret == MBEDTLS_ERR_SSL_INVALID_MAC)
		why = "TLS record failed authentication";
	return set_err(s, MIGTD_ERR_TLS, why);
}

/* ---- peer verification hook ------------------------------------------------ */

/* Our verifier for the peer's end-entity certificate: v1 or v2 (§5.5). */
static int verify_peer(const struct ratls_session *s, const uint8_t *der, size_t der_len,
		       const char **reason)
{
	if (s->v2) {
		struct ratls_verifier_v2 v2 = {
			.authenticate = s->authenticate_v2,
			.ctx = s->authenticate_v2_ctx,
			.is_src = s->role == RATLS_CLIENT,
			.local_quote = s->own_quote,
			.local_quote_len = s->own_quote_len,
			.peer_policy_hash = s->peer_policy_hash,
		};

		return migtd_ratls_verify_peer_cert_v2(&v2, der, der_len, reason);
	} else {
		struct ratls_verifier v = {
			.cb = &s->cb,
			.is_src = s->role == RATLS_CLIENT,
			.local_quote = s->own_quote,
			.local_quote_len = s->own_quote_len,
		};

		return migtd_ratls_verify_peer_cert(&v, der, der_len, reason);
	}
}

static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct ratls_session *s = ctx;
	const char *reason = NULL;
	int ret;

	/* Only the end-entity certificate counts (§5.1); no chain. */
	if (depth != 0) {
		*flags = 0;
		return 0;
	}
	if (s->peer != RATLS_PEER_PENDING) {
		/* Never re-verify: a second certificate would be a protocol bug. */
		*flags = s->peer == RATLS_PEER_ACCEPTED ? 0 : MBEDTLS_X509_BADCERT_OTHER;
		return 0;
	}
	ret = verify_peer(s, crt->raw.p, crt->raw.len, &reason);
	if (ret == MIGTD_ERR_AGAIN) {
		/* Not decidable yet (collateral on its way): keep the certificate
		 * and pause before the next handshake message (see
		 * migtd_ratls_handshake_step). Nothing has been sent since it arrived. */
		s->deferred_cert = mbedtls_calloc(1, crt->raw.len);
		if (s->deferred_cert == NULL) {
			s->peer = RATLS_PEER_REJECTED;
			set_err(s, MIGTD_ERR_NOMEM, "no memory to hold the peer certificate");
			*flags = MBEDTLS_X509_BADCERT_OTHER;
			return 0;
		}
		memcpy(s->deferred_cert, crt->raw.p, crt->raw.len);
		s->deferred_len = crt->raw.len;
		s->peer = RATLS_PEER_DEFERRED;
		*flags = 0;
		return 0;
	}
	if (ret == MIGTD_OK) {
		s->peer = RATLS_PEER_ACCEPTED;
		*flags = 0;
	} else {
		s->peer = RATLS_PEER_REJECTED;
		set_err(s, ret, reason);
		*flags = MBEDTLS_X509_BADCERT_OTHER;
	}
	/* 0: never a "fatal" callback error; the verdict is in s->peer. */
	return 0;
}

/* ---- API --------------------------------------------------------------------- */

int migtd_ratls_session_init(struct ratls_session *s, enum ratls_role role,
			     const struct ratls_callbacks *cb)
{
	psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
	psa_status_t st;
	size_t len = 0;

	memset(s, 0, sizeof(*s));
	mbedtls_pk_init(&s->pk);
	mbedtls_x509_crt_init(&s->own_cert);
	mbedtls_ssl_config_init(&s->conf);
	mbedtls_ssl_init(&s->ssl);
	if ((role != RATLS_CLIENT && role != RATLS_SERVER) || cb == NULL ||
	    cb->verify_quote == NULL || cb->eval_policy == NULL)
		return set_err(s, MIGTD_ERR_STATE, "bad session parameters");
	s->role = role;
	s->cb = *cb;

	/* A fresh ECDSA P-384 key per session and role (§5.2), never exported. */
	psa_set_key_type(&attr, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
	psa_set_key_bits(&attr, 384);
	psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH);
	psa_set_key_algorithm(&attr, PSA_ALG_ECDSA(PSA_ALG_SHA_384));
	st = psa_generate_key(&attr, &s->key);
	psa_reset_key_attributes(&attr);
	if (st != PSA_SUCCESS)
		return set_err(s, MIGTD_ERR_CRYPTO, "key generation failed");
	if (mbedtls_pk_setup_opaque(&s->pk, s->key) != 0)
		return set_err(s, MIGTD_ERR_CRYPTO, "key setup failed");
	/* The public point, once: each export recomputes it from the scalar
	 * (REPORTDATA and the certificate both need it). */
	if (psa_export_public_key(s->key, s->pubkey, sizeof(s->pubkey), &len) != PSA_SUCCESS ||
	    len != RATLS_PUBKEY_SIZE)
		return set_err(s, MIGTD_ERR_CRYPTO, "public key export failed");
	return MIGTD_OK;
}

int migtd_ratls_session_pubkey(const struct ratls_session *s, uint8_t out[RATLS_PUBKEY_SIZE])
{
	if (s->err != MIGTD_OK)
		return s->err;
	memcpy(out, s->pubkey, RATLS_PUBKEY_SIZE);
	return MIGTD_OK;
}

int migtd_ratls_session_report_data(const struct ratls_session *s,
				    uint8_t out[TDREPORT_REPORT_DATA_SIZE])
{
	uint8_t pub[RATLS_PUBKEY_SIZE];
	int ret;

	memset(out, 0, TDREPORT_REPORT_DATA_SIZE);
	ret = migtd_ratls_session_pubkey(s, pub);
	if (ret != MIGTD_OK)
		return ret;
	return migtd_ratls_report_data(pub, sizeof(pub), out);
}

static int setup_tls(struct ratls_session *s)
{
	int endpoint = s->role == RATLS_CLIENT ? MBEDTLS_SSL_IS_CLIENT : MBEDTLS_SSL_IS_SERVER;

	if (mbedtls_ssl_config_defaults(&s->conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		return MIGTD_ERR_CRYPTO;
	mbedtls_ssl_conf_min_tls_version(&s->conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_max_tls_version(&s->conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_ciphersuites(&s->conf, ratls_suites);
	mbedtls_ssl_conf_groups(&s->conf, ratls_groups);
	mbedtls_ssl_conf_sig_algs(&s->conf, ratls_sig_algs);
	mbedtls_ssl_conf_tls13_key_exchange_modes(&s->conf,
						  MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL);
	mbedtls_ssl_conf_rng(&s->conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
	/* OPTIONAL, not REQUIRED: see the top of this file. The server still
	 * sends CertificateRequest (empty certificate_authorities). */
	mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	if (mbedtls_ssl_conf_own_cert(&s->conf, &s->own_cert, &s->pk) != 0)
		return MIGTD_ERR_CRYPTO;
	if (mbedtls_ssl_setup(&s->ssl, &s->conf) != 0)
		return MIGTD_ERR_NOMEM;
	/* SNI "localhost" like upstream; also the name mbedTLS checks the
	 * server certificate against, a check our callback overrides. */
	if (s->role == RATLS_CLIENT && mbedtls_ssl_set_hostname(&s->ssl, "localhost") != 0)
		return MIGTD_ERR_NOMEM;
	mbedtls_ssl_set_verify(&s->ssl, verify_cb, s);
	mbedtls_ssl_set_bio(&s->ssl, s, bio_send, bio_recv, NULL);
	return MIGTD_OK;
}

int migtd_ratls_session_set_policy_v2(struct ratls_session *s,
				      const uint8_t own_hash[RATLS_POLICY_HASH_SIZE],
				      const uint8_t peer_hash[RATLS_POLICY_HASH_SIZE],
				      ratls_authenticate_v2_fn authenticate, void *ctx)
{
	if (s->started || own_hash == NULL || peer_hash == NULL || authenticate == NULL)
		return set_err(s, MIGTD_ERR_STATE, "bad session state");
	s->authenticate_v2 = authenticate;
	s->authenticate_v2_ctx = ctx;
	memcpy(s->own_policy_hash, own_hash, RATLS_POLICY_HASH_SIZE);
	memcpy(s->peer_policy_hash, peer_hash, RATLS_POLICY_HASH_SIZE);
	s->v2 = true;
	return MIGTD_OK;
}

int migtd_ratls_session_start(struct ratls_session *s, const uint8_t *quote, size_t quote_len,
			      const uint8_t *evlog, size_t evlog_len, unsigned flags,
			      const struct ratls_io *io, uint8_t *work, size_t work_cap)
{
	struct ratls_evidence ev;
	size_t der_len = 0;
	int ret;

	if (s->err != MIGTD_OK)
		return s->err;
	if (s->started || io == NULL || io->send == NULL || io->recv == NULL)
		return set_err(s, MIGTD_ERR_STATE, "bad session state");
	s->io = *io;

	ret = migtd_ratls_cert_write_v2(s->key, s->pubkey, quote, quote_len, evlog, evlog_len,
					s->v2 ? s->own_policy_hash : NULL, flags, work, work_cap,
					&der_len);
	if (ret != MIGTD_OK)
		return set_err(s, ret, "own certificate cannot be built");
	if (der_len > RATLS_MAX_CERT)
		return set_err(s, MIGTD_ERR_NOSPACE, "own certificate too large for TLS");
	/* Keep a parsed copy (mbedTLS owns the bytes): the TLS layer sends it,
	 * and our verifier re-verifies the quote inside it (§5.5 step 1). */
	if (migtd_ratls_parse_cert(&s->own_cert, work, der_len, 1, &ev) != 0 || ev.quote == NULL)
		return set_err(s, MIGTD_ERR_CRYPTO, "own certificate does not parse");
	s->own_quote = ev.quote;
	s->own_quote_len = ev.quote_len;

	ret = setup_tls(s);
	if (ret != MIGTD_OK)
		return set_err(s, ret, "TLS setup failed");
	s->started = true;
	return MIGTD_OK;
}

/* Send (or keep sending) our fatal handshake_failure alert. */
static void flush_alert(struct ratls_session *s)
{
	int ret;

	if (!s->alert_pending)
		return;
	/* The first call writes the alert; while the stream is full, later
	 * calls only flush what is left of it. */
	ret = mbedtls_ssl_send_alert_message(&s->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
					     MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE);
	if (ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
		s->alert_pending = false;
		s->alert_sent = true;
	}
}

static int reject_peer(struct ratls_session *s)
{
	s->alert_pending = true;
	flush_alert(s);
	return s->err;
}

static void drop_deferred(struct ratls_session *s)
{
	if (s->deferred_cert != NULL) {
		mbedtls_free(s->deferred_cert);
		s->deferred_cert = NULL;
		s->deferred_len = 0;
	}
}

/* Run the peer verification again on the kept certificate. */
static int resume_deferred(struct ratls_session *s)
{
	const char *reason = NULL;
	int ret;

	ret = verify_peer(s, s->deferred_cert, s->deferred_len, &reason);
	if (ret == MIGTD_ERR_AGAIN)
		return ret;
	drop_deferred(s);
	if (ret != MIGTD_OK) {
		s->peer = RATLS_PEER_REJECTED;
		set_err(s, ret, reason);
		return reject_peer(s);
	}
	s->peer = RATLS_PEER_ACCEPTED;
	return MIGTD_OK;
}

int migtd_ratls_handshake_step(struct ratls_session *s)
{
	int ret;

	if (s->err != MIGTD_OK) {
		flush_alert(s);
		return s->err;
	}
	if (!s->started)
		return set_err(s, MIGTD_ERR_STATE, "handshake before start");
	if (s->handshake_done)
		return MIGTD_OK;
	if (s->peer == RATLS_PEER_DEFERRED) {
		ret = resume_deferred(s);
		if (ret != MIGTD_OK)
			return ret;
	}

	for (;;) {
		ret = mbedtls_ssl_handshake_step(&s->ssl);
		/* Our verifier could not decide yet: hold the handshake here. */
		if (s->peer == RATLS_PEER_DEFERRED &&
		    (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ ||
		     ret == MBEDTLS_ERR_SSL_WANT_WRITE))
			return MIGTD_ERR_AGAIN;
		/* Our verifier ran inside that step and said no: abort before
		 * anything else goes out (§5.1). */
		if (s->peer == RATLS_PEER_REJECTED)
			return reject_peer(s);
		if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			return MIGTD_ERR_AGAIN;
		if (ret != 0)
			return tls_fail(s, ret);
		if (mbedtls_ssl_is_handshake_over(&s->ssl)) {
			if (s->peer != RATLS_PEER_ACCEPTED) {
				set_err(s, MIGTD_ERR_PEER_CERT, "peer presented no certificate");
				return reject_peer(s);
			}
			s->handshake_done = true;
			return MIGTD_OK;
		}
	}
}

long migtd_ratls_write(struct ratls_session *s, const uint8_t *buf, size_t len)
{
	int ret;

	if (s->err != MIGTD_OK)
		return s->err;
	if (!s->handshake_done)
		return set_err(s, MIGTD_ERR_STATE, "write before handshake");
	if (len > RATLS_MAX_RECORD)
		len = RATLS_MAX_RECORD;
	ret = mbedtls_ssl_write(&s->ssl, buf, len);
	if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ)
		return MIGTD_ERR_AGAIN;
	if (ret < 0)
		return tls_fail(s, ret);
	return ret;
}

long migtd_ratls_read(struct ratls_session *s, uint8_t *buf, size_t len)
{
	int ret;

	if (s->err != MIGTD_OK)
		return s->err;
	if (!s->handshake_done)
		return set_err(s, MIGTD_ERR_STATE, "read before handshake");
	if (len > INT_MAX)
		len = INT_MAX;
	/* NewSessionTicket messages are consumed and ignored by mbedTLS here
	 * (session tickets are not compiled in). */
	ret = mbedtls_ssl_read(&s->ssl, buf, len);
	if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		return MIGTD_ERR_AGAIN;
	if (ret == 0)
		return tls_fail(s, MBEDTLS_ERR_SSL_CONN_EOF);
	if (ret < 0)
		return tls_fail(s, ret);
	return ret;
}

int migtd_ratls_flush(struct ratls_session *s)
{
	flush_alert(s);
	return s->alert_pending ? MIGTD_ERR_AGAIN : MIGTD_OK;
}

int migtd_ratls_abort(struct ratls_session *s)
{
	if (!s->started || s->io_failed || s->tls_ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE ||
	    s->tls_ret == MBEDTLS_ERR_SSL_CONN_EOF ||
	    s->tls_ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return MIGTD_OK;
	if (!s->alert_sent)
		s->alert_pending = true;
	return migtd_ratls_flush(s);
}

int migtd_ratls_session_error(const struct ratls_session *s, const char **reason)
{
	if (reason != NULL)
		*reason = s->err != MIGTD_OK && s->reason != NULL ? s->reason : "ok";
	return s->err;
}

int migtd_ratls_session_tls_error(const struct ratls_session *s)
{
	return s->tls_ret;
}

void migtd_ratls_session_free(struct ratls_session *s)
{
	/* mbedtls_ssl_free wipes the traffic keys; psa_destroy_key wipes the
	 * private key. A zeroed struct is a valid "freed" session. */
	drop_deferred(s);
	mbedtls_ssl_free(&s->ssl);
	mbedtls_ssl_config_free(&s->conf);
	mbedtls_x509_crt_free(&s->own_cert);
	mbedtls_pk_free(&s->pk);
	if (!mbedtls_svc_key_id_is_null(s->key))
		(void)psa_destroy_key(s->key);
	mbedtls_platform_zeroize(s, sizeof(*s));
}
