#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# bench/vmm_wait_cpu.sh [MIGTD [MIGTD-ARGS...]] -- CPU time of a migtd over
# 10 s in each state where it waits for its VMM (docs/vmm-failures.md):
# idle (WaitForRequest held), after its platform link is lost (serve
# SIGKILLed), with a GetQuote and with a ReportStatus never answered (the
# hostile link proxy, tests/tools/link_proxy.c, stalls them). Prints figures,
# asserts nothing; tests/e2e/hostile_vmm.sh holds the bounds. MIGTD defaults
# to build/bin/migtd with --vmm-timeout-ms 30000 (so each wait outlasts the
# 10 s); pass another binary (e.g. an older build) to compare.
# Needs: make all build/host/tests/link_proxy.
set -u
cd "$(dirname "$0")/.." || exit 2
M=${1:-$PWD/build/bin/migtd}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || [ "$M" != "$PWD/build/bin/migtd" ] || set -- --vmm-timeout-ms 30000
EXTRA=("$@")
VMM=$PWD/build/bin/migtd-vmm PROXY=$PWD/build/host/tests/link_proxy
POLICY=$PWD/config/demo/policy.json
t=$(mktemp -d) pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$t"' EXIT
"$VMM" pki init "$t/a" --fmspc 00806F050000 >/dev/null || exit 1
"$VMM" pki init "$t/b" --root "$t/a" --fmspc 00906F000000 --pcesvn 13 >/dev/null || exit 1
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo gone; }
serve() { # dir other -> $spid
  rm -f "$1/ctl.sock"
  "$VMM" serve --pki "$1" --pcs "$2" --control "$1/ctl.sock" --root-ca "$t/a/root_ca.der" \
    --policy "$POLICY" --migtd-external >"$1/serve.log" 2>&1 &
  spid=$!; pids+=($spid)
  until [ -S "$1/ctl.sock" ]; do sleep 0.1; done
}
start() { # dir [rule...] -> $mpid
  local d=$1 r=(); shift
  for x in "$@"; do r+=(--rule "$x"); done
  rm -f "$d/px.sock"
  "$PROXY" --listen "$d/px.sock" --connect "$d/link.sock" "${r[@]}" 2>>"$d/proxy.log" &
  pids+=($!)
  until [ -S "$d/px.sock" ]; do sleep 0.05; done
  "$M" --platform "$d/px.sock" --relay "$d/relay.sock" --policy "$POLICY" \
    --root-ca "$t/a/root_ca.der" --timeout-ms 60000 "${EXTRA[@]}" 2>"$d/migtd.log" &
  mpid=$!; pids+=($mpid)
  until grep -q 'serving requests' "$d/migtd.log"; do sleep 0.1; done
  sleep 2 # builds that verify their own quote at boot do so now
}
over10() { # pid -> "N s CPU over 10 s", or how it ended
  local c0 c1; c0=$(cpu "$1"); sleep 10; c1=$(cpu "$1")
  if [ "$c1" = gone ]; then echo "exited within the 10 s"
  else awk "BEGIN { printf \"%.2f s CPU over 10 s\", ($c1 - $c0) / 100 }"; fi
}
migrate() { # id port
  "$VMM" ctl "$t/b/ctl.sock" migrate "$1" destination "127.0.0.1:$2" >/dev/null
  "$VMM" ctl "$t/a/ctl.sock" migrate "$1" source "127.0.0.1:$2" >/dev/null
}
echo "migtd: $M ${EXTRA[*]}"
serve "$t/b" "$t/a"; start "$t/b"
serve "$t/a" "$t/b"; spa=$spid; start "$t/a"; mpa=$mpid
echo "idle (WaitForRequest held):   $(over10 $mpa)"
c0=$(cpu $mpa) t0=$(date +%s%N); kill -9 "$spa"
for _ in $(seq 1000); do kill -0 "$mpa" 2>/dev/null || break; sleep 0.01; done
if kill -0 "$mpa" 2>/dev/null; then
  r=$(awk "BEGIN { printf \"still running: %.2f s CPU over 10 s\", ($(cpu $mpa) - $c0) / 100 }")
else
  ms=$(( ($(date +%s%N) - t0) / 1000000 )); wait "$mpa"
  r="exited with status $? ${ms} ms after the kill"
fi
echo "platform link lost:           $r; $(wc -l <"$t/a/migtd.log") log lines"
kill -9 "$mpa" 2>/dev/null
# A build that verifies its own quote at boot sends that GetQuote first.
k=1; grep -q 'own quote verified' "$M" && k=2
serve "$t/a" "$t/b"; spa=$spid; start "$t/a" "stall:GET_QUOTE:$k:0"; mpa=$mpid
migrate 1 7901; sleep 1
echo "GetQuote never answered:      $(over10 $mpa)"
kill -9 "$spa" "$mpa"; wait "$spa" "$mpa" 2>/dev/null
serve "$t/a" "$t/b"; spa=$spid; start "$t/a" stall:REPORT:1:0; mpa=$mpid
migrate 2 7902; sleep 2
echo "ReportStatus never answered:  $(over10 $mpa)"
