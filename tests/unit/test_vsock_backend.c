/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * The real migtd-vsock-backend program driven by this test as its vhost-user
 * front end (the part QEMU plays): guest memory is a memfd shared with the
 * backend, the test writes virtio rings and descriptors into it, kicks and
 * waits for calls. So the whole device path -- libvhost-user's ring and
 * descriptor handling, our queue glue, the vsockdev model, the host ends on
 * link.sock / relay.sock -- runs as it does under QEMU, and a test can be the
 * malicious guest QEMU would never let a unit test be: descriptors outside
 * guest memory, zero-sized or bad indirect descriptors, descriptor loops,
 * lengths past the end, an avail index
 * racing ahead, oversized packets and credit violations. The backend must
 * answer with RST where the device can, and otherwise stop cleanly with a
 * message -- never die from a signal. (docs/vhost-user.md)
 *
 * The program is found in $MIGTD_BIN, else in the bin/ of this test's own
 * build variant (build/host/tests -> build/bin, build/san/tests ->
 * build/san/bin: the sanitized test drives the sanitized backend).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vsock_ids.h"
#include "migtd/wire.h"
#include "vsockdev.h"

#define MEM_SIZE (1u << 20)
#define QSZ 16u
#define CID 18u
/* guest-physical layout of the rings and buffers */
#define RING_BASE(q) (0x1000u + (q)*0x1000u)
#define DESC(q) RING_BASE(q)
#define AVAIL(q) (RING_BASE(q) + 0x400u)
#define USED(q) (RING_BASE(q) + 0x800u)
#define RXBUF(i) (0x10000u + (i)*0x2000u)
#define TXBUF 0x40000u

enum { RXQ = 0, TXQ = 1 };

struct vring_desc_ {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static char dir[] = "/tmp/migtd-test-vhu-XXXXXX";
static char path_vhost[100], path_link[100], path_relay[100], path_log[100];
static int sock = -1, link_l = -1, relay_l = -1, memfd = -1;
static int kick[2] = { -1, -1 }, call[2] = { -1, -1 };
static uint8_t *mem;
static pid_t pid;
static uint16_t avail_idx[2], used_seen[2], next_desc[2];

static int listen_at(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

/* ------------------------------------------------------------ vhost-user */

static void vu_send(uint32_t req, const void *payload, uint32_t size, const int *fds, int nfds)
{
	uint8_t buf[12 + 512];
	char ctl[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { buf, 12 + size };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	assert_true(size <= 512);
	memcpy(buf, &req, 4);
	memcpy(buf + 4, &(uint32_t){ 1 }, 4); /* version 1 */
	memcpy(buf + 8, &size, 4);
	if (size)
		memcpy(buf + 12, payload, size);
	if (nfds) {
		struct cmsghdr *c;

		memset(ctl, 0, sizeof(ctl));
		m.msg_control = ctl;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	assert_int_equal(sendmsg(sock, &m, 0), (ssize_t)(12 + size));
}

static uint32_t vu_reply(void *payload, uint32_t cap)
{
	uint8_t hdr[12];
	uint32_t size;

	assert_int_equal(read(sock, hdr, 12), 12);
	memcpy(&size, hdr + 8, 4);
	assert_true(size <= cap);
	if (size)
		assert_int_equal(read(sock, payload, size), (ssize_t)size);
	return size;
}

static void vring_setup(uint32_t q)
{
	uint32_t st[2] = { q, QSZ };
	uint8_t addr[40];
	uint64_t u = q;

	vu_send(8 /* SET_VRING_NUM */, st, 8, NULL, 0);
	st[1] = 0;
	vu_send(10 /* SET_VRING_BASE */, st, 8, NULL, 0);
	memset(addr, 0, sizeof(addr));
	memcpy(addr, &q, 4);
	migtd_wire_put_u64(addr + 8, (uint64_t)(uintptr_t)(mem + DESC(q)));
	migtd_wire_put_u64(addr + 16, (uint64_t)(uintptr_t)(mem + USED(q)));
	migtd_wire_put_u64(addr + 24, (uint64_t)(uintptr_t)(mem + AVAIL(q)));
	vu_send(9 /* SET_VRING_ADDR */, addr, 40, NULL, 0);
	call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vu_send(13 /* SET_VRING_CALL */, &u, 8, &call[q], 1);
	vu_send(12 /* SET_VRING_KICK */, &u, 8, &kick[q], 1);
}

static int setup(void **state)
{
	const char *bin = getenv("MIGTD_BIN");
	char prog[256], self[256] = "";
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int lfd, logfd;
	uint64_t features = 0;
	uint8_t region[40];

	(void)state;
	memcpy(dir, "/tmp/migtd-test-vhu-XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	snprintf(path_vhost, sizeof(path_vhost), "%s/vhost.sock", dir);
	snprintf(path_link, sizeof(path_link), "%s/link.sock", dir);
	snprintf(path_relay, sizeof(path_relay), "%s/relay.sock", dir);
	snprintf(path_log, sizeof(path_log), "%s/backend.log", dir);
	if (sl > 0)
		self[sl] = '\0';
	if (!bin)
		bin = strstr(self, "/san/tests/") ? "build/san/bin" : "build/bin";
	snprintf(prog, sizeof(prog), "%s/migtd-vsock-backend", bin);
	link_l = listen_at(path_link);
	relay_l = listen_at(path_relay);
	lfd = listen_at(path_vhost);
	logfd = open(path_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(logfd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(lfd, 3);
		dup2(logfd, 2);
		execl(prog, prog, "--listen-fd", "3", "--guest-cid", "18", "--link", path_link,
		      "--relay", path_relay, (char *)NULL);
		_exit(127);
	}
	close(logfd);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	{
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		snprintf(a.sun_path, sizeof(a.sun_path), "%s", path_vhost);
		assert_int_equal(connect(sock, (struct sockaddr *)&a, sizeof(a)), 0);
	}
	close(lfd);
	memfd = memfd_create("guest-ram", MFD_CLOEXEC);
	assert_true(memfd >= 0);
	assert_int_equal(ftruncate(memfd, MEM_SIZE), 0);
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	assert_true(mem != MAP_FAILED);
	memset(mem, 0, MEM_SIZE);
	memset(avail_idx, 0, sizeof(avail_idx));
	memset(used_seen, 0, sizeof(used_seen));
	memset(next_desc, 0, sizeof(next_desc));

	vu_send(3 /* SET_OWNER */, NULL, 0, NULL, 0);
	vu_send(1 /* GET_FEATURES */, NULL, 0, NULL, 0);
	assert_int_equal(vu_reply(&features, 8), 8);
	assert_true(features & (1ull << 32)); /* VERSION_1 */
	features = 1ull << 32;
	vu_send(2 /* SET_FEATURES */, &features, 8, NULL, 0);
	memset(region, 0, sizeof(region));
	migtd_wire_put_u32(region, 1);                             /* nregions */
	migtd_wire_put_u64(region + 8, 0);                         /* guest_phys_addr */
	migtd_wire_put_u64(region + 16, MEM_SIZE);                 /* memory_size */
	migtd_wire_put_u64(region + 24, (uint64_t)(uintptr_t)mem); /* userspace_addr */
	migtd_wire_put_u64(region + 32, 0);                        /* mmap_offset */
	vu_send(5 /* SET_MEM_TABLE */, region, 40, &memfd, 1);
	vring_setup(RXQ);
	vring_setup(TXQ);
	return 0;
}

static int wait_exit(int *status, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		usleep(10000);
	}
	return -1;
}

static int teardown(void **state)
{
	int st;

	(void)state;
	close(sock); /* the backend exits on the front end's close */
	if (pid > 0 && wait_exit(&st, 3000) != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	munmap(mem, MEM_SIZE);
	for (int q = 0; q < 2; q++) {
		close(kick[q]);
		close(call[q]);
	}
	close(memfd);
	close(link_l);
	close(relay_l);
	unlink(path_vhost);
	unlink(path_link);
	unlink(path_relay);
	unlink(path_log);
	rmdir(dir);
	return 0;
}

/* ------------------------------------------------------------ rings */

static struct vring_desc_ *desc(uint32_t q, uint16_t i)
{
	return (struct vring_desc_ *)(void *)(mem + DESC(q) + 16u * i);
}

static void avail_push(uint32_t q, uint16_t head)
{
	uint8_t *a = mem + AVAIL(q);

	migtd_wire_put_u16(a + 4 + 2u * (avail_idx[q] % QSZ), head);
	avail_idx[q]++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	migtd_wire_put_u16(a + 2, avail_idx[q]);
	assert_int_equal(eventfd_write(kick[q], 1), 0);
}

static uint16_t used_idx(uint32_t q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return migtd_wire_get_u16(mem + USED(q) + 2);
}

/* Wait until the device used an entry of q; returns its length. */
static bool used_wait(uint32_t q, uint32_t *len, int ms)
{
	for (int i = 0; i < ms; i++) {
		if (used_idx(q) != used_seen[q]) {
			uint8_t *e = mem + USED(q) + 4 + 8u * (used_seen[q] % QSZ);

			if (len)
				*len = migtd_wire_get_u32(e + 4);
			used_seen[q]++;
			return true;
		}
		usleep(1000);
	}
	return false;
}

/* Post one RX chain (44-byte header + 4096-byte data, as a MigTD does). */
static void rx_post(void)
{
	uint16_t d = next_desc[RXQ];
	uint32_t slot = d / 2;

	*desc(RXQ, d) = (struct vring_desc_){ RXBUF(slot), 44, 1 | 2, (uint16_t)(d + 1) };
	*desc(RXQ, (uint16_t)(d + 1)) = (struct vring_desc_){ RXBUF(slot) + 44, 4096, 2, 0 };
	next_desc[RXQ] = (uint16_t)((d + 2) % QSZ);
	avail_push(RXQ, d);
}

/* The next packet the device gave the guest. */
static struct vsockdev_hdr rx_take(uint8_t *payload)
{
	struct vsockdev_hdr h;
	uint32_t len = 0;
	uint16_t head;

	assert_true(used_wait(RXQ, &len, 3000));
	head = (uint16_t)migtd_wire_get_u32(mem + USED(RXQ) + 4 +
					    8u * ((used_seen[RXQ] - 1u) % QSZ));
	assert_true(len >= VSOCKDEV_HDR_LEN);
	vsockdev_hdr_parse(mem + RXBUF(head / 2), &h);
	assert_int_equal(h.len, len - VSOCKDEV_HDR_LEN);
	if (payload && h.len)
		memcpy(payload, mem + RXBUF(head / 2) + 44, h.len);
	return h;
}

/* Send one guest packet in one descriptor (or split in two at `split`). */
static void tx_raw(const uint8_t *pkt, size_t len, size_t split)
{
	uint16_t d = next_desc[TXQ];

	memcpy(mem + TXBUF, pkt, len);
	if (split && split < len) {
		*desc(TXQ, d) = (struct vring_desc_){ TXBUF, (uint32_t)split, 1,
						      (uint16_t)((d + 1) % QSZ) };
		*desc(TXQ, (uint16_t)((d + 1) % QSZ)) =
			(struct vring_desc_){ TXBUF + split, (uint32_t)(len - split), 0, 0 };
		next_desc[TXQ] = (uint16_t)((d + 2) % QSZ);
	} else {
		*desc(TXQ, d) = (struct vring_desc_){ TXBUF, (uint32_t)len, 0, 0 };
		next_desc[TXQ] = (uint16_t)((d + 1) % QSZ);
	}
	avail_push(TXQ, d);
	assert_true(used_wait(TXQ, NULL, 3000));
}

static void tx(uint32_t sport, uint32_t dport, uint16_t op, uint32_t flags, const void *data,
	       size_t n)
{
	static uint8_t pkt[VSOCKDEV_MAX_PKT + 64];
	struct vsockdev_hdr h = {
		.src_cid = CID,
		.dst_cid = MIGTD_VSOCK_HOST_CID,
		.src_port = sport,
		.dst_port = dport,
		.len = (uint32_t)n,
		.type = 1,
		.op = op,
		.flags = flags,
		.buf_alloc = 65536,
		.fwd_cnt = 0,
	};

	vsockdev_hdr_write(pkt, &h);
	if (n)
		memcpy(pkt + VSOCKDEV_HDR_LEN, data, n);
	tx_raw(pkt, VSOCKDEV_HDR_LEN + n, n ? VSOCKDEV_HDR_LEN : 0);
}

static int accept_to(int l)
{
	struct pollfd p = { l, POLLIN, 0 };

	assert_int_equal(poll(&p, 1, 3000), 1);
	return accept4(l, NULL, NULL, SOCK_CLOEXEC);
}

static void read_exact(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;

		assert_int_equal(poll(&p, 1, 3000), 1);
		r = read(fd, (uint8_t *)buf + got, n - got);
		assert_true(r > 0);
		got += (size_t)r;
	}
}

/* ------------------------------------------------------------ tests */

static void test_config_and_streams(void **state)
{
	uint8_t cfg[12 + 8], buf[4096], hello[16];
	struct vsockdev_hdr h;
	int relay, link;

	(void)state;
	/* GET_CONFIG: the 8-byte guest CID. */
	memset(cfg, 0, sizeof(cfg));
	migtd_wire_put_u32(cfg + 4, 8);
	vu_send(24 /* GET_CONFIG */, cfg, sizeof(cfg), NULL, 0);
	assert_int_equal(vu_reply(cfg, sizeof(cfg)), sizeof(cfg));
	assert_int_equal(migtd_wire_get_u64(cfg + 12), CID);

	for (int i = 0; i < 4; i++)
		rx_post();
	/* A session stream: relay.sock, opened with the MVSK hello. */
	tx(40001, 7001, VSOCKDEV_OP_REQUEST, 0, NULL, 0);
	relay = accept_to(relay_l);
	assert_true(relay >= 0);
	read_exact(relay, hello, 16);
	assert_int_equal(migtd_wire_get_u32(hello), 0x4b53564du);
	assert_int_equal(migtd_wire_get_u32(hello + 4), 7001);
	assert_int_equal(migtd_wire_get_u64(hello + 8), MIGTD_VSOCK_HOST_CID);
	h = rx_take(NULL);
	assert_int_equal(h.op, VSOCKDEV_OP_RESPONSE);
	assert_int_equal(h.dst_cid, CID);
	assert_int_equal(h.dst_port, 40001);
	assert_int_equal(h.src_port, 7001);
	tx(40001, 7001, VSOCKDEV_OP_RW, 0, "client hello", 12);
	read_exact(relay, buf, 12);
	assert_memory_equal(buf, "client hello", 12);
	assert_int_equal(write(relay, "server hello", 12), 12);
	h = rx_take(buf);
	assert_int_equal(h.op, VSOCKDEV_OP_RW);
	assert_int_equal(h.len, 12);
	assert_memory_equal(buf, "server hello", 12);

	/* The platform link: port 5100 -> link.sock, no hello. */
	tx(40002, MIGTD_EMU_LINK_VSOCK_PORT, VSOCKDEV_OP_REQUEST, 0, NULL, 0);
	link = accept_to(link_l);
	assert_true(link >= 0);
	h = rx_take(NULL);
	assert_int_equal(h.op, VSOCKDEV_OP_RESPONSE);
	tx(40002, MIGTD_EMU_LINK_VSOCK_PORT, VSOCKDEV_OP_RW, 0, "MLNK", 4);
	read_exact(link, buf, 4);
	assert_memory_equal(buf, "MLNK", 4);

	/* The relay ends the stream: SHUTDOWN, then the MigTD's close. */
	close(relay);
	h = rx_take(NULL);
	assert_int_equal(h.op, VSOCKDEV_OP_SHUTDOWN);
	assert_int_equal(h.flags, 3);
	rx_post();
	tx(40001, 7001, VSOCKDEV_OP_SHUTDOWN, 3, NULL, 0);
	h = rx_take(NULL);
	assert_int_equal(h.op, VSOCKDEV_OP_RST);
	assert_int_equal(h.dst_port, 40001);
	close(link);
}

/* Oversized and credit-violating packets: RST, and the device lives on. */
static void test_bad_packets_rst(void **state)
{
	static uint8_t big[70000];
	struct vsockdev_hdr h;
	int relay, st;

	(void)state;
	for (int i = 0; i < 6; i++)
		rx_post();
	/* 70000 payload bytes over two descriptors: more than one buffer. */
	h = (struct vsockdev_hdr){ .src_cid = CID,
				   .dst_cid = 2,
				   .src_port = 40001,
				   .dst_port = 7001,
				   .len = sizeof(big) - 44,
				   .type = 1,
				   .op = VSOCKDEV_OP_RW };
	vsockdev_hdr_write(big, &h);
	tx_raw(big, sizeof(big), 44);
	h = rx_take(NULL);
	assert_int_equal(h.op, VSOCKDEV_OP_RST);
	/* Credit: 64 KiB fits, one byte more does not. */
	tx(40003, 7001, VSOCKDEV_OP_REQUEST, 0, NULL, 0);
	relay = accept_to(relay_l);
	h = rx_take(NULL);
	assert_int_equal(h.op, VSOCKDEV_OP_RESPONSE);
	/* the relay does not read: the bytes stay in the device's buffer */
	/* The relay reads nothing: the backend's socket fills (about 200 KB),
	 * then the device's 64 KiB buffer; a guest that ignores the credit
	 * it was given overruns it. */
	for (int i = 0; i < 6; i++) {
		tx(40003, 7001, VSOCKDEV_OP_RW, 0, big, 60000);
		usleep(50000); /* let the backend push what the socket takes */
	}
	/* Credit updates come first while the socket takes bytes; then RST. */
	do {
		h = rx_take(NULL);
		rx_post();
	} while (h.op == VSOCKDEV_OP_CREDIT_UPDATE);
	assert_int_equal(h.op, VSOCKDEV_OP_RST);
	assert_int_equal(h.dst_port, 40003);
	/* Unknown op on a fresh connection: RST. (The RWs that followed the
	 * violation each got an RST of their own: skip those.) */
	tx(40004, 7001, VSOCKDEV_OP_REQUEST, 0, NULL, 0);
	close(accept_to(relay_l));
	do {
		h = rx_take(NULL);
		rx_post();
	} while (h.dst_port == 40003 && h.op == VSOCKDEV_OP_RST);
	assert_int_equal(h.op, VSOCKDEV_OP_RESPONSE);
	assert_int_equal(h.dst_port, 40004);
	tx(40004, 7001, 42, 0, NULL, 0);
	h = rx_take(NULL);
	/* the relay end was closed at once, so SHUTDOWN may come first */
	if (h.op == VSOCKDEV_OP_SHUTDOWN)
		h = rx_take(NULL);
	assert_int_equal(h.op, VSOCKDEV_OP_RST);
	assert_int_equal(h.dst_port, 40004);
	close(relay);
	/* still alive */
	assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
}

/* A descriptor the device must not follow: the backend stops with a
 * message (exit 1), it does not crash. */
static void expect_clean_stop(void)
{
	char log[2048] = "";
	int st = 0, fd;
	ssize_t n;

	assert_int_equal(wait_exit(&st, 3000), 0);
	assert_false(WIFSIGNALED(st));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	fd = open(path_log, O_RDONLY | O_CLOEXEC);
	n = read(fd, log, sizeof(log) - 1);
	close(fd);
	assert_true(n > 0);
	log[n] = '\0';
	assert_non_null(strstr(log, "vhost-user:"));
	pid = -1;
}

static void test_desc_outside_memory(void **state)
{
	uint16_t d = next_desc[TXQ];

	(void)state;
	*desc(TXQ, d) = (struct vring_desc_){ 0x40000000u, 64, 0, 0 };
	avail_push(TXQ, d);
	expect_clean_stop();
}

static void test_desc_past_end(void **state)
{
	uint16_t d = next_desc[TXQ];

	(void)state;
	*desc(TXQ, d) = (struct vring_desc_){ MEM_SIZE - 16, 4096, 0, 0 };
	avail_push(TXQ, d);
	expect_clean_stop();
}

static void test_desc_zero_length(void **state)
{
	uint16_t d = next_desc[TXQ];

	(void)state;
	*desc(TXQ, d) = (struct vring_desc_){ TXBUF, 0, 0, 0 };
	avail_push(TXQ, d);
	expect_clean_stop();
}

/* An indirect table whose size is no multiple of a descriptor, and one
 * that points outside guest memory. */
static void test_desc_indirect_bad(void **state)
{
	(void)state;
	*desc(TXQ, 0) = (struct vring_desc_){ TXBUF, 24, 4 /* INDIRECT */, 0 };
	avail_push(TXQ, 0);
	expect_clean_stop();
}

static void test_desc_indirect_outside(void **state)
{
	(void)state;
	*desc(TXQ, 0) = (struct vring_desc_){ 0x7fff0000u, 64, 4 /* INDIRECT */, 0 };
	avail_push(TXQ, 0);
	expect_clean_stop();
}

static void test_desc_loop(void **state)
{
	(void)state;
	*desc(TXQ, 0) = (struct vring_desc_){ TXBUF, 44, 1, 1 };
	*desc(TXQ, 1) = (struct vring_desc_){ TXBUF, 44, 1, 0 };
	avail_push(TXQ, 0);
	expect_clean_stop();
}

/* The avail index races 100 ahead in a ring of 16: the device reads the
 * stale ring entries again (a zeroed header: dropped, not answered), never
 * anything outside the ring, and goes on working. */
static void test_avail_index_jump(void **state)
{
	struct vsockdev_hdr h;
	int st;

	(void)state;
	*desc(TXQ, 0) = (struct vring_desc_){ TXBUF, 44, 0, 0 };
	memset(mem + TXBUF, 0, 44);
	avail_idx[TXQ] = 100;
	migtd_wire_put_u16(mem + AVAIL(TXQ) + 2, 100);
	assert_int_equal(eventfd_write(kick[TXQ], 1), 0);
	for (int i = 0; i < 3000 && used_idx(TXQ) != 100; i++)
		usleep(1000);
	assert_int_equal(used_idx(TXQ), 100);
	used_seen[TXQ] = 100;
	next_desc[TXQ] = 1;
	assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
	rx_post();
	tx(40001, 7001, VSOCKDEV_OP_REQUEST, 0, NULL, 0);
	close(accept_to(relay_l));
	h = rx_take(NULL);
	assert_int_equal(h.op, VSOCKDEV_OP_RESPONSE);
}

static void test_head_out_of_range(void **state)
{
	(void)state;
	migtd_wire_put_u16(mem + AVAIL(TXQ) + 4, 500); /* head index >= queue size */
	migtd_wire_put_u16(mem + AVAIL(TXQ) + 2, 1);
	assert_int_equal(eventfd_write(kick[TXQ], 1), 0);
	expect_clean_stop();
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_and_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_packets_rst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_desc_outside_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_desc_past_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_desc_zero_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_desc_indirect_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_desc_indirect_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_desc_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_avail_index_jump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_out_of_range, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
