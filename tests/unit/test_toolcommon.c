/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_toolcommon -- the helpers every program shares (tools/common):
 * atomic_file_write (never a partial file, never a replaced device or
 * FIFO, a symlink's target replaced and the link kept, the old mode kept,
 * no temporary file left on failure) and rootca_canonical (one self-signed
 * P-256 CA certificate, PEM and DER giving the same DER; empty, junk,
 * leaf, chain, trailing bytes and other key types refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbedtls/pem.h>
#include <psa/crypto.h>

#include "atomic_file.h"
#include "rootca.h"
#include "support/testutil.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_toolcommon.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static size_t file_size(const char *p)
{
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	return (size_t)st.st_size;
}

/* Entries in dir whose name starts with '.' (the writer's temporary files). */
static int hidden_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_regular_replaced(void **state)
{
	char p[128];
	struct stat st;
	FILE *f;

	(void)state;
	path(p, sizeof(p), "out.bin");
	/* New file: mode 0644 minus the umask. */
	umask(022);
	assert_int_equal(atomic_file_write("t", p, "hello", 5, 0644), 0);
	assert_int_equal(file_size(p), 5);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* Existing file keeps its mode; content replaced whole. */
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(atomic_file_write("t", p, "bye", 3, 0644), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(p, "rb");
	assert_non_null(f);
	{
		char buf[8] = { 0 };

		assert_int_equal(fread(buf, 1, sizeof(buf), f), 3);
		assert_string_equal(buf, "bye");
	}
	fclose(f);
	assert_int_equal(hidden_entries(), 0);
}

static void test_symlink_followed(void **state)
{
	char target[128], link[128];
	struct stat st;

	(void)state;
	path(target, sizeof(target), "target.bin");
	path(link, sizeof(link), "link.bin");
	assert_int_equal(atomic_file_write("t", target, "1", 1, 0644), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(atomic_file_write("t", link, "22", 2, 0644), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(file_size(target), 2);
}

static void test_device_not_replaced(void **state)
{
	struct stat st;

	(void)state;
	/* /dev/full: ENOSPC reported, the node stays a character device. */
	assert_int_equal(atomic_file_write("t", "/dev/full", "x", 1, 0644), -1);
	assert_int_equal(stat("/dev/full", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* /dev/null takes the data. */
	assert_int_equal(atomic_file_write("t", "/dev/null", "x", 1, 0644), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void test_fifo_written_into(void **state)
{
	char p[128], buf[16] = { 0 };
	struct stat st;
	pid_t pid;
	int fd, status;

	(void)state;
	path(p, sizeof(p), "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(atomic_file_write("t", p, "through", 7, 0644) == 0 ? 0 : 1);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(buf, "through");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
}

static void test_failure_leaves_nothing(void **state)
{
	char p[128];

	(void)state;
	/* A directory that does not exist: no file, no temporary file. */
	path(p, sizeof(p), "missing/out.bin");
	assert_int_equal(atomic_file_write("t", p, "x", 1, 0644), -1);
	assert_int_equal(access(p, F_OK), -1);
	/* A directory as target is not replaced. */
	path(p, sizeof(p), "adir");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(atomic_file_write("t", p, "x", 1, 0644), -1);
	{
		struct stat st;

		assert_int_equal(stat(p, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
	}
	assert_int_equal(hidden_entries(), 0);
}

/* ---------------------------------------------------------------- root CA */

static void expect_refused(const uint8_t *in, size_t len, const char *why_part)
{
	uint8_t *der = (uint8_t *)"x";
	size_t der_len = 1;
	char why[160] = "";

	assert_int_equal(rootca_canonical(in, len, &der, &der_len, why, sizeof(why)), -1);
	assert_null(der);
	assert_int_equal(der_len, 0);
	if (!strstr(why, why_part))
		fail_msg("reason '%s' lacks '%s'", why, why_part);
}

static void test_rootca(void **state)
{
	size_t root_len, leaf_len, chain_len, rsa_len, pem_len = 0;
	uint8_t *root =
		tu_read_vector("upstream/config/Intel_SGX_Provisioning_Certification_RootCA.cer",
			       &root_len);
	uint8_t *leaf = tu_read_vector("upstream/derived/ratls_cert_example.der", &leaf_len);
	uint8_t *chain =
		tu_read_vector("upstream/config/templates/policy_issuer_chain.pem", &chain_len);
	uint8_t *rsa =
		tu_read_vector("upstream/src/crypto/fuzz/seeds/x509/rsa2048-crt.der", &rsa_len);
	uint8_t *der, *der2, *twice;
	unsigned char pem[2048];
	size_t der_len, der2_len;
	char why[160];

	(void)state;
	assert_int_equal(psa_crypto_init(), PSA_SUCCESS);
	/* DER in, the same DER out. */
	if (rootca_canonical(root, root_len, &der, &der_len, why, sizeof(why)) != 0)
		fail_msg("Intel root refused: %s", why);
	assert_int_equal(der_len, root_len);
	assert_memory_equal(der, root, root_len);
	/* The same certificate as PEM: the same DER. */
	assert_int_equal(mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
						  "-----END CERTIFICATE-----\n", root, root_len,
						  pem, sizeof(pem), &pem_len),
			 0);
	assert_int_equal(rootca_canonical(pem, pem_len - 1, &der2, &der2_len, why, sizeof(why)), 0);
	assert_int_equal(der2_len, root_len);
	assert_memory_equal(der2, root, root_len);
	free(der);
	free(der2);

	expect_refused(root, 0, "empty");
	expect_refused((const uint8_t *)"junk junk junk", 14, "neither a DER nor a PEM");
	expect_refused(root, root_len - 1, "neither a DER nor a PEM"); /* truncated */
	twice = malloc(2 * root_len);
	assert_non_null(twice);
	memcpy(twice, root, root_len);
	memcpy(twice + root_len, root, root_len);
	expect_refused(twice, 2 * root_len, "follow the DER certificate");
	free(twice);
	expect_refused(leaf, leaf_len, "not a CA");
	expect_refused(chain, chain_len, "more than one certificate");
	/* An RSA certificate: refused (as a non-CA or for its key). */
	{
		uint8_t *d = NULL;
		size_t dl = 0;

		assert_int_equal(rootca_canonical(rsa, rsa_len, &d, &dl, why, sizeof(why)), -1);
		assert_null(d);
	}
	/* A corrupted self-signature: the last byte of the signature. */
	{
		uint8_t *bad = malloc(root_len);

		assert_non_null(bad);
		memcpy(bad, root, root_len);
		bad[root_len - 1] ^= 0x01;
		expect_refused(bad, root_len, "self-signature");
		free(bad);
	}
	free(root);
	free(leaf);
	free(chain);
	free(rsa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_replaced),
		cmocka_unit_test(test_symlink_followed),
		cmocka_unit_test(test_device_not_replaced),
		cmocka_unit_test(test_fifo_written_into),
		cmocka_unit_test(test_failure_leaves_nothing),
		cmocka_unit_test(test_rootca),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
