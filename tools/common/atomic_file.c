/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * atomic_file.c -- see atomic_file.h and docs/cli.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fail(const char *prog, const char *path, int err)
{
	fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(err));
	return -1;
}

/* Not a regular file: write into the node itself, never replace it. */
static int write_in_place(const char *prog, const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	int err;

	if (fd < 0)
		return fail(prog, path, errno);
	if (write_all(fd, data, len) != 0) {
		err = errno;
		close(fd);
		return fail(prog, path, err);
	}
	if (close(fd) != 0)
		return fail(prog, path, errno);
	return 0;
}

static int write_stdout(const char *prog, const void *data, size_t len)
{
	if (fflush(stdout) != 0 || write_all(STDOUT_FILENO, data, len) != 0)
		return fail(prog, "standard output", errno);
	return 0;
}

int atomic_file_write(const char *prog, const char *path, const void *data, size_t len,
		      unsigned mode)
{
	char real[PATH_MAX], tmp[PATH_MAX + 16];
	const char *target = path, *slash;
	struct stat st;
	mode_t um;
	int fd = -1, err = 0, w;

	if (!strcmp(path, "-"))
		return write_stdout(prog, data, len);
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			/* Replace what the link points to, keep the link. */
			if (!realpath(path, real) || stat(real, &st) != 0)
				return fail(prog, path, errno);
			target = real;
		}
		if (!S_ISREG(st.st_mode))
			return write_in_place(prog, target, data, len);
		mode = (unsigned)(st.st_mode & 07777);
	} else if (errno != ENOENT) {
		return fail(prog, path, errno);
	} else {
		um = umask(0);
		umask(um);
		mode &= ~(unsigned)um;
	}
	/* The temporary file must be in the target's directory: rename(2)
	 * is atomic only within one file system. */
	slash = strrchr(target, '/');
	if (slash)
		w = snprintf(tmp, sizeof(tmp), "%.*s/.%s.XXXXXX", (int)(slash - target), target,
			     slash + 1);
	else
		w = snprintf(tmp, sizeof(tmp), ".%s.XXXXXX", target);
	if (w < 0 || (size_t)w >= sizeof(tmp))
		return fail(prog, path, ENAMETOOLONG);
	fd = mkstemp(tmp);
	if (fd < 0)
		return fail(prog, path, errno);
	if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, target) != 0)
		err = errno;
	if (err) {
		unlink(tmp);
		return fail(prog, path, err);
	}
	/* Make the rename itself durable. */
	if (slash) {
		w = snprintf(tmp, sizeof(tmp), "%.*s", (int)(slash - target), target);
		fd = w > 0 && (size_t)w < sizeof(tmp)
			     ? open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
			     : -1;
	} else {
		fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}
