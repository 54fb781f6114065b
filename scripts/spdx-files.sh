#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
#
# scripts/spdx-files.sh -- list the tracked source files that must carry an
# SPDX-License-Identifier line (sourced by spdx-check.sh and spdx-add.sh, so
# the two can never disagree on what counts as source).
#
# Source = C, headers, assembly and linker scripts (*.S, *.ld*), shell,
# python, makefiles, and any tracked file starting with "#!". Data (JSON,
# certificates, fuzz seeds, vectors) and prose (*.md) carry no comment syntax
# or are not code, and are left out.
spdx_source_files() { # [files...]: the given files, else every tracked file
  local f
  if [ $# -eq 0 ]; then
    git ls-files -z | xargs -0 -n 200 printf '%s\n'
  else
    printf '%s\n' "$@"
  fi | while IFS= read -r f; do
    [ -f "$f" ] || continue
    case "$f" in
      *.c|*.h|*.S|*.s|*.ld|*.lds|*.sh|*.py|*.mk|Makefile|*/Makefile) echo "$f" ;;
      *.md|*.json|*.txt|*.cer|*.der|*.pem|*.seeds|*.bin) ;;
      *) head -c 2 "$f" 2>/dev/null | LC_ALL=C grep -aq '^#!' && echo "$f" ;;
    esac
  done
}
