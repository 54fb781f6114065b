#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# e2e-asan: scripts/run-tests.sh runs this again with MIGTD_BIN=build/san/bin
#
# A dead or lying VMM must not wedge the MigTD (docs/vmm-failures.md). Two
# `migtd-vmm serve` platforms on this machine (A source, B destination), each
# with a `migtd` the test starts itself (serve --migtd-external) behind the
# hostile link proxy (tests/tools/link_proxy.c), which closes, stalls,
# truncates, lengthens or corrupts chosen answers of the platform link.
# Each case checks what the VMM sees (ReportStatus, via `ctl status`), that
# no key reached a user TD that should not have one (`ctl td-state`, the
# emulated TDX module), that the NEXT request migrates, and, while the MigTD
# waits, that it does not busy-loop: its CPU time (utime+stime from
# /proc/PID/stat) over the wait stays under a generous bound -- a check
# for a spinning loop, not a performance figure.
# Also: migtd-vmm itself when its migtd dies while another process holds
# the log pipe, and the relay passing a peer's end of connection on.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/programs.sh
PROXY=$PWD/build/host/tests/link_proxy
[ -x "$PROXY" ] || { echo "FAIL: $PROXY not built (make unit-bins)"; exit 1; }
MIGTD=$BIN/migtd
POLICY=$PWD/config/demo/policy.json
VT=5000    # the MigTDs' --vmm-timeout-ms in the stall cases
CPU_MAX=50 # clock ticks (1/100 s): at most 0.5 s of CPU over a wait
t=$(mktemp -d)
pids=()
t_all=$(date +%s)
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$t"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$t"/*.log "$t"/*/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done
  exit 1
}

$VMM pki init "$t/a" --fmspc 00806F050000 >/dev/null || fail "pki a"
$VMM pki init "$t/b" --root "$t/a" --fmspc 00906F000000 --pcesvn 13 >/dev/null || fail "pki b"

serve() { # dir other -> $spid
  rm -f "$1/ctl.sock"
  "$VMM" serve --pki "$1" --pcs "$2" --control "$1/ctl.sock" --root-ca "$t/a/root_ca.der" \
    --policy "$POLICY" --export-versions 1:3 --import-versions 2:4 --migtd-external \
    >"$1/serve.log" 2>&1 &
  spid=$!; pids+=($spid)
  for _ in $(seq 100); do [ -S "$1/ctl.sock" ] && return 0; sleep 0.1; done
  fail "serve did not come up ($1)"
}
migtd() { # dir vmm-timeout-ms [rule...] -> $mpid (migtd), $ppid_ (proxy; "" without rules)
  local d=$1 vt=$2 link=$1/link.sock; shift 2
  ppid_=""
  if [ $# -gt 0 ]; then
    local r=() n0; for x in "$@"; do r+=(--rule "$x"); done
    # Ready when this proxy says it listens (the socket file alone is not
    # enough: it exists from bind() on, before listen()).
    n0=$(grep -c 'link_proxy: listening on' "$d/proxy.log" 2>/dev/null || true)
    "$PROXY" --listen "$d/px.sock" --connect "$d/link.sock" "${r[@]}" 2>>"$d/proxy.log" &
    ppid_=$!; pids+=($ppid_)
    for _ in $(seq 100); do
      [ "$(grep -c 'link_proxy: listening on' "$d/proxy.log" 2>/dev/null || true)" -gt "${n0:-0}" ] && break
      sleep 0.1
    done
    link=$d/px.sock
  fi
  "$MIGTD" --platform "$link" --relay "$d/relay.sock" --policy "$POLICY" \
    --root-ca "$t/a/root_ca.der" --timeout-ms "${TMO:-4000}" --vmm-timeout-ms "$vt" 2>>"$d/migtd.log" &
  mpid=$!; pids+=($mpid)
  # Ready once it verified its own quote at boot (GetQuote #1 of its link;
  # a session's own quote is therefore GetQuote #2 in the rules below).
  for _ in $(seq 150); do
    grep -qE 'boot: own quote (verified|check failed)' "$d/migtd.log" 2>/dev/null && return 0
    kill -0 $mpid 2>/dev/null || fail "migtd of $d died at boot"
    sleep 0.1
  done
  fail "migtd of $d did not boot"
}
cpu() { # pid -> utime+stime in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
cpu_over() { # pid seconds what: the CPU the process used over that wait stays small
  local c0 c1; c0=$(cpu "$1") || fail "$3: no process $1"
  sleep "$2"
  c1=$(cpu "$1") || fail "$3: process $1 ended during the wait"
  echo "   $3: $((c1 - c0)) ticks of CPU over $2 s"
  [ $((c1 - c0)) -lt $CPU_MAX ] || fail "$3: $((c1 - c0)) ticks of CPU over $2 s: busy loop"
}
ctl() { "$VMM" ctl "$@"; }
status_of() { # dir id -> the status number, waiting for it
  local r
  for _ in $(seq 200); do
    r=$(ctl "$1/ctl.sock" status "$2") || return 1
    [ "$r" != pending ] && { echo "$r" | cut -d' ' -f2; return 0; }
    sleep 0.1
  done
  echo timeout
}
field() { echo "$1" | tr ' ' '\n' | grep -A1 -x "$2" | tail -n1; }
no_keys() { # dir id
  local s; s=$(ctl "$1/ctl.sock" td-state "$2")
  [ "$(field "$s" dec_written)" = 0 ] && [ "$(field "$s" version_written)" = 0 ] ||
    fail "user TD of request $2 on $1 was written: $s"
}
port=$((20000 + RANDOM % 20000)) # this run's TCP ports: port+1, port+2, ...
migrate() { # id -> starts request id on both platforms (B listens, A connects)
  port=$((port + 1))
  ctl "$t/b/ctl.sock" migrate "$1" destination "127.0.0.1:$port" >/dev/null || fail "migrate $1 b"
  ctl "$t/a/ctl.sock" migrate "$1" source "127.0.0.1:$port" >/dev/null || fail "migrate $1 a"
}
migrates_ok() { # id: a request that must succeed, keys checked on both TDX modules
  migrate "$1"
  local sa sb ta tb; sa=$(status_of "$t/a" "$1") sb=$(status_of "$t/b" "$1")
  [ "$sa/$sb" = 0/0 ] || fail "request $1: source $sa, destination $sb (expected 0/0)"
  ta=$(ctl "$t/a/ctl.sock" td-state "$1") tb=$(ctl "$t/b/ctl.sock" td-state "$1")
  [ "$(field "$ta" enc)" = "$(field "$tb" dec)" ] && [ "$(field "$tb" enc)" = "$(field "$ta" dec)" ] ||
    fail "request $1: keys not exchanged"
  echo "   request $1 migrated: 0/0, keys verified"
}
exited_with() { # pid code seconds what: the process ends with code within seconds
  local t0 rc; t0=$(date +%s%N)
  for _ in $(seq $(($3 * 20))); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$1" 2>/dev/null && fail "$4: still running after $3 s"
  wait "$1"; rc=$?
  echo "   $4: exit $rc after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  [ "$rc" = "$2" ] || fail "$4: exit $rc, expected $2"
}
restart_a() { # [rule...]: a fresh source platform and migtd
  [ -n "${spa:-}" ] && { kill -9 "$spa" 2>/dev/null; wait "$spa" 2>/dev/null; }
  serve "$t/a" "$t/b"; spa=$spid
  migtd "$t/a" "$VT" "$@"; mpa=$mpid
}

serve "$t/b" "$t/a"; spb=$spid
migtd "$t/b" 30000; mpb=$mpid

# --- 1. serve SIGKILLed: the orphaned migtd sees its link end and stops at
# once with exit status 6 (docs/cli.md), instead of spinning forever.
echo "== serve-killed"
restart_a
cpu_over $mpa 5 "idle migtd (WaitForRequest held by the VMM)"
kill -9 "$spa"; wait "$spa" 2>/dev/null; spa=
exited_with $mpa 6 3 "migtd after serve was SIGKILLed"
grep -q 'fatal: the platform link is gone' "$t/a/migtd.log" || fail "no fatal line"

# --- 2. the link closed by the VMM in the middle of a session.
echo "== link-closed"
restart_a close:GET_QUOTE:2
migrate 10
exited_with $mpa 6 5 "migtd after the link closed at its GetQuote answer"
no_keys "$t/a" 10
[ "$(status_of "$t/b" 10)" != 0 ] || fail "destination of request 10 succeeded"
no_keys "$t/b" 10

# --- 3. a GetQuote answer under 16 bytes: that request fails with 7 (the
# spec's status for any GetQuote failure), the link and the TDX-module
# calls keep working, and the next request migrates.
echo "== quote-truncated"
restart_a truncate:GET_QUOTE:2
migrate 20
[ "$(status_of "$t/a" 20)" = 7 ] || fail "request 20: source should report 7"
[ "$(status_of "$t/b" 20)" != 0 ] || fail "request 20: destination succeeded"
no_keys "$t/a" 20; no_keys "$t/b" 20
grep -q 'GetQuote buffer under 16 bytes' "$t/a/migtd.log" || fail "no malformed-answer warning"
migrates_ok 21

# --- 4. a GetQuote answer larger than the MigTD's buffer: 7, then fine.
echo "== quote-lengthened"
restart_a lengthen:GET_QUOTE:2
migrate 30
[ "$(status_of "$t/a" 30)" = 7 ] || fail "request 30: source should report 7"
no_keys "$t/a" 30; no_keys "$t/b" 30
grep -q 'GetQuote buffer larger than ours' "$t/a/migtd.log" || fail "no malformed-answer warning"
migrates_ok 31

# --- 5. a ReportStatus answer of the wrong size (after a failed request:
# its GetQuote answer corrupted -> 7): the VMM has the status, the MigTD
# logs the bad answer, frees the slot and serves the next request.
echo "== report-truncated"
restart_a corrupt:GET_QUOTE:2 truncate:REPORT:1
migrate 40
[ "$(status_of "$t/a" 40)" = 7 ] || fail "request 40: source should report 7"
no_keys "$t/a" 40; no_keys "$t/b" 40
for _ in $(seq 50); do grep -q 'ReportStatus answer' "$t/a/migtd.log" && break; sleep 0.1; done
grep -q 'ReportStatus answer' "$t/a/migtd.log" || fail "no warning on the bad ReportStatus answer"
migrates_ok 41

# --- 6. 64 GetQuotes never answered: every slot waits for the VMM; each
# gives up after --vmm-timeout-ms (7, no key), the slots are freed, and the
# 65th request migrates. The MigTD sleeps while it waits.
echo "== quote-stalled (64 requests)"
restart_a stall:GET_QUOTE:2:64
for i in $(seq 100 163); do
  ctl "$t/a/ctl.sock" migrate "$i" source "127.0.0.1:9" >/dev/null || fail "migrate $i"
done
for _ in $(seq 100); do [ "$(grep -c 'stall GET_QUOTE' "$t/a/proxy.log")" -ge 64 ] && break; sleep 0.1; done
[ "$(grep -c 'stall GET_QUOTE' "$t/a/proxy.log")" = 64 ] || fail "64 GetQuotes were not all taken"
cpu_over $mpa 3 "migtd with 64 GetQuotes unanswered"
for i in $(seq 100 163); do
  [ "$(status_of "$t/a" "$i")" = 7 ] || fail "request $i should report 7"
done
no_keys "$t/a" 100; no_keys "$t/a" 163
grep -q 'GetQuote not answered in time' "$t/a/migtd.log" || fail "no GetQuote timeout logged"
migrates_ok 164

# --- 7. a ReportStatus never answered: the VMM got the status, the slot is
# freed after --vmm-timeout-ms, the next request migrates.
echo "== report-stalled"
restart_a corrupt:GET_QUOTE:2 stall:REPORT:1
migrate 50
[ "$(status_of "$t/a" 50)" = 7 ] || fail "request 50: source should report 7"
no_keys "$t/a" 50; no_keys "$t/b" 50
cpu_over $mpa 3 "migtd with a ReportStatus unanswered"
for _ in $(seq 60); do grep -q 'not answered within' "$t/a/migtd.log" && break; sleep 0.1; done
grep -q 'ReportStatus(7) not answered within 5000 ms: session slot freed' "$t/a/migtd.log" ||
  fail "slot not freed after the ReportStatus deadline"
migrates_ok 51

# --- 8. a TDX-module answer never given (SERVTD.RD): that call fails after
# the deadline (4), the link stays, the next request migrates.
echo "== tdcall-stalled"
restart_a stall:SERVTD_RD:1
migrate 60
[ "$(status_of "$t/a" 60)" = 4 ] || fail "request 60: source should report 4"
no_keys "$t/a" 60; no_keys "$t/b" 60
migrates_ok 61

# --- 9. a frame header that cannot be resynchronised: the link is as good
# as gone: fatal, exit 6, at once.
echo "== header-garbled"
restart_a garble:WFR:1
migrate 70
exited_with $mpa 6 5 "migtd after a garbled frame header"
no_keys "$t/a" 70

# --- 10. the relay passes the other host's end of connection on at once:
# (a) B's serve dies mid-handshake (its MigTD stalled in GetQuote), (b) the
# TCP connection is reset (RST) by a middlebox after the ClientHello. A's
# MigTD (step timeout 20 s) fails the session with 6 right away.
echo "== relay-peer-gone"
TMO=20000 restart_a
kill -9 "$mpb" "$spb" 2>/dev/null; wait "$mpb" "$spb" 2>/dev/null
serve "$t/b" "$t/a"; spb=$spid
migtd "$t/b" 30000 stall:GET_QUOTE:2; mpb=$mpid
migrate 80
for _ in $(seq 50); do grep -q 'stall GET_QUOTE' "$t/b/proxy.log" && break; sleep 0.1; done
sleep 0.5
t0=$(date +%s%N)
kill -9 "$spb"; wait "$spb" 2>/dev/null
sa=$(status_of "$t/a" 80); ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "   host died: source status $sa $ms ms later"
[ "$sa" = 6 ] || fail "request 80: source should report 6, got $sa"
[ $ms -lt 3000 ] || fail "request 80: the source waited $ms ms: the end was not passed on"
no_keys "$t/a" 80
kill -9 "$mpb" 2>/dev/null; wait "$mpb" 2>/dev/null
serve "$t/b" "$t/a"; spb=$spid
migtd "$t/b" 30000 stall:GET_QUOTE:2; mpb=$mpid
cat >"$t/rst.py" <<'PY'
import socket, struct, sys, time
lst = socket.socket(); lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", int(sys.argv[1]))); lst.listen(1)
c, _ = lst.accept(); u = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
u.sendall(c.recv(65536))  # the ClientHello reaches B; B never answers (stalled)
time.sleep(float(sys.argv[3]))
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
print("reset", flush=True); c.close(); time.sleep(5)
PY
port=$((port + 1))
python3 "$t/rst.py" $((port + 100)) $port 1 >"$t/rst.log" 2>&1 & pids+=($!)
sleep 0.3
ctl "$t/b/ctl.sock" migrate 81 destination "127.0.0.1:$port" >/dev/null || fail "migrate 81 b"
ctl "$t/a/ctl.sock" migrate 81 source "127.0.0.1:$((port + 100))" >/dev/null || fail "migrate 81 a"
for _ in $(seq 100); do grep -q reset "$t/rst.log" && break; sleep 0.05; done
t0=$(date +%s%N)
sa=$(status_of "$t/a" 81); ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "   connection reset: source status $sa $ms ms later"
[ "$sa" = 6 ] || fail "request 81: source should report 6, got $sa"
[ $ms -lt 3000 ] || fail "request 81: the source waited $ms ms: the reset was not passed on"
no_keys "$t/a" 81

# --- 11. migtd-vmm when its migtd dies while another process holds the
# migtd's log pipe: it reports the death and exits (5) at once, without
# spinning; and on SIGTERM it stops (0) even with the pipe held.
echo "== vmm-log-pipe"
kill -9 "$spa" "$spb" 2>/dev/null; wait "$spa" "$spb" 2>/dev/null
for sig in KILL TERM; do
  rm -f "$t/a/ctl.sock"
  "$VMM" serve --pki "$t/a" --pcs "$t/b" --control "$t/a/ctl.sock" --root-ca "$t/a/root_ca.der" \
    --policy "$POLICY" >"$t/a/serve-$sig.log" 2>&1 &
  sp=$!; pids+=($sp)
  m=""
  for _ in $(seq 100); do
    grep -q 'serving requests' "$t/a/serve-$sig.log" && m=$(pgrep -P $sp -x migtd) && break
    sleep 0.1
  done
  [ -n "$m" ] || fail "serve did not start its migtd"
  # Another process holds the migtd's log pipe (its stderr) open.
  sleep 60 2>"/proc/$m/fd/2" & holder=$!; pids+=($holder)
  sleep 0.2
  [ "$(readlink "/proc/$holder/fd/2")" = "$(readlink "/proc/$m/fd/2")" ] ||
    fail "the holder does not hold the log pipe"
  if [ $sig = KILL ]; then
    kill -9 "$m"
    exited_with $sp 5 3 "serve after its migtd was SIGKILLed (log pipe held)"
  else
    sleep 0.5
    kill -TERM "$sp"
    exited_with $sp 0 12 "serve after SIGTERM (log pipe held)"
  fi
  kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
done

echo "hostile VMM: all cases passed in $(( $(date +%s) - t_all )) s (binaries: $BIN)"
