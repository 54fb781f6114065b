/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * exchange.c -- ExchangeInformation and version negotiation (docs/protocol.md §6).
 */
#include "migtd/exchange.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "migtd/wire.h"

#define EXCHANGE_RESERVED_SIZE 4

int migtd_exchange_parse(const void *buf, size_t len, struct exchange_information *out)
{
	struct wire_reader r;
	int err;

	memset(out, 0, sizeof(*out));
	if (!buf && len)
		return MIGTD_ERR_INVALID;
	if (len < EXCHANGE_INFORMATION_SIZE)
		return MIGTD_ERR_TRUNCATED;
	if (len > EXCHANGE_INFORMATION_SIZE)
		return MIGTD_ERR_LENGTH;
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_bytes(&r, out->key, sizeof(out->key));
	migtd_wire_read_u16(&r, &out->ver.min);
	migtd_wire_read_u16(&r, &out->ver.max);
	/* Older peers sent uninitialised padding here; the spec now demands
	 * zero so that the field can carry meaning later. */
	migtd_wire_read_zero(&r, EXCHANGE_RESERVED_SIZE);
	err = migtd_wire_error(&r);
	if (err != MIGTD_OK)
		mbedtls_platform_zeroize(out, sizeof(*out));
	return err;
}

int migtd_exchange_build(const struct exchange_information *in, void *buf, size_t cap,
			 size_t *written)
{
	struct wire_writer w;
	int err;

	if (written)
		*written = 0;
	if (!buf || cap < EXCHANGE_INFORMATION_SIZE)
		return MIGTD_ERR_NOSPACE;
	migtd_wire_writer_init(&w, buf, EXCHANGE_INFORMATION_SIZE);
	migtd_wire_write_bytes(&w, in->key, sizeof(in->key));
	migtd_wire_write_u16(&w, in->ver.min);
	migtd_wire_write_u16(&w, in->ver.max);
	migtd_wire_write_zero(&w, EXCHANGE_RESERVED_SIZE);
	err = migtd_wire_writer_error(&w);
	if (err == MIGTD_OK && written)
		*written = EXCHANGE_INFORMATION_SIZE;
	return err;
}

void migtd_exchange_key_from_words(const uint64_t words[EXCHANGE_KEY_WORDS],
				   uint8_t key[EXCHANGE_KEY_SIZE])
{
	for (unsigned i = 0; i < EXCHANGE_KEY_WORDS; i++)
		migtd_wire_put_u64(key + 8 * i, words[i]);
}

void migtd_exchange_key_to_words(const uint8_t key[EXCHANGE_KEY_SIZE],
				 uint64_t words[EXCHANGE_KEY_WORDS])
{
	for (unsigned i = 0; i < EXCHANGE_KEY_WORDS; i++)
		words[i] = migtd_wire_get_u64(key + 8 * i);
}

int migtd_exchange_version_from_u64(uint64_t value, uint16_t *version)
{
	if (value > UINT16_MAX)
		return MIGTD_ERR_INVALID;
	*version = (uint16_t)value;
	return MIGTD_OK;
}

int migtd_exchange_negotiate_version(const struct exchange_version_range *export_range,
				     const struct exchange_version_range *import_range,
				     uint16_t *version)
{
	if (export_range->min > export_range->max || import_range->min > import_range->max)
		return MIGTD_ERR_VERSION;
	if (export_range->max < import_range->min || import_range->max < export_range->min)
		return MIGTD_ERR_VERSION;
	*version = export_range->max < import_range->max ? export_range->max : import_range->max;
	return MIGTD_OK;
}

int migtd_exchange_session_version(bool migration_source, const struct exchange_version_range *own,
				   const struct exchange_version_range *peer, uint16_t *version)
{
	if (migration_source)
		return migtd_exchange_negotiate_version(own, peer, version);
	return migtd_exchange_negotiate_version(peer, own, version);
}
