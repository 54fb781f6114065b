# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# Sourced (from the repository root) by the pre-migration e2e scripts: the
# programs they run. MIGTD_BIN=build/san/bin (suite e2e-asan) selects the
# ASan+UBSan builds; a sanitizer report ends a process with a non-zero
# status, which migtd-vmm reports as a migtd that "ended abnormally".
BIN=${MIGTD_BIN:-build/bin}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
VMM=$BIN/migtd-vmm
if [ ! -x "$VMM" ] || [ ! -x "$BIN/migtd" ]; then
  echo "FAIL: $VMM or $BIN/migtd not built"
  exit 1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# The line migtd-vmm prints when a migtd died or exited non-zero.
MIGTD_DIED='ended abnormally|migtd of platform .* died'
