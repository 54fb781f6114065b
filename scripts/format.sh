#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# scripts/format.sh -- check or apply the committed .clang-format.
#
#   format.sh --check [-v] [FILE...]   exit 1 if any file would change (make lint);
#                                      -v prints clang-format's diagnostics
#   format.sh --fix [FILE...]          rewrite the files in place
#
# Files: our C sources and headers (git ls-files '*.c' '*.h'; without git, a
# find over the source folders). Never .deps/ or build/ (third-party code and
# build outputs). Given FILEs, only those.
#
# clang-format's output differs between major versions, so the version is
# pinned to Debian 12's (14); set CLANG_FORMAT to use another binary.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
WANT_MAJOR=14

usage() { echo "usage: format.sh --check [-v] [FILE...] | --fix [FILE...]" >&2; exit 2; }

mode=${1:-}
[ "$mode" = --check ] || [ "$mode" = --fix ] || usage
shift
verbose=0
if [ "${1:-}" = -v ]; then verbose=1; shift; fi

command -v "$CLANG_FORMAT" >/dev/null || {
  echo "format.sh: $CLANG_FORMAT not found (scripts/deps.sh installs clang-format)" >&2; exit 2; }
major=$("$CLANG_FORMAT" --version | grep -oE 'version [0-9]+' | grep -oE '[0-9]+' || true)
if [ "$major" != "$WANT_MAJOR" ]; then
  echo "format.sh: $CLANG_FORMAT is version ${major:-?}, the style is checked with $WANT_MAJOR" >&2
  exit 2
fi

files=()
if [ $# -gt 0 ]; then
  files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- '*.c' '*.h' ':!:.deps/*' ':!:build/*')
else
  mapfile -t files < <(find src include tests tools bench config \
    \( -name .deps -o -name build \) -prune -o \( -name '*.c' -o -name '*.h' \) -print | sort)
fi
[ ${#files[@]} -gt 0 ] || { echo "format.sh: no files" >&2; exit 2; }

if [ "$mode" = --fix ]; then
  printf '%s\0' "${files[@]}" | xargs -0 -n 16 "$CLANG_FORMAT" -i --style=file
  echo "format.sh: formatted ${#files[@]} files"
  exit 0
fi

bad=()
for f in "${files[@]}"; do
  if [ $verbose -eq 1 ]; then
    "$CLANG_FORMAT" --dry-run --Werror --style=file "$f" || bad+=("$f")
  else
    "$CLANG_FORMAT" --dry-run --Werror --style=file "$f" 2>/dev/null || bad+=("$f")
  fi
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "format.sh: ${#bad[@]} of ${#files[@]} files are not formatted (scripts/format.sh --fix):"
  printf '  %s\n' "${bad[@]:0:20}"
  [ ${#bad[@]} -le 20 ] || echo "  ... and $(( ${#bad[@]} - 20 )) more"
  exit 1
fi
echo "format.sh: ${#files[@]} files formatted"
