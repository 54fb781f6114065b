#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# scripts/freestanding-check.sh OBJ ALLOWLIST
# Fails if the relocatable freestanding link OBJ (the whole core + mbedTLS)
# still needs any symbol that is not in ALLOWLIST: the core may only lean
# on what the firmware will provide (memcpy & co., the platform hooks).
set -eu
obj=$1 allow=$2
undef=$(nm -u "$obj" | awk '{print $2}' | sort -u)
allowed=$(grep -vE '^\s*(#|$)' "$allow" | awk '{print $1}' | sort -u)
extra=$(comm -23 <(echo "$undef") <(echo "$allowed"))
echo "allowed undefined symbols used: $(comm -12 <(echo "$undef") <(echo "$allowed") | tr '\n' ' ')"
size "$obj" | sed 's/^/size: /'
if [ -n "$extra" ]; then
  echo "freestanding-check: FAILED -- undefined symbols outside $allow:" >&2
  echo "$extra" | sed 's/^/  /' >&2
  exit 1
fi
echo "freestanding-check: ok"
