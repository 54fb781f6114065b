/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * libFuzzer target: the emulated host's end of the platform link. Arbitrary
 * bytes from a MigTD go through the frame parser, every request handler
 * (TDX module leaves, the QGS with its GetQuote/QGS message parsers) and the
 * error paths; answers go to /dev/null. A second pass feeds the same bytes
 * to the frame parser alone, as the MigTD side sees the host's answers.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <psa/crypto.h>

#include "emu_host.h"
#include "emu_link.h"

static struct emu_host_platform host;
static int devnull = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/migtd-fuzz-link-XXXXXX", msg[256], cmd[300];
	struct emu_platform_params p;

	(void)argc;
	(void)argv;
	if (psa_crypto_init() != PSA_SUCCESS || !mkdtemp(dir))
		abort();
	emu_platform_params_default(&p);
	if (emu_pki_init(dir, NULL, &p, 0, msg, sizeof(msg)) ||
	    emu_host_platform_load(&host, dir, msg, sizeof(msg)))
		abort();
	emu_tdx_bind_user_td(&host.tdx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		abort();
	devnull = open("/dev/null", O_WRONLY);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct emu_link_conn conn;
	struct emu_link_frame f;
	size_t off = 0, used;
	int pfd[2];

	/* Host side: the bytes arrive through a pipe, as from a socket. */
	if (size > 60000 || pipe(pfd) != 0)
		return 0;
	if (write(pfd[1], data, size) != (ssize_t)size)
		abort();
	close(pfd[1]);
	emu_link_conn_init(&conn, pfd[0], &host);
	while (emu_link_conn_on_readable(&conn) == MIGTD_OK)
		;
	close(pfd[0]);
	/* Replies went nowhere: re-point and exercise the reply paths too. */
	conn.fd = devnull;
	conn.dead = false;
	emu_link_reply_error(&conn, 1, MIGTD_ERR_INVALID, "fuzz");

	/* MigTD side: the frame parser over the same bytes. */
	while (off < size && emu_link_parse(data + off, size - off, &f, &used) == MIGTD_OK) {
		if (used < EMU_LINK_HDR_LEN || used > size - off ||
		    f.len != used - EMU_LINK_HDR_LEN)
			abort();
		off += used;
	}
	return 0;
}
