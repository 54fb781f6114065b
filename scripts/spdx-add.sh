#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
#
# scripts/spdx-add.sh [FILE...] -- stamp the licence header on source files
# that lack one (all tracked source files without arguments). Idempotent:
# a file that already has an SPDX line is left alone.
#   C, headers, assembly, linker scripts: two /* */ lines at the top
#     (/* */ and not //: .S and .ld.S go through cpp, and gas on its own
#     would read // differently);
#   shell, python, makefiles: two # lines, after the "#!" line if any.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/spdx-files.sh

LICENSE_ID=${SPDX_LICENSE:-BSD-2-Clause-Patent}
COPYRIGHT=${SPDX_COPYRIGHT:-"Copyright (c) $(date +%Y) The migtd-c authors"}

n=0
while IFS= read -r f; do
  head -n 5 "$f" | grep -q 'SPDX-License-Identifier:' && continue
  tmp=$(mktemp "$f.spdx.XXXXXX")
  case "$f" in
    *.c|*.h|*.S|*.s|*.ld|*.lds)
      { printf '/* SPDX-License-Identifier: %s */\n/* %s */\n' "$LICENSE_ID" "$COPYRIGHT"
        cat "$f"; } >"$tmp" ;;
    *)
      if [ "$(head -c 2 "$f")" = '#!' ]; then
        { head -n 1 "$f"
          printf '# SPDX-License-Identifier: %s\n# %s\n' "$LICENSE_ID" "$COPYRIGHT"
          tail -n +2 "$f"; } >"$tmp"
      else
        { printf '# SPDX-License-Identifier: %s\n# %s\n' "$LICENSE_ID" "$COPYRIGHT"
          cat "$f"; } >"$tmp"
      fi ;;
  esac
  chmod --reference="$f" "$tmp"
  mv "$tmp" "$f"
  echo "spdx-add: $f"
  n=$((n + 1))
done < <(spdx_source_files "$@")
echo "spdx-add: stamped $n files"
