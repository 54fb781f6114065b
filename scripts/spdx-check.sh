#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
#
# scripts/spdx-check.sh [FILE...] -- fail if a source file lacks its licence
# header: an "SPDX-License-Identifier:" line and a "Copyright" line within its
# first 5 lines (the first line may be a "#!"). Without arguments, every
# tracked source file (see scripts/spdx-files.sh). Fix with scripts/spdx-add.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/spdx-files.sh

bad=0 n=0
while IFS= read -r f; do
  n=$((n + 1))
  head=$(head -n 5 "$f")
  if ! grep -qE 'SPDX-License-Identifier: [A-Za-z0-9.+-]+' <<<"$head"; then
    echo "spdx-check: $f: no SPDX-License-Identifier line in its first 5 lines" >&2
    bad=$((bad + 1))
  elif ! grep -q 'Copyright' <<<"$head"; then
    echo "spdx-check: $f: no Copyright line in its first 5 lines" >&2
    bad=$((bad + 1))
  fi
done < <(spdx_source_files "$@")
if [ $bad -gt 0 ]; then
  echo "spdx-check: $bad of $n source files lack a licence header (run scripts/spdx-add.sh)" >&2
  exit 1
fi
[ $n -gt 0 ] || { echo "spdx-check: no source files found" >&2; exit 1; }
echo "spdx-check: $n source files carry SPDX and copyright lines"
