# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# Sourced (from the repository root) by the e2e scripts that run
# `migtd-vmm demo --keep` on firmware VMs or TDs.
#
# check_tdreports DIR: the MRTD and RTMR0..2 in both sides' TDREPORTs, as
# the demo printed them in $out, equal what build/bin/migtd-hash computes
# from the image enrolled for that side (DIR/src/migtd.bin,
# DIR/dst/migtd.bin). Calls the script's fail() on a difference.
check_tdreports() {
  local dir=$1 side name json f want got
  for side in src dst; do
    name=$([ $side = src ] && echo source || echo destination)
    json=$(build/bin/migtd-hash --image "$dir/$side/migtd.bin" --json) || fail "migtd-hash"
    for f in mrtd rtmr0 rtmr1 rtmr2; do
      want=$(echo "$json" | sed -n "s/.*\"$f\": \"\([0-9a-f]*\)\".*/\1/p")
      got=$(echo "$out" | sed -n "s/^  $name TDREPORT: $f \([0-9a-f]*\)$/\1/p")
      [ -n "$want" ] && [ "$want" = "$got" ] || fail "$name $f: TDREPORT '$got', migtd-hash '$want'"
    done
  done
}
