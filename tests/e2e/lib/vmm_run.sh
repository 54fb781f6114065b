# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# Sourced (from the repository root, after programs.sh and the script's
# fail()) by the e2e scripts that run their cases as `migtd-vmm run` in the
# VMM interface $VMM_PROFILE (service or vmcall-raw, docs/vmcall-raw.md).
#
# run NAME EXPECTED-EXIT ARGS...: `migtd-vmm run --profile $VMM_PROFILE
# --show-td-state ARGS`, printed (indented) and kept in $out, NAME in
# $name; fails unless it exits with EXPECTED-EXIT and no migtd died.
run() {
  name=$1; local want=$2 t0; shift 2
  t0=$(date +%s%N)
  out=$("$VMM" run --profile "$VMM_PROFILE" --show-td-state "$@" 2>&1); local rc=$?
  echo "== $name (exit $rc, $(( ($(date +%s%N) - t0) / 1000000 )) ms): migtd-vmm run $*"
  echo "$out" | sed 's/^/   /'
  if grep -E "$MIGTD_DIED" <<<"$out" >/dev/null; then
    fail "$name: a migtd process died or exited abnormally"
  fi
  [ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want"
}
# has ERE: a line of $out matches. A here-string, not a pipe: with pipefail,
# grep -q leaving early can fail the pipeline by SIGPIPE on echo even though
# the line is there.
has() { grep -E -- "$1" <<<"$out" >/dev/null || fail "$name: expected a line matching: $1"; }
