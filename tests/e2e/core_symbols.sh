#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
#
# Every symbol the portable core exports carries the one prefix migtd_
# (docs/layout.md, "Exported names of the core"): a program linking the core
# beside other C code cannot collide with it. Reads the host build's archive.
set -euo pipefail
cd "$(dirname "$0")/../.."
lib=build/host/libmigtd_core.a
[ -f "$lib" ] || make -s -j2 "$lib"
all=$(nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort -u)
n=$(echo "$all" | grep -c . || true)
bad=$(echo "$all" | grep -v '^migtd_' || true)
[ "$n" -ge 100 ] || { echo "FAIL: only $n exported symbols read from $lib"; exit 1; }
if [ -n "$bad" ]; then
  echo "FAIL: core symbols without the migtd_ prefix:"
  echo "$bad"
  exit 1
fi
echo "core_symbols: ok ($n exported symbols, all migtd_)"
