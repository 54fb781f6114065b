/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_hob -- the migration request HOB list (docs/protocol.md §2.3) and the
 * MigtdMigrationInformation layouts. Every accepted list is rebuilt with the
 * builder and parsed again: the two parses must agree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/hob.h"

static void roundtrip(const struct migtd_migration_request *a, enum hob_mode mode, bool sock)
{
	static uint8_t buf[2048];
	struct migtd_migration_request b;
	size_t n;

	if (migtd_hob_build_migration_request(buf, sizeof(buf), a, &n) != MIGTD_OK)
		return; /* a policy larger than our buffer */
	if (migtd_hob_parse_migration_request(buf, n, mode, sock, &b) != MIGTD_OK)
		abort();
	/* The default layout reads 72 bytes; init data only rides along in strict mode. */
	if (memcmp(&a->info, &b.info, offsetof(struct migtd_migration_information, init_td_info)))
		abort();
	if (mode == HOB_MODE_STRICT && a->info.has_init_data == 1 &&
	    memcmp(a->info.init_td_info, b.info.init_td_info, MIGTD_TD_INFO_LEN))
		abort();
	if (a->has_socket_info != b.has_socket_info ||
	    memcmp(&a->socket_info, &b.socket_info, sizeof(a->socket_info)))
		abort();
	if (a->has_policy != b.has_policy)
		abort();
	if (a->has_policy && (a->policy.mig_policy_id != b.policy.mig_policy_id ||
			      a->policy.mig_policy_size != b.policy.mig_policy_size ||
			      memcmp(a->policy.policy, b.policy.policy, a->policy.mig_policy_size)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum hob_mode modes[] = { HOB_MODE_DEFAULT, HOB_MODE_STRICT };
	static const enum hob_mig_info_layout layouts[] = { HOB_MIG_INFO_DEFAULT,
							    HOB_MIG_INFO_STRICT, HOB_MIG_INFO_RAW,
							    HOB_MIG_INFO_RAW_V2 };
	struct migtd_migration_request req;
	struct migtd_migration_information mi;

	/* A private copy of exactly size bytes, so ASan sees any over-read. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (size_t m = 0; m < 2; m++)
		for (int sock = 0; sock < 2; sock++)
			if (migtd_hob_parse_migration_request(copy, size, modes[m], sock, &req) ==
			    MIGTD_OK) {
				if (sock && !req.has_socket_info)
					abort();
				roundtrip(&req, modes[m], sock);
			}
	for (size_t l = 0; l < 4; l++)
		(void)migtd_hob_mig_info_parse(copy, size, layouts[l], &mi);
	free(copy);
	return 0;
}
