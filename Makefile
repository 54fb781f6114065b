# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# migtd-c -- a Migration TD in C.
#
#   make demo      set up everything and run a complete pre-migration
#   make test      set up everything and run every test suite
#
# Other targets: all (host programs into build/bin/), check (host unit tests
# only, quick), sanitize, fuzz, fuzz-smoke, fuzz-long, freestanding-check, bench, clean,
# image (POLICY=... ROOT_CA=...), man, install, uninstall (PREFIX=/usr/local
# DESTDIR=), help, lint (clang-check + clang-tidy + cppcheck + format check),
# clang-check, coverage (gcov/lcov branch coverage of src/core by the unit tests).
#
# Layout of build/ (one folder per build variant, same tree below each):
#   build/host/   hosted objects and libraries (-O2, fortify, stack protector)
#   build/san/    the same under ASan+UBSan (unit tests; bin/: migtd, migtd-vmm)
#   build/fs/     freestanding core + mbedTLS (no libc, no SSE, no red zone)
#   build/fuzz/   clang + libFuzzer + ASan/UBSan
#   build/clang/  the host variant built with clang (make clang-check)
#   build/clangfs/ the freestanding C files built with clang (compile check)
#   build/cov/    the unit tests with gcov instrumentation (make coverage)
#   build/bin/    the programs: migtd, migtd-vmm, migtd-quote, migtd-policy, ...

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
.DELETE_ON_ERROR:

CC       ?= cc
FUZZ_CC  ?= clang
# The patched mbedTLS tree; its name carries the patch's hash (scripts/deps.sh).
ifndef MBEDTLS_DIR
MBEDTLS_DIR := $(shell scripts/deps.sh --mbedtls-dir)
endif
VHU_DIR ?= .deps/libvhost-user
B := build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# ---------------------------------------------------------------- sources
# The core: every .c under src/core (portable, freestanding-clean).
CORE_SRC := $(sort $(shell find src/core -name '*.c' 2>/dev/null))
# Hosted support linked into Linux programs and tests: the emulated platform
# backend, the platform link shared by both its ends, transports, the
# emulated host library (the VMM side) and the hosted file reader. See
# docs/layout.md.
HOSTLIB_SRC := $(sort $(shell find src/platform/emu src/emulink src/transport src/emuhost src/hostio \
	-name '*.c' 2>/dev/null))
# The in-process world of emulated platforms: a library for the unit tests and
# the benchmarks (never linked into a program).
EMUWORLD_SRC := $(sort $(wildcard src/emuworld/*.c))
# The real TDX backend: compiled freestanding and unit-tested with a fake
# TDCALL entry (it cannot run here).
TDX_SRC := $(sort $(shell find src/platform/tdx -name '*.c' 2>/dev/null))
TDX_ASM := $(sort $(wildcard src/platform/tdx/*.S))
# The tdx backend's unit test links its C files (with a fake TDCALL entry).
TDX_TEST_SRC_test_platform_tdx := $(TDX_SRC)
# Programs: src/linux -> migtd, tools/<name>/ -> <name>.
# tools/common/ is no program: its helpers are linked into every tool.
TOOL_COMMON_SRC := $(sort $(wildcard tools/common/*.c))
# migtd-vsock-backend links libvhost-user (GPL-2.0-or-later) and has its own
# rule below (docs/vhost-user.md): it is no TOOL.
TOOLS := $(filter-out common migtd-vsock-backend,$(sort $(notdir $(patsubst %/,%,$(dir $(wildcard tools/*/*.c))))))
PROGRAMS := $(if $(wildcard src/linux/*.c),migtd) $(TOOLS) migtd-vsock-backend
# Unit tests: tests/unit/test_<name>.c, plus cmocka-side helpers in tests/unit/support/.
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUPPORT_SRC := $(sort $(wildcard tests/unit/support/*.c))
UNIT_NAMES := $(basename $(notdir $(UNIT_SRC)))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(basename $(notdir $(FUZZ_SRC)))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
# Helpers linked into every benchmark (not named bench_*.c: no program).
BENCH_COMMON_SRC := $(filter-out $(BENCH_SRC),$(sort $(wildcard bench/*.c)))
BENCH_NAMES := $(basename $(notdir $(BENCH_SRC)))

MBEDTLS_SRC := $(sort $(wildcard $(MBEDTLS_DIR)/library/*.c))
MBEDTLS_NAMES := $(basename $(notdir $(MBEDTLS_SRC)))

# ---------------------------------------------------------------- flags
# The version every program prints for --version: one place, the VERSION file
# (read by the CLI module only, so a new version rebuilds one object).
MIGTD_VERSION := $(shell cat VERSION 2>/dev/null || echo unknown)
CPPFLAGS_tools/common/cli := -DMIGTD_VERSION='"$(MIGTD_VERSION)"'
MBEDTLS_CPPFLAGS := -isystem $(MBEDTLS_DIR)/include -Iconfig \
	-DMBEDTLS_CONFIG_FILE='"migtd_mbedtls_config.h"'
CPPFLAGS_COMMON := -Iinclude $(MBEDTLS_CPPFLAGS)

# Private include paths, by folder (docs/layout.md): each folder sees the
# public include/ plus only the headers of the folders it may use, so a
# forbidden include fails to compile. src/core gets none: the core cannot
# include a backend, emulator or program header. INC_<folder> applies to every
# source below <folder>; src_inc collects them for one source path.
INC_src/platform/emu/ := -Isrc/emulink
INC_src/emuhost/ := -Isrc/emulink -Isrc/transport/uvsock -Isrc/hostio
INC_src/emuworld/ := -Isrc/emuhost -Isrc/emulink -Isrc/hostio
INC_src/linux/ := -Isrc/platform/emu -Isrc/emulink -Isrc/transport/uvsock -Isrc/hostio \
	-Itools/common
INC_src/firmware/ := -Isrc/firmware -Isrc/platform/tdx -Isrc/platform/emu -Isrc/emulink \
	-Isrc/transport/uvsock
INC_tools/ := -Isrc/hostio
INC_tools/migtd-vmm/ := -Isrc/emuhost -Isrc/emulink -Isrc/transport/uvsock
# The vsock device backend: the device model (src/emuhost/vsockdev.h) and the
# MVSK hello it opens relay streams with (docs/vhost-user.md).
INC_tools/migtd-vsock-backend/ := -Isrc/emuhost -Isrc/emulink -Isrc/transport/uvsock -Itools/common
# Tests check private parts: every private include path.
INC_tests/ := -Isrc/core/quote -Isrc/core/policy -Isrc/platform/tdx -Isrc/platform/emu -Isrc/emulink \
	-Isrc/transport/uvsock -Isrc/emuhost -Isrc/emuworld -Isrc/firmware -Itools/common -Isrc/hostio
# The fuzz targets' own helpers (tests/fuzz/support/).
INC_tests/fuzz/ := -Itests/fuzz/support
INC_bench/ := -Isrc/emuworld -Isrc/emuhost -Isrc/emulink -Isrc/hostio
# The shim ROM reuses the firmware's drivers and the emulated platform's
# link client (docs/td-under-shim.md).
INC_src/tdshim/ := -Isrc/tdshim -Isrc/firmware -Isrc/firmware/migtd -Isrc/platform/tdx \
	-Isrc/platform/emu -Isrc/emulink
INC_FOLDERS := src/tdshim/ src/platform/emu/ src/emuhost/ src/emuworld/ src/linux/ src/firmware/ \
	tools/ tools/migtd-vmm/ tools/migtd-vsock-backend/ tests/ tests/fuzz/ bench/
src_inc = $(foreach d,$(INC_FOLDERS),$(if $(filter $(d)%,$(1)),$(INC_$(d))))

# -Wconversion (with its sign-conversion part) is on: integer narrowing is
# where length checks of untrusted input go wrong.
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wconversion -Wsign-conversion \
	-Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2 \
	-Wundef -Wcast-qual -Wnull-dereference -Wimplicit-fallthrough

HOST_CFLAGS := $(WARN) -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE \
	-D_DEFAULT_SOURCE
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_CFLAGS := $(WARN) -O1 -g $(SAN_FLAGS) -D_DEFAULT_SOURCE
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wno-unknown-warning-option $(FUZZ_FLAGS) \
	-D_DEFAULT_SOURCE

# The freestanding build: no libc headers but our own few declarations
# (src/firmware/libc/include) and the compiler's own (stdint.h, stddef.h, ...).
# jsmn is header-only and libc-free: the freestanding build sees the system's
# copy (Debian libjsmn-dev) through a folder that holds only that header.
FS_LIBC_INC := src/firmware/libc/include
FS_SYSINC := $(B)/fs/sysinc
$(shell mkdir -p $(FS_SYSINC) && ln -sfn /usr/include/jsmn.h $(FS_SYSINC)/jsmn.h)
FS_FLAGS := -ffreestanding -nostdlib -nostdinc -isystem $(FS_LIBC_INC) -isystem $(FS_SYSINC) \
	-isystem $(shell $(CC) -print-file-name=include) \
	-mno-red-zone -mgeneral-regs-only -fno-pie -fno-stack-protector -fno-builtin \
	-DMIGTD_MBEDTLS_FREESTANDING
FS_CFLAGS := $(WARN) -O2 $(FS_FLAGS)
# TDX_INTERRUPTS=1: the TD's Service/GetQuote completions by interrupt
# (upstream's vmcall-interrupt option); default polling, as upstream's
# default build (docs/td-path.md). `make clean` when switching.
ifeq ($(TDX_INTERRUPTS),1)
FS_CFLAGS += -DFW_TDX_INTERRUPTS=1
endif

# mbedTLS is third-party code: its own warning level, never -Werror.
MBEDTLS_WARN := -std=c11 -w
# mbedTLS's optimisation flags, the one place for them (the programs' and the
# firmware's copy; the sanitizer and fuzz builds keep their own). -O3 measured
# best: -3.7% instructions and about -5% CPU time per pre-migration against
# -O2 (make bench-ratio; the figures are in docs/performance.md).
# MBEDTLS_ECP_WINDOW_SIZE 6 instead of 4 (config/migtd_mbedtls_config.h)
# changed nothing measurable and was left at 4.
MBEDTLS_OPT := -O3
HOST_MBEDTLS_CFLAGS := $(MBEDTLS_WARN) $(MBEDTLS_OPT) -g -fPIE -fstack-protector-strong \
	-D_DEFAULT_SOURCE
SAN_MBEDTLS_CFLAGS := $(MBEDTLS_WARN) -O1 -g $(SAN_FLAGS) -D_DEFAULT_SOURCE
FS_MBEDTLS_CFLAGS := $(MBEDTLS_WARN) $(MBEDTLS_OPT) $(FS_FLAGS)
# The fuzz targets' own mbedTLS carries libFuzzer's coverage instrumentation
# (fuzzer-no-link): without it the fuzzer is blind inside X.509, ASN.1, ECDSA
# and the TLS record layer (with our patch to it, fuzz_tls_reassembly), the
# very code the certificate, quote and session targets hand hostile bytes to.
# FUZZ_MBEDTLS_COVERAGE=0 builds it without (only to measure what the
# instrumentation buys, docs/fuzzing.md).
FUZZ_MBEDTLS_COVERAGE ?= 1
FUZZ_MBEDTLS_CFLAGS := $(MBEDTLS_WARN) -O1 -g -fsanitize=address,undefined -D_DEFAULT_SOURCE \
	$(if $(filter 1,$(FUZZ_MBEDTLS_COVERAGE)),-fsanitize=fuzzer-no-link)
# ... except the constant-time arithmetic, hashes and ciphers: their branches
# follow the numbers, not the input's structure, so their coverage only adds
# noise, and tracing their comparisons made a whole-session input (a dozen
# ECDSA verifications) several times slower. Still under ASan and UBSan.
FUZZ_MBEDTLS_NOCOV := bignum bignum_core bignum_mod bignum_mod_raw ecp ecp_curves ecp_curves_new \
	sha1 sha256 sha512 sha3 md5 aes aesni gcm ccm chacha20 chachapoly poly1305 constant_time
$(foreach m,$(FUZZ_MBEDTLS_NOCOV),$(eval MBEDTLS_CFLAGS_fuzz_$(m) := -fno-sanitize=fuzzer-no-link -O2))

LDLIBS_HOST := -lcmocka

# ---------------------------------------------------------------- helpers
objs = $(patsubst %.c,$(B)/$(1)/obj/%.o,$(2))
mbedtls_objs = $(patsubst %,$(B)/$(1)/mbedtls/%.o,$(MBEDTLS_NAMES))
# $(call write_if_changed,FILE,TEXT), at parse time: FILE holds TEXT, and is
# rewritten only when it held something else -- a prerequisite that is newer
# exactly when TEXT (flags, settings) changed since the last build.
write_if_changed = $(shell mkdir -p $(dir $(1)) && { [ "$$(cat $(1) 2>/dev/null)" = '$(2)' ] || \
	printf '%s\n' '$(2)' > $(1); })

.PHONY: all check test demo sanitize fuzz fuzz-smoke fuzz-long freestanding-check bench bench-ratio bench-soak clean deps \
	unit-bins san-bins fuzz-bins bench-bins image images san-programs help

all: $(addprefix $(B)/bin/,$(PROGRAMS))

deps:
	@scripts/deps.sh

# A fresh clone has no mbedTLS tree, and the source lists above (MBEDTLS_SRC)
# are read when make parses this file. So the dependencies are fetched while
# make reads its makefiles: this stamp is an included makefile, make remakes
# it first (running deps.sh) and then starts over, now seeing the sources.
# Every goal therefore works on the first run, not only `test`.
DEPS_STAMP := $(B)/deps.stamp.mk
ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include $(DEPS_STAMP)
endif
$(DEPS_STAMP): scripts/deps.sh $(if $(wildcard $(MBEDTLS_DIR)/library/ssl_tls.c),,deps-missing) \
	$(if $(wildcard $(VHU_DIR)/.migtd-verified),,deps-missing)
	@scripts/deps.sh
	@mkdir -p $(@D) && echo '# written after scripts/deps.sh succeeded' > $@
.PHONY: deps-missing

$(MBEDTLS_DIR)/include/mbedtls/ssl.h: $(DEPS_STAMP)

# ---------------------------------------------------------------- per-variant rules
# $(1) = variant, $(2) = compiler, $(3) = our CFLAGS, $(4) = mbedTLS CFLAGS
define VARIANT
$(B)/$(1)/obj/%.o: %.c $(MBEDTLS_DIR)/include/mbedtls/ssl.h
	@mkdir -p $$(@D)
	$$(if $$(SHOW_CC),@echo "  CC [$(1)] $$<")
	$$(Q)$(2) $(CPPFLAGS_COMMON) $$(call src_inc,$$<) $(3) $$(CPPFLAGS_$$*) -MMD -MP -c $$< -o $$@

$(B)/$(1)/obj/%.o: %.S
	@mkdir -p $$(@D)
	$$(Q)$(2) -c $$< -o $$@

$(B)/$(1)/mbedtls/%.o: $(MBEDTLS_DIR)/library/%.c config/migtd_mbedtls_config.h
	@mkdir -p $$(@D)
	$$(if $$(SHOW_CC),@echo "  CC [$(1)] mbedtls/$$*.c")
	$$(Q)$(2) $(MBEDTLS_CPPFLAGS) $(4) $$(MBEDTLS_CFLAGS_$(1)_$$*) -c $$< -o $$@

$(B)/$(1)/libmbedtls.a: $$(call mbedtls_objs,$(1))
	@rm -f $$@
	$$(Q)ar rcs $$@ $$^

$(B)/$(1)/libmigtd_core.a: $$(call objs,$(1),$(CORE_SRC))
	@rm -f $$@
	$$(Q)ar rcs $$@ $$^

$(B)/$(1)/libmigtd_hostlib.a: $$(call objs,$(1),$(HOSTLIB_SRC))
	@rm -f $$@
	@mkdir -p $$(@D)
	$$(Q)ar rcs $$@ $$^

$(B)/$(1)/libmigtd_emuworld.a: $$(call objs,$(1),$(EMUWORLD_SRC))
	@rm -f $$@
	@mkdir -p $$(@D)
	$$(Q)ar rcs $$@ $$^
endef

Q ?= @
$(eval $(call VARIANT,host,$(CC),$(HOST_CFLAGS),$(HOST_MBEDTLS_CFLAGS)))
$(eval $(call VARIANT,san,$(CC),$(SAN_CFLAGS),$(SAN_MBEDTLS_CFLAGS)))
$(eval $(call VARIANT,fs,$(CC),$(FS_CFLAGS),$(FS_MBEDTLS_CFLAGS)))
$(eval $(call VARIANT,fuzz,$(FUZZ_CC),$(FUZZ_CFLAGS),$(FUZZ_MBEDTLS_CFLAGS)))
# The fuzz build's mbedTLS is rebuilt when its flags change (coverage on or
# off): the flags are kept in a file rewritten only when they differ.
FUZZ_MBEDTLS_FLAGFILE := $(B)/fuzz/mbedtls.flags
FUZZ_MBEDTLS_FLAGS_ALL := $(FUZZ_MBEDTLS_CFLAGS) nocov: $(FUZZ_MBEDTLS_NOCOV)
$(call write_if_changed,$(FUZZ_MBEDTLS_FLAGFILE),$(FUZZ_MBEDTLS_FLAGS_ALL))
$(call mbedtls_objs,fuzz): $(FUZZ_MBEDTLS_FLAGFILE)
# The second compiler: clang with the very same flags (build/clang/), so a
# construct only one compiler accepts fails here (`make clang-check`).
CLANG ?= clang
$(eval $(call VARIANT,clang,$(CLANG),$(HOST_CFLAGS),$(HOST_MBEDTLS_CFLAGS)))

# Libraries a hosted binary links, in link order.
host_libs = $(B)/$(1)/libmigtd_hostlib.a $(B)/$(1)/libmigtd_core.a $(B)/$(1)/libmbedtls.a

# ---------------------------------------------------------------- programs
$(B)/host/obj/tools/common/cli.o $(B)/san/obj/tools/common/cli.o: VERSION

# migtd shares the tools' command-line conventions (tools/common).
$(B)/bin/migtd: $(call objs,host,$(wildcard src/linux/*.c) $(TOOL_COMMON_SRC)) $(call host_libs,host)
	@mkdir -p $(@D)
	$(Q)$(CC) -pie $(HOST_CFLAGS) -o $@ -Wl,--start-group $^ -Wl,--end-group

define TOOL
$(B)/bin/$(1): $$(call objs,host,$$(wildcard tools/$(1)/*.c) $$(TOOL_COMMON_SRC)) $$(call host_libs,host)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) -pie $$(HOST_CFLAGS) -o $$@ -Wl,--start-group $$^ -Wl,--end-group
endef
$(foreach t,$(TOOLS),$(eval $(call TOOL,$(t))))

# ---- the vhost-user-vsock backend (docs/vhost-user.md): QEMU's libvhost-user
# as a static library with its own warning level (third-party code, never
# -Werror), linked into this one program only -- the library is
# GPL-2.0-or-later, so no other binary of ours may link it.
VHU_SRC := $(VHU_DIR)/subprojects/libvhost-user
# One library and one program per variant: host (build/bin/) and, under
# ASan+UBSan, san (build/san/bin/): the sanitized unit test drives the latter,
# so the malicious-guest cases run with every copy checked (libvhost-user
# included). Our own code sees the library's header as a system header (its
# style is not ours to warn about).
$(VHU_SRC)/libvhost-user.c $(VHU_SRC)/libvhost-user.h: $(DEPS_STAMP)
# $(1) = variant, $(2) = the library's CFLAGS, $(3) = our CFLAGS (compile and
# link), $(4) = the program's path
define VHU_VARIANT
$(B)/$(1)/vhu/libvhost-user.a: $(VHU_SRC)/libvhost-user.c $(VHU_SRC)/libvhost-user.h
	@mkdir -p $$(@D)
	$$(Q)$(CC) $(2) -I$(VHU_SRC) -c $$< -o $$(@D)/libvhost-user.o
	@rm -f $$@
	$$(Q)ar rcs $$@ $$(@D)/libvhost-user.o
$(B)/$(1)/obj/tools/migtd-vsock-backend/%.o: tools/migtd-vsock-backend/%.c $(VHU_SRC)/libvhost-user.h \
	$(MBEDTLS_DIR)/include/mbedtls/ssl.h
	@mkdir -p $$(@D)
	$$(Q)$(CC) $(CPPFLAGS_COMMON) $$(call src_inc,$$<) -isystem $(VHU_SRC) $(3) -MMD -MP -c $$< -o $$@
$(4): $$(call objs,$(1),$$(wildcard tools/migtd-vsock-backend/*.c) tools/common/cli.c) \
	$(B)/$(1)/vhu/libvhost-user.a $$(call host_libs,$(1))
	@mkdir -p $$(@D)
	$$(Q)$(CC) $(3) -pthread -o $$@ -Wl,--start-group $$^ -Wl,--end-group
endef
VHU_CFLAGS := -std=gnu99 -w -O2 -g -fPIE -fstack-protector-strong -D_GNU_SOURCE -pthread
VHU_SAN_CFLAGS := -std=gnu99 -w -O1 -g $(SAN_FLAGS) -D_GNU_SOURCE -pthread
$(eval $(call VHU_VARIANT,host,$(VHU_CFLAGS),$(HOST_CFLAGS) -pie,$(B)/bin/migtd-vsock-backend))
$(eval $(call VHU_VARIANT,san,$(VHU_SAN_CFLAGS),$(SAN_CFLAGS),$(B)/san/bin/migtd-vsock-backend))

# The backend's unit test drives the real program as its vhost-user front end
# (the one built with the same flags: build/bin/ or build/san/bin/).
$(B)/host/tests/test_vsock_backend: | $(B)/bin/migtd-vsock-backend
$(B)/san/tests/test_vsock_backend: | $(B)/san/bin/migtd-vsock-backend

# ---- sanitized programs: migtd and every tool under ASan+UBSan in
# build/san/bin/ (migtd-vmm launches the migtd next to it), so run-tests.sh
# can run the e2e scripts marked "# e2e-asan" again with
# MIGTD_BIN=build/san/bin (suite e2e-asan): the pre-migration scripts and
# the CLI tests (tests/e2e/cli.sh, every tool on bad input).
# The vsock backend has its own sanitized rule above (libvhost-user).
SAN_PROGRAMS := $(B)/san/bin/migtd $(addprefix $(B)/san/bin/,$(TOOLS)) $(B)/san/bin/migtd-vsock-backend
$(B)/san/bin/migtd: $(call objs,san,$(wildcard src/linux/*.c) $(TOOL_COMMON_SRC)) $(call host_libs,san)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ -Wl,--start-group $^ -Wl,--end-group
define SAN_TOOL
$(B)/san/bin/$(1): $$(call objs,san,$$(wildcard tools/$(1)/*.c) $$(TOOL_COMMON_SRC)) $$(call host_libs,san)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(SAN_CFLAGS) -o $$@ -Wl,--start-group $$^ -Wl,--end-group
endef
$(foreach t,$(TOOLS),$(eval $(call SAN_TOOL,$(t))))
san-programs: $(SAN_PROGRAMS)

# ---------------------------------------------------------------- unit tests
define UNIT
$(B)/$(1)/tests/$(2): $$(call objs,$(1),tests/unit/$(2).c $$(UNIT_SUPPORT_SRC) $$(TDX_TEST_SRC_$(2))) \
		$(B)/$(1)/libmigtd_emuworld.a $$(call host_libs,$(1))
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $(3) -o $$@ -Wl,--start-group $$^ -Wl,--end-group $$(LDLIBS_HOST)
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call UNIT,host,$(t),$(HOST_CFLAGS) -pie)))
$(foreach t,$(UNIT_NAMES),$(eval $(call UNIT,san,$(t),$(SAN_CFLAGS))))

# clang links its own unit tests (UNIT above links with $(CC)).
define CLANG_UNIT
$(B)/clang/tests/$(1): $$(call objs,clang,tests/unit/$(1).c $$(UNIT_SUPPORT_SRC) $$(TDX_TEST_SRC_$(1))) \
		$(B)/clang/libmigtd_emuworld.a $$(call host_libs,clang)
	@mkdir -p $$(@D)
	$$(Q)$$(CLANG) $(HOST_CFLAGS) -pie -o $$@ -Wl,--start-group $$^ -Wl,--end-group $$(LDLIBS_HOST)
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call CLANG_UNIT,$(t))))

unit-bins: $(addprefix $(B)/host/tests/,$(UNIT_NAMES)) $(B)/host/tests/link_proxy
san-bins: $(addprefix $(B)/san/tests/,$(UNIT_NAMES))

# Programs the e2e scripts drive (tests/tools/): the hostile-VMM link proxy
# of tests/e2e/hostile_vmm.sh. Not named test_*: run-tests.sh does not run them.
$(B)/host/tests/link_proxy: $(call objs,host,tests/tools/link_proxy.c) $(call host_libs,host)
	@mkdir -p $(@D)
	$(Q)$(CC) -pie $(HOST_CFLAGS) -o $@ -Wl,--start-group $^ -Wl,--end-group

# Quick developer loop: host unit tests only.
check: all unit-bins
	@scripts/run-tests.sh --suite unit $(B)/host/tests

sanitize: san-bins
	@scripts/run-tests.sh --suite sanitize $(B)/san/tests

# ---------------------------------------------------------------- fuzzing
define FUZZ
$(B)/fuzz/bin/$(1): $$(call objs,fuzz,tests/fuzz/$(1).c) $$(call host_libs,fuzz)
	@mkdir -p $$(@D)
	$$(Q)$$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $$@ -Wl,--start-group $$^ -Wl,--end-group
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call FUZZ,$(f))))

# Targets that drive whole cores or RA-TLS nodes on the emulated platform
# link the in-process world (src/emuworld), as the unit tests do.
FUZZ_EMUWORLD := fuzz_session fuzz_policy_peer
# Their randomness is deterministic (tests/fuzz/support/det_random.h): its
# hook comes before the libraries, so src/emulink/psa_random.c is not linked.
$(addprefix $(B)/fuzz/bin/,$(filter $(FUZZ_EMUWORLD),$(FUZZ_NAMES))): \
	$(call objs,fuzz,tests/fuzz/support/det_random.c) $(B)/fuzz/libmigtd_emuworld.a

fuzz fuzz-bins: $(addprefix $(B)/fuzz/bin/,$(FUZZ_NAMES))

FUZZ_SECONDS ?= 10
fuzz-smoke: fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-tests.sh --suite fuzz-smoke $(B)/fuzz/bin

# The long run, outside CI (docs/fuzzing.md): every target FUZZ_TIME seconds,
# two at a time, the corpus kept in $(B)/fuzz-long/ between runs.
# FUZZ_TARGETS="fuzz_a fuzz_b" runs only those, in that order.
FUZZ_TIME ?= 600
fuzz-long: fuzz-bins
	@FUZZ_TIME=$(FUZZ_TIME) scripts/fuzz-long.sh $(FUZZ_TARGETS)

# ---------------------------------------------------------------- freestanding
# Link the whole core, the real TDX backend and the freestanding mbedTLS into
# one relocatable object -- what the firmware image links -- and require that
# nothing is left undefined beyond the allow-list.
FS_OBJ := $(B)/fs/migtd-core-fs.o
$(FS_OBJ): $(call objs,fs,$(CORE_SRC) $(TDX_SRC)) $(patsubst %.S,$(B)/fs/obj/%.o,$(TDX_ASM)) \
	$(call mbedtls_objs,fs)
	$(Q)ld -r -o $@ $^

freestanding-check: $(FS_OBJ)
	@scripts/freestanding-check.sh $(FS_OBJ) config/freestanding-allow.txt

# ---------------------------------------------------------------- benchmarks
define BENCH
$(B)/host/bench/$(1): $$(call objs,host,bench/$(1).c $$(BENCH_COMMON_SRC)) $(B)/host/libmigtd_emuworld.a \
		$$(call host_libs,host)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) -pie $$(HOST_CFLAGS) -o $$@ -Wl,--start-group $$^ -Wl,--end-group $$(LDLIBS_BENCH)
endef
# The reference handshake (bench/tlsref.c) runs on Debian's libssl.
LDLIBS_BENCH := -lssl -lcrypto
$(foreach b,$(BENCH_NAMES),$(eval $(call BENCH,$(b))))

bench-bins: $(addprefix $(B)/host/bench/,$(BENCH_NAMES))
bench: deps all bench-bins
	@scripts/bench.sh

# Only the fair ratio (CPU and callgrind) and the first pre-migration after boot.
bench-ratio: deps bench-bins
	@scripts/bench.sh --ratio

# 1,000 consecutive pre-migrations (about a minute or two): heap and RSS flat.
bench-soak: deps all bench-bins
	@scripts/bench.sh --soak

# ---------------------------------------------------------------- the two commands
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all unit-bins san-bins san-programs fuzz-bins $(FS_OBJ)
	@scripts/run-tests.sh --all

# One pre-migration between two emulated platforms, each with its migtd.
demo:
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@$(B)/bin/migtd-vmm demo

clean:
	rm -rf $(B)

help:
	@echo "make demo        set up everything and run one pre-migration (emulated platforms)"
	@echo "make test        set up everything and run every test suite"
	@echo "make all         the programs into $(B)/bin/ (migtd, migtd-vmm, migtd-image, ...)"
	@echo "make check       host unit tests only (quick)"
	@echo "make image       the firmware image $(B)/migtd.bin with a policy and root CA enrolled:"
	@echo "                   POLICY=FILE   migration policy v1 (default $(POLICY))"
	@echo "                   POLICY_V2=1 POLICY_ISSUER_CHAIN=PEM  a policy v2 image: POLICY is"
	@echo "                                 the signed policy, the chain replaces ROOT_CA"
	@echo "                   ROOT_CA=FILE  attestation root CA, DER or PEM (enrolled as DER;"
	@echo "                                 default $(ROOT_CA))"
	@echo "                 changing either value re-enrols; both are checked before writing"
	@echo "                   TRANSPORT=virtio-vsock (default) | virtio-serial (-> $(B)/migtd-serial.bin)"
	@echo "                                 | virtio-serial-ports (test transport)"
	@echo "                   PROFILE=vmcall-raw  the GHCI 1.5 MigTD-call image (-> $(B)/migtd-vmcall-raw.bin,"
	@echo "                                 docs/vmcall-raw.md); default PROFILE=service"
	@echo "make images      the image of every transport (docs/firmware-transports.md)"
	@echo "make tdshim      the shim ROM build/tdshim.bin that boots the image as a TD under QEMU TCG"
	@echo "                 (docs/td-under-shim.md; migtd-vmm demo --td)"
	@echo "make qemu-test   the image under QEMU: boot, virtio, pre-migrations over each transport, as a TD"
	@echo "make lint        clang build + clang-tidy + cppcheck + format check (scripts/format.sh --fix)"
	@echo "make clang-check everything built and unit-tested with clang"
	@echo "make coverage    branch coverage of src/core by the unit tests (gcov/lcov)"
	@echo "make man         man pages in $(B)/man/, generated from each program's --help"
	@echo "make install     programs, image, config, man pages, systemd unit; PREFIX=$(PREFIX)"
	@echo "                 DESTDIR= (staging root); make uninstall removes them again"
	@echo "make sanitize | fuzz | fuzz-smoke | fuzz-long (FUZZ_TIME=600) | freestanding-check | bench | bench-ratio | clean"
	@echo "version $(MIGTD_VERSION) (VERSION file); exit codes of the tools: docs/cli.md"

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- firmware image
# `make image` -> build/migtd.bin (and build/migtd-unenrolled.bin, the same
# with an empty CFV): the freestanding firmware (src/firmware,
# its reset vector and libc subset) linked with the core, the TDX entry and
# mbedTLS (all built with FS_FLAGS), then assembled by migtd-mkimage, which
# adds the CFV, the TDVF metadata and the OVMF table from
# config/image_layout.h (the one layout description).
#
# The MigTD<->MigTD stream transport is chosen at build time, like upstream's
# cargo features (docs/protocol.md §0.2; docs/firmware-transports.md): one
# src/firmware/migtd/tr_*.c per image.
#   TRANSPORT=virtio-vsock (default)   build/migtd.bin
#   TRANSPORT=virtio-serial            build/migtd-serial.bin (upstream's serial build)
#   TRANSPORT=vmcall-raw (= PROFILE=vmcall-raw) build/migtd-vmcall-raw.bin
#   TRANSPORT=virtio-serial-ports      build/migtd-serial-ports.bin (test transport:
#                                      one named port per session, for migtd-vmm demo --vm)
TRANSPORT ?= virtio-vsock
# The short name `vsock` selects the same build.
override TRANSPORT := $(patsubst vsock,virtio-vsock,$(TRANSPORT))
FW_TRANSPORTS := virtio-vsock virtio-serial virtio-serial-ports vmcall-raw
# PROFILE=vmcall-raw (docs/vmcall-raw.md) is the image whose control interface
# and stream are both TDG.VP.VMCALL<MigTD>: build/migtd-vmcall-raw.bin.
# (Only a PROFILE given on the command line is checked: an environment's
# unrelated PROFILE variable must not break the build.)
PROFILE ?= service
ifeq ($(PROFILE),vmcall-raw)
override TRANSPORT := vmcall-raw
else ifeq ($(origin PROFILE),command line)
ifneq ($(PROFILE),service)
$(error PROFILE=$(PROFILE): service or vmcall-raw)
endif
endif
fw_tr_src = src/firmware/migtd/tr_$(subst -,_,$(patsubst virtio-%,%,$1)).c
fw_tr_sfx = $(if $(filter virtio-vsock,$1),,-$(patsubst virtio-%,%,$1))
FW_TR_ALL := $(foreach t,$(FW_TRANSPORTS),$(call fw_tr_src,$t))
FW_C_SRC := $(filter-out $(FW_TR_ALL),$(sort $(shell find src/firmware -name '*.c' 2>/dev/null)))
FW_ASM_SRC := $(sort $(shell find src/firmware -name '*.S' ! -name '*.ld.S' 2>/dev/null))
# The plain-VM MigTD links the emulated platform backend (freestanding-clean,
# the same code as the Linux program) over the transport's platform link.
FW_EMU_SRC := src/platform/emu/emu_platform.c src/emulink/link.c
# A TD runs the same core on the real TDX backend (its RNG hook stays the
# firmware's own, cpu/random.c: psa_random.c is not linked).
FW_TDX_SRC := src/platform/tdx/tdx_leaves.c src/platform/tdx/tdx_platform.c
FW_OBJS := $(call objs,fs,$(FW_C_SRC) $(FW_EMU_SRC) $(FW_TDX_SRC)) $(patsubst %.S,$(B)/fs/obj/%.o,$(FW_ASM_SRC)) \
	$(B)/fs/obj/src/platform/tdx/tdcall.o
FW_ELF := $(B)/fs/migtd-fw.elf

$(B)/fs/obj/src/firmware/%.o: src/firmware/%.S config/image_layout.h
	@mkdir -p $(@D)
	$(Q)$(CC) -Iconfig -c $< -o $@

$(B)/fs/firmware.ld: src/firmware/firmware.ld.S config/image_layout.h
	@mkdir -p $(@D)
	$(Q)$(CC) -E -P -x c -Iconfig $< -o $@

# Like upstream's `cargo image`: the image with the migration policy and the
# attestation root CA enrolled in its CFV. Override POLICY / ROOT_CA:
#   make image POLICY=my-policy.json ROOT_CA=my-root.cer
# The values themselves are a prerequisite: build/image-config.stamp is
# rewritten (at parse time) only when they differ from the last build's, so
# naming other files re-enrols even when they are older than the image.
# Policy v2 (upstream's policy_v2 feature, docs/protocol.md §7.7.1):
#   make image POLICY_V2=1 POLICY=signed.json POLICY_ISSUER_CHAIN=chain.pem
# enrols the signed policy and its issuer chain instead of a root CA; the
# firmware runs as a policy v2 MigTD when its CFV holds the chain.
POLICY ?= config/policy.json
ROOT_CA ?= config/Intel_SGX_Provisioning_Certification_RootCA.cer
POLICY_V2 ?=
POLICY_ISSUER_CHAIN ?=
ifneq ($(POLICY_V2),)
ifeq ($(POLICY_ISSUER_CHAIN),)
$(error POLICY_V2=1 needs POLICY=signed-policy.json and POLICY_ISSUER_CHAIN=chain.pem)
endif
IMAGE_TRUST := $(POLICY_ISSUER_CHAIN)
IMAGE_TRUST_OPT := --policy-issuer-chain
else
IMAGE_TRUST := $(ROOT_CA)
IMAGE_TRUST_OPT := --root-ca
endif
IMAGE_CONFIG := POLICY=$(POLICY) ROOT_CA=$(ROOT_CA) POLICY_V2=$(POLICY_V2) POLICY_ISSUER_CHAIN=$(POLICY_ISSUER_CHAIN)
IMAGE_STAMP := $(B)/image-config.stamp
ifeq ($(filter clean,$(MAKECMDGOALS)),)
$(call write_if_changed,$(IMAGE_STAMP),$(IMAGE_CONFIG))
endif

# One ELF, payload blob and image pair per transport ($1 = transport).
define FW_IMAGE_RULES
$(B)/fs/migtd-fw$(call fw_tr_sfx,$1).elf: $(FW_OBJS) $(call objs,fs,$(call fw_tr_src,$1)) \
		$(B)/fs/libmigtd_core.a $(B)/fs/libmbedtls.a $(B)/fs/firmware.ld
	$$(Q)ld -nostdlib -static --no-dynamic-linker -z noexecstack --no-warn-rwx-segments -z max-page-size=4096 \
		--wrap=mbedtls_calloc --wrap=mbedtls_free \
		-T $(B)/fs/firmware.ld -Map $$(@:.elf=.map) -o $$@ $(FW_OBJS) $(call objs,fs,$(call fw_tr_src,$1)) \
		--start-group $(B)/fs/libmigtd_core.a $(B)/fs/libmbedtls.a --end-group

$(B)/fs/migtd-fw$(call fw_tr_sfx,$1).bin: $(B)/fs/migtd-fw$(call fw_tr_sfx,$1).elf
	$$(Q)objcopy -O binary $$< $$@

$(B)/migtd$(call fw_tr_sfx,$1)-unenrolled.bin: $(B)/fs/migtd-fw$(call fw_tr_sfx,$1).bin $(B)/bin/migtd-mkimage
	$$(Q)$(B)/bin/migtd-mkimage --payload $$< -o $$@
	@size $(B)/fs/migtd-fw$(call fw_tr_sfx,$1).elf | sed 's/^/size ($1): /'

$(B)/migtd$(call fw_tr_sfx,$1).bin: $(B)/migtd$(call fw_tr_sfx,$1)-unenrolled.bin $(B)/bin/migtd-image \
		$$(POLICY) $$(IMAGE_TRUST) $(IMAGE_STAMP)
	@echo "image: [3/3] enrolling $$(POLICY) and $$(IMAGE_TRUST) (checked first)"
	$$(Q)$(B)/bin/migtd-image enroll --image $$< --policy $$(POLICY) $$(IMAGE_TRUST_OPT) $$(IMAGE_TRUST) -o $$@ >/dev/null
	@echo "image: $$@ ($1; policy $$(POLICY), $$(patsubst --%,%,$$(IMAGE_TRUST_OPT)) $$(IMAGE_TRUST))"
endef
$(foreach t,$(FW_TRANSPORTS),$(eval $(call FW_IMAGE_RULES,$t)))

ifeq ($(filter $(TRANSPORT),$(FW_TRANSPORTS)),)
$(error TRANSPORT=$(TRANSPORT): one of $(FW_TRANSPORTS))
endif
FW_IMG_SFX := $(call fw_tr_sfx,$(TRANSPORT))
# Progress while it builds: each step, and each compiled file of the image.
# The two tools are prerequisites so that the sub-makes below never link one
# while a parallel goal (`make -j all image`, `make -j install`) links it too
# ("Text file busy").
image: $(B)/bin/migtd-mkimage $(B)/bin/migtd-image
	@echo "image: [1/3] firmware ($(TRANSPORT)), freestanding core and mbedTLS ($(B)/fs/)"
	@$(MAKE) --no-print-directory SHOW_CC=1 $(B)/fs/migtd-fw$(FW_IMG_SFX).elf
	@echo "image: [2/3] assembling $(B)/migtd$(FW_IMG_SFX)-unenrolled.bin (migtd-mkimage)"
	@$(MAKE) --no-print-directory SHOW_CC=1 $(B)/migtd$(FW_IMG_SFX)-unenrolled.bin
	@$(MAKE) --no-print-directory SHOW_CC=1 $(B)/migtd$(FW_IMG_SFX).bin
# Every transport's image (the e2e tests use more than one).
images: $(foreach t,$(FW_TRANSPORTS),$(B)/migtd$(call fw_tr_sfx,$t).bin)

# The image under QEMU (TCG): boot and self-tests, virtio-serial against a
# host peer, and a whole pre-migration between two firmware VMs with
# migtd-vmm as their host. Also part of `make test` (tests/e2e/*.sh).
.PHONY: qemu-test
qemu-test: images all
	@for t in firmware_boot firmware_virtio firmware_premigration firmware_serial_upstream firmware_vsock firmware_td_lint td_tcg; do \
		echo "== $$t"; tests/e2e/$$t.sh || exit 1; done

# ---- the TD shim ROM (docs/td-under-shim.md): an L1 hypervisor on QEMU TCG's
# SVM that boots the image as a TD. Freestanding like the firmware; it links
# the firmware's drivers and the emulated platform's link client, built here
# with its own BAR window (TDSHIM_MMIO_BASE) so its device and the TD's
# never overlap.
TDSHIM_C_SRC := $(sort $(wildcard src/tdshim/*.c)) \
	$(addprefix src/firmware/drivers/,serial.c pci.c timer.c fw_cfg.c virtio_fw.c virtio_pci.c \
		virtqueue.c virtio_serial.c virtio_vsock.c) \
	$(addprefix src/firmware/cpu/,cpu.c io.c mmio.c) src/firmware/tdx/ve.c \
	src/firmware/libc/string.c src/firmware/migtd/tr_serial_link.c \
	src/platform/emu/emu_platform.c src/emulink/link.c src/platform/tdx/tdx_leaves.c
TDSHIM_ASM_SRC := src/tdshim/boot.S src/tdshim/vmrun.S src/firmware/boot/isr.S src/platform/tdx/tdcall.S
TDSHIM_OBJS := $(patsubst %.c,$(B)/tdshim/obj/%.o,$(TDSHIM_C_SRC)) \
	$(patsubst %.S,$(B)/tdshim/obj/%.o,$(TDSHIM_ASM_SRC))
TDSHIM_DEFS := -DFW_VIRTIO_WINDOW_BASE=0xD0000000u -DFW_VIRTIO_WINDOW_SIZE=0x10000000u

$(B)/tdshim/obj/%.o: %.c $(MBEDTLS_DIR)/include/mbedtls/ssl.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_COMMON) $(call src_inc,$<) $(FS_CFLAGS) $(TDSHIM_DEFS) -MMD -MP -c $< -o $@
$(B)/tdshim/obj/%.o: %.S config/image_layout.h src/tdshim/tdshim_layout.h
	@mkdir -p $(@D)
	$(Q)$(CC) -Iconfig -Isrc/tdshim -c $< -o $@
$(B)/tdshim/tdshim.ld: src/tdshim/tdshim.ld.S src/tdshim/tdshim_layout.h
	@mkdir -p $(@D)
	$(Q)$(CC) -E -P -x c -Isrc/tdshim $< -o $@
$(B)/tdshim/tdshim.elf: $(TDSHIM_OBJS) $(B)/tdshim/tdshim.ld $(B)/fs/libmigtd_core.a $(B)/fs/libmbedtls.a
	$(Q)ld -nostdlib -static --no-dynamic-linker -z noexecstack --no-warn-rwx-segments \
		-z max-page-size=4096 --gc-sections -T $(B)/tdshim/tdshim.ld -Map $(@:.elf=.map) -o $@ \
		$(TDSHIM_OBJS) --start-group $(B)/fs/libmigtd_core.a $(B)/fs/libmbedtls.a --end-group
$(B)/tdshim.bin: $(B)/tdshim/tdshim.elf
	$(Q)objcopy -O binary $< $@
	@test "$$(stat -c %s $@)" = 262144 || { echo "tdshim.bin is not 256 KiB"; rm -f $@; exit 1; }
.PHONY: tdshim
tdshim: $(B)/tdshim.bin
# The default image in the interrupt build (TDX_INTERRUPTS=1: Service and
# GetQuote complete by vectors 0x50/0x51), only for the shim's test of that
# path: td.c is the one file the option changes, so only it is rebuilt.
$(B)/tdshim/irq/td.o: src/firmware/tdx/td.c $(MBEDTLS_DIR)/include/mbedtls/ssl.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_COMMON) $(call src_inc,$<) $(FS_CFLAGS) -DFW_TDX_INTERRUPTS=1 -c $< -o $@
TDSHIM_IRQ_OBJS := $(filter-out $(B)/fs/obj/src/firmware/tdx/td.o,$(FW_OBJS)) $(B)/tdshim/irq/td.o \
	$(call objs,fs,$(call fw_tr_src,virtio-vsock))
$(B)/tdshim/irq/migtd-fw.elf: $(TDSHIM_IRQ_OBJS) $(B)/fs/libmigtd_core.a $(B)/fs/libmbedtls.a \
		$(B)/fs/firmware.ld
	$(Q)ld -nostdlib -static --no-dynamic-linker -z noexecstack --no-warn-rwx-segments \
		-z max-page-size=4096 --wrap=mbedtls_calloc --wrap=mbedtls_free -T $(B)/fs/firmware.ld \
		-o $@ $(TDSHIM_IRQ_OBJS) --start-group $(B)/fs/libmigtd_core.a $(B)/fs/libmbedtls.a \
		--end-group
$(B)/migtd-irq.bin: $(B)/tdshim/irq/migtd-fw.elf $(B)/bin/migtd-mkimage $(B)/bin/migtd-image \
		$(POLICY) $(ROOT_CA) $(IMAGE_STAMP)
	$(Q)objcopy -O binary $< $(B)/tdshim/irq/migtd-fw.bin
	$(Q)$(B)/bin/migtd-mkimage --payload $(B)/tdshim/irq/migtd-fw.bin -o $(B)/tdshim/irq/unenrolled.bin
	$(Q)$(B)/bin/migtd-image enroll --image $(B)/tdshim/irq/unenrolled.bin --policy $(POLICY) \
		--root-ca $(ROOT_CA) -o $@ >/dev/null
-include $(patsubst %.c,$(B)/tdshim/obj/%.d,$(TDSHIM_C_SRC))

# The firmware libc is unit-tested on the host under its fw_ names.
# The tools' shared output writer and root CA check (tests/unit/test_toolcommon.c).
TOOLCOMMON_TEST_SRC := tools/common/atomic_file.c tools/common/rootca.c
$(B)/host/tests/test_toolcommon: $(call objs,host,$(TOOLCOMMON_TEST_SRC))
$(B)/san/tests/test_toolcommon: $(call objs,san,$(TOOLCOMMON_TEST_SRC))
$(B)/clang/tests/test_toolcommon: $(call objs,clang,$(TOOLCOMMON_TEST_SRC))
$(B)/cov/tests/test_toolcommon: $(call objs,cov,$(TOOLCOMMON_TEST_SRC))

$(B)/host/tests/test_fw_libc: $(call objs,host,src/firmware/libc/string.c)
$(B)/san/tests/test_fw_libc: $(call objs,san,src/firmware/libc/string.c)
$(B)/clang/tests/test_fw_libc: $(call objs,clang,src/firmware/libc/string.c)
$(B)/cov/tests/test_fw_libc: $(call objs,cov,src/firmware/libc/string.c)

# The TD start pieces (acceptance, shared DMA region, CCEL) are unit-tested
# on the host with a fake TDCALL entry (tests/unit/test_fw_tdx.c).
FW_TDX_TEST_SRC := $(addprefix src/firmware/tdx/,accept.c shared.c ccel.c ve.c acpi.c crash.c) \
	src/platform/tdx/tdx_leaves.c
$(B)/host/tests/test_fw_tdx: $(call objs,host,$(FW_TDX_TEST_SRC))
$(B)/san/tests/test_fw_tdx: $(call objs,san,$(FW_TDX_TEST_SRC))
$(B)/clang/tests/test_fw_tdx: $(call objs,clang,$(FW_TDX_TEST_SRC))
$(B)/cov/tests/test_fw_tdx: $(call objs,cov,$(FW_TDX_TEST_SRC))

# The virtio drivers are unit-tested on the host against a device model
# (tests/unit/test_virtio.c) and their device-data parsers fuzzed.
VIRTIO_DRV_SRC := $(addprefix src/firmware/drivers/,virtio_pci.c virtqueue.c virtio_serial.c \
	virtio_vsock.c)
$(B)/host/tests/test_virtio: $(call objs,host,$(VIRTIO_DRV_SRC) src/firmware/migtd/tr_vsock.c)
$(B)/san/tests/test_virtio: $(call objs,san,$(VIRTIO_DRV_SRC) src/firmware/migtd/tr_vsock.c)
$(B)/clang/tests/test_virtio: $(call objs,clang,$(VIRTIO_DRV_SRC) src/firmware/migtd/tr_vsock.c)
$(B)/cov/tests/test_virtio: $(call objs,cov,$(VIRTIO_DRV_SRC) src/firmware/migtd/tr_vsock.c)
$(B)/fuzz/bin/fuzz_virtio_vsock: $(call objs,fuzz,$(VIRTIO_DRV_SRC))
$(B)/fuzz/bin/fuzz_virtio_serial: $(call objs,fuzz,$(VIRTIO_DRV_SRC))
$(B)/fuzz/bin/fuzz_virtio_virtq: $(call objs,fuzz,$(VIRTIO_DRV_SRC))

# ---- second compiler: `make clang-check` builds every hosted program, the
# unit tests and the benchmarks with clang (build/clang/), and the
# freestanding core, TDX backend and firmware C files with clang's
# freestanding flags (build/clangfs/, compiled only: the image stays gcc's).
# Same WARN set, so the tree is warning-free under both compilers.
CLANG_FS_FLAGS := $(subst $(shell $(CC) -print-file-name=include),$(shell $(CLANG) -print-file-name=include),$(FS_FLAGS))
$(eval $(call VARIANT,clangfs,$(CLANG),$(WARN) -O2 $(CLANG_FS_FLAGS),$(FS_MBEDTLS_CFLAGS)))
CLANG_OBJS := $(call objs,clang,$(wildcard src/linux/*.c) $(wildcard tools/*/*.c) $(BENCH_SRC) \
	$(BENCH_COMMON_SRC)) $(call objs,clangfs,$(CORE_SRC) $(TDX_SRC) $(FW_C_SRC))
# The vhost-user backend sees libvhost-user's header as a system header, as
# in its host rule above.
$(B)/clang/obj/tools/migtd-vsock-backend/%.o: tools/migtd-vsock-backend/%.c \
	$(VHU_SRC)/libvhost-user.h $(MBEDTLS_DIR)/include/mbedtls/ssl.h
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS_COMMON) $(call src_inc,$<) -isystem $(VHU_SRC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
.PHONY: clang-check
clang-check: $(addprefix $(B)/clang/tests/,$(UNIT_NAMES)) $(CLANG_OBJS)
	@echo "clang-check: $(words $(UNIT_NAMES)) unit tests and $(words $(CLANG_OBJS)) more objects built with $(CLANG), no warnings"
	@scripts/run-tests.sh --suite clang $(B)/clang/tests

# ---- static analysis: `make lint` = the clang build above, clang-tidy and
# cppcheck over what runs in a MigTD -- the core, the platform backends, the
# platform link and the firmware -- and the clang-format check
# (scripts/lint.sh; tools from Debian via deps.sh). Each file is analysed with
# the flags it is built with (its folder's include paths; the firmware
# freestanding), listed one file a line in build/lint.units. Then the licence
# headers (scripts/spdx-check.sh) and the section citations
# (scripts/check-doc-refs.py), which make test also runs (docs_conventions.sh).
LINT_SRC := $(CORE_SRC) $(sort $(shell find src/platform src/emulink -name '*.c' 2>/dev/null))
LINT_CFLAGS := -std=c11 -D_DEFAULT_SOURCE $(CPPFLAGS_COMMON)
LINT_FS_CFLAGS := -std=c11 $(CLANG_FS_FLAGS) $(CPPFLAGS_COMMON)
LINT_UNITS := $(B)/lint.units
.PHONY: lint
lint: clang-check
	$(shell mkdir -p $(B))$(file >$(LINT_UNITS))$(foreach f,$(LINT_SRC),$(file >>$(LINT_UNITS),$(f) $(LINT_CFLAGS) $(call src_inc,$(f))))$(foreach f,$(FW_C_SRC),$(file >>$(LINT_UNITS),$(f) $(LINT_FS_CFLAGS) $(call src_inc,$(f))))$(foreach f,$(wildcard src/tdshim/*.c),$(file >>$(LINT_UNITS),$(f) $(LINT_FS_CFLAGS) $(call src_inc,$(f))))
	@JOBS=$(JOBS) scripts/lint.sh $(LINT_UNITS)
	@scripts/spdx-check.sh
	@scripts/check-doc-refs.py

# ---- coverage: `make coverage` builds the unit tests with gcov
# instrumentation (build/cov/, -O0 so branches map to the source), runs them
# and prints the line, function and branch coverage of src/core (lcov from
# Debian; HTML report in build/cov/html/).
COV_CFLAGS := $(WARN) -O0 -g --coverage -D_DEFAULT_SOURCE
$(eval $(call VARIANT,cov,$(CC),$(COV_CFLAGS),$(HOST_MBEDTLS_CFLAGS)))
$(foreach t,$(UNIT_NAMES),$(eval $(call UNIT,cov,$(t),$(COV_CFLAGS))))
.PHONY: coverage
coverage: $(addprefix $(B)/cov/tests/,$(UNIT_NAMES))
	@scripts/coverage.sh $(B)/cov
# ---------------------------------------------------------------- man pages, install
# Man pages are generated from each program's --help by help2man
# (scripts/gen-man.sh), so they describe exactly the options the program
# takes; `make man` writes them to build/man/.
# A program without a working --version gets MIGTD_VERSION (the VERSION file).
MAN_PAGES := $(addprefix $(B)/man/,$(addsuffix .1,$(PROGRAMS)))
$(B)/man/%.1: $(B)/bin/% scripts/gen-man.sh
	@mkdir -p $(@D)
	$(Q)scripts/gen-man.sh $< $@ $(MIGTD_VERSION)
man: $(MAN_PAGES)

# `make install PREFIX=/usr/local DESTDIR=`: programs into $(PREFIX)/bin, the
# image and the configuration into $(PREFIX)/share/migtd-c/ (where the tools
# look for their defaults, relative to their own location), man pages, docs,
# a systemd unit for `migtd-vmm serve` and its EnvironmentFile (kept if it
# exists: it is the administrator's).
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/migtd-c
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/migtd-c
# /usr installs configure /etc (as Debian packages do); other prefixes keep
# their configuration below themselves.
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SYSTEMDUNITDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/systemd/system,$(PREFIX)/lib/systemd/system)
INSTALL ?= install
INSTALL_DATA_FILES := config/policy.json config/servtd_info.json \
	config/Intel_SGX_Provisioning_Certification_RootCA.cer
INSTALL_DOCS := README.md LICENSE CHANGELOG.md SECURITY.md CONTRIBUTING.md config/policy.md
SUBST_DIRS = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

# Regenerated on every install: the paths in them follow PREFIX and friends.
$(B)/dist/%: dist/systemd/%.in FORCE
	@mkdir -p $(@D)
	$(Q)$(SUBST_DIRS) $< > $@

install: all image tdshim man $(B)/dist/migtd-vmm.service $(B)/dist/migtd-vmm.env
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/demo $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/migtd-c
	$(INSTALL) -m 0755 $(addprefix $(B)/bin/,$(PROGRAMS)) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0644 $(B)/migtd.bin $(B)/migtd-unenrolled.bin $(B)/tdshim.bin $(INSTALL_DATA_FILES) \
		$(DESTDIR)$(DATADIR)/
	$(INSTALL) -m 0644 config/demo/*.json $(DESTDIR)$(DATADIR)/demo/
	$(INSTALL) -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 $(wildcard $(INSTALL_DOCS)) $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 $(wildcard docs/*.md) $(DESTDIR)$(DOCDIR)/docs/
	$(INSTALL) -m 0644 $(B)/dist/migtd-vmm.service $(DESTDIR)$(SYSTEMDUNITDIR)/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/migtd-c/migtd-vmm.env ]; then \
		echo "kept $(DESTDIR)$(SYSCONFDIR)/migtd-c/migtd-vmm.env"; \
	else $(INSTALL) -m 0644 $(B)/dist/migtd-vmm.env $(DESTDIR)$(SYSCONFDIR)/migtd-c/; fi

# Removes what install put there, nothing else (the EnvironmentFile only if
# it is still the one install wrote; the service's state in /var/lib stays).
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(PROGRAMS))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(addsuffix .1,$(PROGRAMS)))
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/migtd-vmm.service
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	@if [ -e $(B)/dist/migtd-vmm.env ] && cmp -s $(B)/dist/migtd-vmm.env \
		$(DESTDIR)$(SYSCONFDIR)/migtd-c/migtd-vmm.env; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/migtd-c/migtd-vmm.env; \
		rmdir $(DESTDIR)$(SYSCONFDIR)/migtd-c 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/migtd-c/migtd-vmm.env ]; then \
		echo "kept $(DESTDIR)$(SYSCONFDIR)/migtd-c/migtd-vmm.env (edited)"; fi

.PHONY: man install uninstall FORCE
FORCE:
