#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
#
# The repository's conventions, checked on every `make test`:
#  * every tracked source file carries an SPDX licence line and a copyright
#    line (scripts/spdx-check.sh; stamp new files with scripts/spdx-add.sh);
#  * every protocol section the code cites (§x.y) is a heading in
#    docs/protocol.md, and no comment points at material outside the
#    repository (scripts/check-doc-refs.py);
#  * `make man` generates a page per program from its --help, and `man -l`
#    renders each without a warning.
# Each check is also run against a broken input, so a checker that accepts
# everything fails here.
set -euo pipefail
cd "$(dirname "$0")/../.."
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
unset MAKEFLAGS MFLAGS MAKELEVEL

scripts/spdx-check.sh || fail "spdx-check"
# The checker must reject a file without the lines, and spdx-add must fix it.
printf 'int x;\n' >"$t/bad.c"
printf '#!/bin/sh\necho hi\n' >"$t/bad.sh"
if scripts/spdx-check.sh "$t/bad.c" 2>/dev/null; then fail "spdx-check accepted a file without SPDX"; fi
scripts/spdx-add.sh "$t/bad.c" "$t/bad.sh" >/dev/null
scripts/spdx-check.sh "$t/bad.c" "$t/bad.sh" >/dev/null || fail "spdx-add did not fix the files"
[ "$(head -n 1 "$t/bad.sh")" = '#!/bin/sh' ] || fail "spdx-add moved the #! line"
sh "$t/bad.sh" | grep -qx hi || fail "spdx-add broke the script"
gcc -fsyntax-only -Werror "$t/bad.c" || fail "spdx-add broke the C file"
before=$(md5sum <"$t/bad.c"); scripts/spdx-add.sh "$t/bad.c" >/dev/null
[ "$(md5sum <"$t/bad.c")" = "$before" ] || fail "spdx-add is not idempotent"

scripts/check-doc-refs.py || fail "check-doc-refs"
# A dangling citation in a scratch copy of the tree must be caught.
git ls-files -z | xargs -0 cp --parents -t "$t" 2>/dev/null || true
# (The section number is assembled here so that this file itself cites nothing.)
sec=99.1
mkdir -p "$t/src" && printf '/* see spec §%s */\n' "$sec" >"$t/src/dangling.c"
git -C "$t" init -q && git -C "$t" add -A >/dev/null 2>&1
if (cd "$t" && python3 "$PWD/scripts/check-doc-refs.py" >/dev/null 2>&1); then
  fail "check-doc-refs accepted a citation of a missing section"
fi
out=$(cd "$t" && python3 scripts/check-doc-refs.py 2>&1) || true
grep -q "src/dangling.c:1: §$sec" <<<"$out" || fail "check-doc-refs did not name the dangling citation"
# A comment citing the issue tracker (assembled so that this file cites none).
printf '/* see %s %s */\n' "issue" "13" >"$t/src/tracker.c"
git -C "$t" add -A >/dev/null 2>&1
out=$(cd "$t" && python3 scripts/check-doc-refs.py 2>&1) || true
grep -q "src/tracker.c:1: cites working material" <<<"$out" ||
  fail "check-doc-refs accepted a comment citing an issue number"

make --no-print-directory man >"$t/man.log" 2>&1 || { cat "$t/man.log"; fail "make man"; }
n=0
for p in build/bin/*; do
  page=build/man/$(basename "$p").1
  [ -s "$page" ] || fail "no man page for $(basename "$p")"
  out=$(man --warnings -l "$page" 2>&1 >"$t/page.txt") || fail "man -l $page failed"
  [ -z "$out" ] || fail "man -l $page warns: $out"
  grep -q "$(basename "$p")" "$t/page.txt" || fail "$page does not name its program"
  grep -qi 'usage' "$t/page.txt" || fail "$page has no usage (not generated from --help?)"
  n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "only $n programs have man pages"
# Generated from --help: an option that --help lists appears on the rendered page.
MANWIDTH=100 man -l build/man/migtd-hash.1 >"$t/migtd-hash.txt" 2>/dev/null
grep -q -- '--manifest' "$t/migtd-hash.txt" || fail "migtd-hash.1 lacks --manifest from its --help"
echo "docs conventions: SPDX, section citations, $n man pages render"
