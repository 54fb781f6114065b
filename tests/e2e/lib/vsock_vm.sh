# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# Sourced (from the repository root) by the e2e scripts that boot the
# default build/migtd.bin (TRANSPORT=virtio-vsock) in QEMU next to Linux
# migtds: needs QEMU, builds the image, migtd-image and -- unless
# MIGTD_BIN (suite e2e-asan) names sanitized builds -- the plain migtd,
# migtd-vmm and migtd-vsock-backend, then sources programs.sh ($BIN, $VMM).
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64 (scripts/deps.sh installs it)"; exit 1; }
if [ -z "${MIGTD_BIN:-}" ]; then
  make --no-print-directory -s build/bin/migtd build/bin/migtd-vmm build/bin/migtd-vsock-backend \
    >/dev/null || exit 1
fi
make --no-print-directory -s build/migtd.bin build/bin/migtd-image >/dev/null || exit 1
. tests/e2e/lib/programs.sh
