/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tlsref.c -- see tlsref.h. OpenSSL 3.0 API (Debian 12's libssl-dev).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tlsref.h"

#define EXCHANGE_LEN 40

static EVP_PKEY *g_key[3]; /* CA, server, client */
static X509 *g_crt[3];
static SSL_CTX *g_ctx[2]; /* [0] client, [1] server */

static int fail(const char *what)
{
	fprintf(stderr, "tlsref: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	return -1;
}

static int add_ext(X509 *crt, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, issuer, crt, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext == NULL)
		return 0;
	ok = X509_add_ext(crt, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A P-384 certificate for g_key[i], signed ecdsa-with-SHA384 by the CA (i = 0: itself). */
static X509 *make_cert(int i, const char *cn)
{
	X509 *crt = X509_new();
	X509 *issuer = i == 0 ? crt : g_crt[0];
	X509_NAME *name = X509_NAME_new();
	int ok = crt != NULL && name != NULL;

	ok = ok && X509_set_version(crt, 2);
	ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(crt), i + 1);
	ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
					      -1, -1, 0);
	ok = ok && X509_set_subject_name(crt, name);
	ok = ok && X509_set_issuer_name(crt, X509_get_subject_name(issuer));
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(crt), -3600) != NULL;
	ok = ok && X509_gmtime_adj(X509_getm_notAfter(crt), 86400L * 2) != NULL;
	ok = ok && X509_set_pubkey(crt, g_key[i]);
	if (i == 0)
		ok = ok && add_ext(crt, issuer, NID_basic_constraints, "critical,CA:TRUE") &&
		     add_ext(crt, issuer, NID_key_usage, "critical,keyCertSign");
	else
		ok = ok && add_ext(crt, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
		     add_ext(crt, issuer, NID_key_usage, "critical,digitalSignature");
	ok = ok && X509_sign(crt, g_key[0], EVP_sha384()) > 0;
	X509_NAME_free(name);
	if (!ok) {
		X509_free(crt);
		return NULL;
	}
	return crt;
}

static SSL_CTX *make_ctx(int server)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	int ok = ctx != NULL;

	ok = ok && SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	ok = ok && SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	ok = ok && SSL_CTX_set_ciphersuites(ctx, "TLS_AES_256_GCM_SHA384");
	ok = ok && SSL_CTX_set1_groups_list(ctx, "P-384");
	ok = ok && SSL_CTX_set1_sigalgs_list(ctx, "ECDSA+SHA384");
	ok = ok && SSL_CTX_use_certificate(ctx, g_crt[server ? 1 : 2]);
	ok = ok && SSL_CTX_use_PrivateKey(ctx, g_key[server ? 1 : 2]);
	ok = ok && SSL_CTX_check_private_key(ctx);
	ok = ok && X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), g_crt[0]);
	if (!ok) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* No tickets, no resumption: every handshake is a full one. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* Both ends verify the peer's chain to the CA; the server requires a
	 * client certificate. */
	SSL_CTX_set_verify(ctx,
			   server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
				  : SSL_VERIFY_PEER,
			   NULL);
	return ctx;
}

int tlsref_init(void)
{
	static const char *const cn[3] = { "bench-ca", "server", "client" };

	for (int i = 0; i < 3; i++) {
		g_key[i] = EVP_EC_gen("P-384");
		if (g_key[i] == NULL)
			return fail("P-384 key generation");
		g_crt[i] = make_cert(i, cn[i]);
		if (g_crt[i] == NULL)
			return fail("certificate");
	}
	for (int i = 0; i < 2; i++) {
		g_ctx[i] = make_ctx(i);
		if (g_ctx[i] == NULL)
			return fail("SSL_CTX set-up");
	}
	return tlsref_handshake();
}

/* 1: done, 0: wants I/O, -1: failed. */
static int hs_step(SSL *ssl)
{
	int r = SSL_do_handshake(ssl);

	if (r == 1)
		return 1;
	r = SSL_get_error(ssl, r);
	return r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/* Both ends: the peer certificate was presented and verified to the CA. */
static int peer_verified(const SSL *ssl)
{
	return SSL_get0_peer_certificate(ssl) != NULL && SSL_get_verify_result(ssl) == X509_V_OK &&
	       SSL_CIPHER_get_id(SSL_get_current_cipher(ssl)) == 0x03001302u;
}

int tlsref_handshake(void)
{
	SSL *c = SSL_new(g_ctx[0]), *s = SSL_new(g_ctx[1]);
	BIO *bc = NULL, *bs = NULL;
	unsigned char out[EXCHANGE_LEN], in[EXCHANGE_LEN];
	int dc = 0, ds = 0, ret = -1;

	if (c == NULL || s == NULL || !BIO_new_bio_pair(&bc, 0, &bs, 0)) {
		fail("SSL_new");
		goto out;
	}
	SSL_set_bio(c, bc, bc);
	SSL_set_bio(s, bs, bs);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (int round = 0; round < 32 && (dc != 1 || ds != 1); round++) {
		if (dc != 1)
			dc = hs_step(c);
		if (ds != 1)
			ds = hs_step(s);
		if (dc < 0 || ds < 0)
			break;
	}
	if (dc != 1 || ds != 1 || !peer_verified(c) || !peer_verified(s)) {
		fail("handshake");
		goto out;
	}
	/* The 40-byte exchange, source first (docs/protocol.md §6.2). */
	memset(out, 0x5A, sizeof(out));
	if (SSL_write(c, out, sizeof(out)) != EXCHANGE_LEN ||
	    SSL_read(s, in, sizeof(in)) != EXCHANGE_LEN ||
	    SSL_write(s, out, sizeof(out)) != EXCHANGE_LEN ||
	    SSL_read(c, in, sizeof(in)) != EXCHANGE_LEN || memcmp(in, out, sizeof(in)) != 0) {
		fail("40-byte exchange");
		goto out;
	}
	ret = 0;
out:
	SSL_free(c); /* frees the BIO pair too */
	SSL_free(s);
	return ret;
}

void tlsref_fini(void)
{
	for (int i = 0; i < 2; i++) {
		SSL_CTX_free(g_ctx[i]);
		g_ctx[i] = NULL;
	}
	for (int i = 0; i < 3; i++) {
		X509_free(g_crt[i]);
		EVP_PKEY_free(g_key[i]);
		g_crt[i] = NULL;
		g_key[i] = NULL;
	}
}
