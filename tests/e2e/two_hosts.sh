#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# e2e-asan: scripts/run-tests.sh runs this again with MIGTD_BIN=build/san/bin
# Two hosts: one `migtd-vmm serve` (one emulated platform + its migtd) in each
# of two network namespaces joined by a veth pair; the MigTD<->MigTD stream
# crosses "the network" as raw TCP, exactly as upstream's socat pair carries
# it. Cases: a pre-migration with keys checked across the two platforms (via
# the test-only td-state command), destination not listening (5 on the
# source after the timeout), the connection cut mid-handshake, and a policy
# that rejects the other host (8 there, 6 here, no keys written).
# Needs root for `ip netns`; without it the test says so and is skipped.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/programs.sh
[ "$(id -u)" = 0 ] || { echo "skipped: not root, cannot create network namespaces"; exit 77; }
command -v ip >/dev/null || { echo "skipped: no ip (iproute2)"; exit 77; }
A=migtd-a-$$ B=migtd-b-$$ IPA=10.231.$(( $$ % 200 )).1 IPB=10.231.$(( $$ % 200 )).2
t=$(mktemp -d)
pids=() spids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null
  rm -rf "$t"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$t"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done
  exit 1
}

if ! ip netns add "$A" 2>"$t/err"; then
  echo "skipped: cannot create network namespaces: $(cat "$t/err")"; exit 77
fi
ip netns add "$B" || fail "netns $B"
ip link add "va$$" type veth peer name "vb$$" || fail "veth"
ip link set "va$$" netns "$A" && ip link set "vb$$" netns "$B" || fail "veth move"
ip -n "$A" addr add "$IPA/24" dev "va$$" && ip -n "$B" addr add "$IPB/24" dev "vb$$" || fail "addr"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set "va$$" up && ip -n "$B" link set "vb$$" up || fail "link up"

$VMM pki init "$t/a" --fmspc 00806F050000 >/dev/null || fail "pki a"
$VMM pki init "$t/b" --root "$t/a" --fmspc 00906F000000 --pcesvn 13 >/dev/null || fail "pki b"

serve() { # ns dir policy log
  # --pcs: each host's quoting service also has the other platform's
  # collateral, as a PCCS caching Intel PCS has every FMSPC's.
  local other=$t/a; [ "$2" = "$t/a" ] && other=$t/b
  ip netns exec "$1" "$VMM" serve --pki "$2" --pcs "$other" --control "$2/ctl.sock" --root-ca "$t/a/root_ca.der" \
    --policy "$3" --export-versions 1:3 --import-versions 2:4 --timeout-ms 4000 >"$4" 2>&1 &
  pids+=($!) spids+=($!)
  for _ in $(seq 100); do [ -S "$2/ctl.sock" ] && return 0; sleep 0.1; done
  fail "serve did not come up ($4)"
}
ctl() { "$VMM" ctl "$@"; }
wait_status() { # ctlsock id -> prints "status N NAME"
  for _ in $(seq 300); do
    r=$(ctl "$1" status "$2") || return 1
    [ "$r" != pending ] && { echo "$r"; return 0; }
    sleep 0.1
  done
  echo timeout
}
field() { echo "$1" | tr ' ' '\n' | grep -A1 -x "$2" | tail -n1; }

serve "$A" "$t/a" config/demo/policy.json "$t/a.log"
serve "$B" "$t/b" config/demo/policy.json "$t/b.log"

# 1. A pre-migration across the two hosts.
ctl "$t/b/ctl.sock" migrate 1 destination "$IPB:7001" >/dev/null || fail "migrate on b"
ctl "$t/a/ctl.sock" migrate 1 source "$IPB:7001" >/dev/null || fail "migrate on a"
sa=$(wait_status "$t/a/ctl.sock" 1) sb=$(wait_status "$t/b/ctl.sock" 1)
echo "session 1: source $sa, destination $sb"
[ "${sa%% *}" = status ] && [ "$(echo "$sa" | cut -d' ' -f2)" = 0 ] || fail "source: $sa"
[ "$(echo "$sb" | cut -d' ' -f2)" = 0 ] || fail "destination: $sb"
ta=$(ctl "$t/a/ctl.sock" td-state 1) tb=$(ctl "$t/b/ctl.sock" td-state 1)
[ "$(field "$ta" enc)" = "$(field "$tb" dec)" ] || fail "destination MIG_DEC_KEY != source MIG_ENC_KEY"
[ "$(field "$tb" enc)" = "$(field "$ta" dec)" ] || fail "source MIG_DEC_KEY != destination MIG_ENC_KEY"
[ "$(field "$ta" dec_written)" = f ] && [ "$(field "$tb" dec_written)" = f ] || fail "keys not fully written"
[ "$(field "$ta" version)" = 3 ] && [ "$(field "$tb" version)" = 3 ] || fail "MIG_VERSION not 3 on both"
echo "keys verified across the two platforms, MIG_VERSION 3"

# 2. Destination not listening: the source times out with NetworkError (5).
ctl "$t/a/ctl.sock" migrate 2 source "$IPB:7002" >/dev/null || fail "migrate 2"
sa=$(wait_status "$t/a/ctl.sock" 2)
echo "session 2 (no listener): source $sa"
[ "$(echo "$sa" | cut -d' ' -f2)" = 5 ] || fail "expected 5, got $sa"
[ "$(field "$(ctl "$t/a/ctl.sock" td-state 2)" dec_written)" = 0 ] || fail "keys written on failure"

# 3. The connection is cut mid-handshake by a proxy on host A.
cat >"$t/cut.py" <<'PY'
import socket, sys, threading
lst = socket.socket(); lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", int(sys.argv[1]))); lst.listen(1)
c, _ = lst.accept(); u = socket.create_connection((sys.argv[2], int(sys.argv[3])))
def pipe(a, b, limit):
    n = 0
    while True:
        d = a.recv(4096)
        if not d: break
        if limit and n + len(d) > limit:
            b.sendall(d[:limit - n]); break
        b.sendall(d); n += len(d)
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
threading.Thread(target=pipe, args=(u, c, 0), daemon=True).start()
pipe(c, u, 300)
PY
ip netns exec "$A" /usr/bin/python3 "$t/cut.py" 7100 "$IPB" 7003 >"$t/cut.log" 2>&1 &
pids+=($!)
sleep 0.5
ctl "$t/b/ctl.sock" migrate 3 destination "$IPB:7003" >/dev/null || fail "migrate 3 b"
ctl "$t/a/ctl.sock" migrate 3 source "127.0.0.1:7100" >/dev/null || fail "migrate 3 a"
sa=$(wait_status "$t/a/ctl.sock" 3) sb=$(wait_status "$t/b/ctl.sock" 3)
echo "session 3 (cut): source $sa, destination $sb"
case "$(echo "$sa" | cut -d' ' -f2)/$(echo "$sb" | cut -d' ' -f2)" in
  6/6) ;; *) fail "a connection cut while TLS runs must end in 6 on both sides (docs/protocol.md §1.5)" ;;
esac
for h in a b; do
  [ "$(field "$(ctl "$t/$h/ctl.sock" td-state 3)" dec_written)" = 0 ] || fail "keys written on $h"
done

# 4. Host B runs a policy that admits only its own platform: the two MigTDs
#    now differ in RTMR2 / policy digest, which host A's policy checks, so A
#    (the TLS client, verifying first) rejects B: 8 on A, 6 on B, no keys.
ctl "$t/b/ctl.sock" shutdown >/dev/null
# serve now refuses a control socket that is still live, so the first one
# must be gone (and must have removed its socket) before the second starts.
wait "${spids[1]}" || fail "the first serve on b exited with $?"
spids=("${spids[0]}")
[ ! -e "$t/b/ctl.sock" ] || fail "serve left its control socket behind"
serve "$B" "$t/b" tests/e2e/data/policy-reject-source.json "$t/b2.log"
ctl "$t/b/ctl.sock" migrate 4 destination "$IPB:7004" >/dev/null || fail "migrate 4 b"
ctl "$t/a/ctl.sock" migrate 4 source "$IPB:7004" >/dev/null || fail "migrate 4 a"
sa=$(wait_status "$t/a/ctl.sock" 4) sb=$(wait_status "$t/b/ctl.sock" 4)
echo "session 4 (policy): source $sa, destination $sb"
[ "$(echo "$sa" | cut -d' ' -f2)" = 8 ] || fail "source should report 8: $sa"
[ "$(echo "$sb" | cut -d' ' -f2)" = 6 ] || fail "destination should report 6: $sb"
for h in a b; do
  [ "$(field "$(ctl "$t/$h/ctl.sock" td-state 4)" dec_written)" = 0 ] || fail "keys written on $h"
done
# Each serve exits 0 only if its migtd never died and exited cleanly (under
# MIGTD_BIN=build/san/bin: no sanitizer report).
ctl "$t/a/ctl.sock" shutdown >/dev/null; ctl "$t/b/ctl.sock" shutdown >/dev/null
for p in "${spids[@]}"; do
  wait "$p"; rc=$?
  [ $rc = 0 ] || fail "a migtd-vmm serve exited with $rc (a migtd ended abnormally?)"
done
pids=()
echo "two hosts: all cases passed"
