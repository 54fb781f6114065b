#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# scripts/bench.sh -- run every benchmark in build/host/bench/.
# Benchmarks print their own figures (ratios measured within one run, or
# instruction counts under callgrind when BENCH_CALLGRIND=1); nothing here
# asserts a time: the machines are shared and noisy.
#
# bench_premigration runs last, after the figures it needs from other
# processes: a bare mutual TLS 1.3 P-384 handshake (openssl s_server <->
# s_client on 127.0.0.1) and pre-migrations between two real migtd
# processes (migtd-vmm demo); then callgrind on its in-process harness.
# Its last line is `session/handshake ratio: R`.
#
#   scripts/bench.sh           everything but the soak (make bench)
#   scripts/bench.sh --soak    1,000 consecutive pre-migrations (make bench-soak)
#
# Knobs: BENCH_RUNS (15) handshakes and demo runs for the medians,
# BENCH_SOAK (1000), BENCH_CG_N (2) pre-migrations under callgrind.
#
# bench_ratls gets more: instruction counts under callgrind of one
# quote verification and one RA-TLS handshake (only the measured function is
# collected: --toggle-collect), the share of those instructions inside
# mbedTLS's bignum and ECP code (callgrind_annotate, exclusive cost grouped
# by source file), and `openssl speed ecdsap256 ecdsap384` beside mbedTLS's
# own per-operation figures.
set -u
cd "$(dirname "$0")/.." || exit 2
export MIGTD_VECTORS=${MIGTD_VECTORS:-$PWD/../shared/vectors}
RUNS=${BENCH_RUNS:-15}
PRE=build/host/bench/bench_premigration

if [ "${1:-}" = --soak ]; then
  echo "== bench_premigration --soak ${BENCH_SOAK:-1000}"
  exec "$PRE" --soak "${BENCH_SOAK:-1000}"
fi

status=0
found=0
tmp=$(mktemp -d /tmp/migtd-bench-XXXXXX)
srv_pid=
cleanup() {
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
for b in build/host/bench/bench_*; do
  [ -x "$b" ] || continue
  found=1
  [ "$b" = "$PRE" ] && continue
  echo "== $(basename "$b")"
  if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$b" --quick 2>&1 \
      | grep -E 'Collected|^[a-z]' || status=1
  else
    "$b" | tee "$tmp/$(basename "$b").out"
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
  fi
done
[ $found = 1 ] || { echo "bench: no benchmarks built yet"; exit 1; }
[ -x "$PRE" ] || exit $status

# Exclusive Ir per source file, and the bignum / ECP share, from
# `callgrind_annotate --auto=no` ("Ir (pct)  file:function [object]" lines).
group_by_file() {
  awk '
    /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1; next }
    /^ *[0-9][0-9,]* \(/ {
      ir = $1; gsub(",", "", ir)
      loc = $0; sub(/^ *[0-9,]+ \( *[0-9.]+%\) +/, "", loc); sub(/ \[.*$/, "", loc)
      file = loc; sub(/:[^:]*$/, "", file); fn = loc; sub(/^.*:/, "", fn)
      n = split(file, parts, "/"); base = parts[n]
      byfile[base] += ir
      # constant_time_impl.h helpers inlined into bignum code count as bignum
      if (base ~ /^bignum/ || fn ~ /^mbedtls_mpi_/) bn += ir
      else if (base ~ /^ecp/ || fn ~ /^(mbedtls_)?ecp_/) ec += ir
    }
    END {
      if (total == 0) exit 1
      for (f in byfile) printf "%d %s\n", byfile[f], f > "/dev/stderr"
      printf "    bignum (bignum*.c + mbedtls_mpi_*) %5.1f%%, ECP (ecp*.c) %5.1f%%, together %5.1f%% of %d Ir\n", \
        100 * bn / total, 100 * ec / total, 100 * (bn + ec) / total, total
    }' 2> "$tmp/files" || return 1
  sort -rn "$tmp/files" | head -6 | awk -v t="$1" '{ printf "      %-30s %6.1f%%\n", $2, 100 * $1 / t }'
}

if [ -x build/host/bench/bench_ratls ] && [ "${BENCH_CALLGRIND:-0}" != 1 ]; then
  echo "== bench_ratls under callgrind (instructions of the measured function only)"
  if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
    for what in "verify 3 bench_quote_verify_once" "handshake 2 pair_handshake"; do
      set -- $what
      out="$tmp/cg.$1"
      valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$3" \
        build/host/bench/bench_ratls "$1" "$2" > "$tmp/cg.$1.log" 2>&1 || {
        status=1; grep -v '^==' "$tmp/cg.$1.log"; continue; }
      total=$(callgrind_annotate --auto=no "$out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
      case $1 in
        verify) label="verify production v4 quote";;
        *) label="RA-TLS handshake (both sides)";;
      esac
      printf '  %-34s %12d instructions per operation (%d runs)\n' "$label" $((total / $2)) "$2"
      callgrind_annotate --auto=no --threshold=100 "$out" | group_by_file "$total" || status=1
    done
  else
    echo "  valgrind/callgrind_annotate not installed: skipped"
  fi

  echo "== ECDSA: mbedTLS 3.6 (bench_ratls, one op at a time) vs $(openssl version | cut -d' ' -f1-2) speed"
  if command -v openssl >/dev/null; then
    openssl speed -seconds 1 ecdsap256 ecdsap384 2>/dev/null > "$tmp/speed" || status=1
    printf '  %-18s %14s %14s %8s\n' operation "mbedTLS ops/s" "OpenSSL ops/s" ratio
    for curve in 256 384; do
      read -r osign overify < <(awk -v c="nistp$curve" '$0 ~ "ecdsa \\(" c "\\)" { print $(NF-1), $NF }' "$tmp/speed")
      for op in sign verify; do
        ours=$(awk -v k="ecdsap$curve $op" 'index($0, k) { for (i = 1; i <= NF; i++) if ($(i+1) == "ops/s") print $i }' \
          "$tmp/bench_ratls.out")
        theirs=$([ $op = sign ] && echo "$osign" || echo "$overify")
        if [ -n "$ours" ] && [ -n "$theirs" ]; then
          printf '  %-18s %14.1f %14.1f %7.1fx\n' "ecdsap$curve $op" "$ours" "$theirs" \
            "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { print b / a }')"
        fi
      done
    done
  else
    echo "  openssl not installed: skipped"
  fi
fi

now_ns() { date +%s%N; }
# median of the numbers on stdin (one a line)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.3f\n", v[int((NR + 1) / 2)] }'; }

# ---- bare mutual TLS 1.3 P-384 handshake: openssl s_server <-> s_client
handshake_ms() {
  local d=$tmp/tls port i t0 t1
  mkdir -p "$d"
  for n in ca server client; do
    openssl ecparam -name secp384r1 -genkey -noout -out "$d/$n.key" 2>/dev/null || return 1
  done
  openssl req -x509 -new -key "$d/ca.key" -subj /CN=bench-ca -days 2 -sha384 \
    -out "$d/ca.pem" 2>/dev/null || return 1
  for n in server client; do
    openssl req -new -key "$d/$n.key" -subj "/CN=$n" -out "$d/$n.csr" 2>/dev/null &&
      openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
        -CAcreateserial -days 2 -sha384 -out "$d/$n.pem" 2>/dev/null || return 1
  done
  port=$((20000 + RANDOM % 20000))
  openssl s_server -accept "127.0.0.1:$port" -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384 \
    -groups secp384r1 -Verify 1 -verify_return_error -cert "$d/server.pem" \
    -key "$d/server.key" -CAfile "$d/ca.pem" -quiet >/dev/null 2>&1 </dev/null &
  srv_pid=$!
  for i in $(seq 50); do
    ss -ltn 2>/dev/null | grep -q "127.0.0.1:$port " && break
    sleep 0.1
  done
  for i in $(seq 0 "$RUNS"); do
    t0=$(now_ns)
    openssl s_client -connect "127.0.0.1:$port" -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384 \
      -groups secp384r1 -cert "$d/client.pem" -key "$d/client.key" -CAfile "$d/ca.pem" \
      -verify_return_error -quiet </dev/null >/dev/null 2>"$d/err" || { cat "$d/err" >&2; return 1; }
    t1=$(now_ns)
    [ "$i" = 0 ] && continue # warm-up
    echo "$(( (t1 - t0) / 1000 ))" | awk '{ printf "%.3f\n", $1 / 1000 }'
  done > "$d/times"
  kill "$srv_pid" 2>/dev/null; wait "$srv_pid" 2>/dev/null; srv_pid=
  median < "$d/times"
}

# ---- pre-migrations between two real migtd processes (migtd-vmm demo)
# prints the "results (N sessions, X s)" time in ms of each run
demo_ms() {
  local n=$1 runs=$2 i out
  for i in $(seq "$runs"); do
    out=$(build/bin/migtd-vmm demo --quiet --sessions "$n" 2>&1) || { echo "$out" >&2; return 1; }
    echo "$out" | grep -q '^verdict: OK' || { echo "$out" >&2; return 1; }
    echo "$out" | sed -n 's/^results ([0-9]* sessions\{0,1\}, \([0-9.]*\) s):$/\1/p' |
      awk '{ printf "%.3f\n", $1 * 1000 }'
  done
}

echo "== bench_premigration (openssl handshake, migtd processes)"
hs=$(handshake_ms) || { echo "bench: openssl handshake failed"; exit 1; }
echo "openssl s_server/s_client mutual TLS 1.3 P-384 handshake: median $hs ms over $RUNS" \
     "(s_client wall time: process start, handshake, close)"
demo=$(demo_ms 1 "$RUNS" | median) || { echo "bench: migtd-vmm demo failed"; exit 1; }
echo "migtd-vmm demo, 2 migtd processes: pre-migration median $demo ms over $RUNS runs" \
     "(requests issued -> both ReportStatus)"
for n in 8 64; do
  t=$(demo_ms "$n" 1) || { echo "bench: migtd-vmm demo --sessions $n failed"; exit 1; }
  awk -v n="$n" -v t="$t" 'BEGIN { printf "migtd-vmm demo --sessions %d: all done in %.1f ms, %.1f pre-migrations/s\n", n, t, n * 1000 / t }'
done

# ---- instructions per pre-migration (callgrind on the in-process harness)
if command -v valgrind >/dev/null; then
  n=${BENCH_CG_N:-2}
  echo "== bench_premigration under callgrind ($n pre-migrations)"
  valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$tmp/cg.out" \
    "$PRE" --quick "$n" >/dev/null 2>"$tmp/cg.err" || { cat "$tmp/cg.err"; status=1; }
  if [ -s "$tmp/cg.out" ]; then
    # exclusive Ir by source file, grouped
    callgrind_annotate --auto=no --threshold=100 "$tmp/cg.out" 2>/dev/null | awk -v n="$n" '
      /^[ ]*[0-9,]+ \(/ || /^[ ]*[0-9,]+  / {
        ir = $1; gsub(",", "", ir); rest = $0; sub(/^[ ]*[0-9,]+ +(\([^)]*\) +)?/, "", rest)
        if (rest ~ /PROGRAM TOTALS/) { total = ir; next }
        file = rest; sub(/:.*/, "", file)
        if (file ~ /mbedtls/) g = "mbedTLS"
        else if (file ~ /src\/core\//) g = "MigTD core (src/core)"
        else if (file ~ /src\/emu\/|src\/platform\/|tests\/unit\/support/) g = "emulated platform + VMM harness"
        else g = "libc and other"
        sum[g] += ir; seen += ir
      }
      END {
        if (!total) total = seen
        printf "instructions per pre-migration (both sides + emulated platforms): %.1f M; per session %.1f M\n", total / n / 1e6, total / n / 2e6
        for (g in sum) printf "  %-34s %6.2f%%  %8.1f M per session\n", g, 100 * sum[g] / total, sum[g] / n / 2e6
        printf "  share outside mbedTLS: %.2f%%\n", 100 * (total - sum["mbedTLS"]) / total
      }'
    # where the time goes: inclusive cost of the big steps (a function may be
    # listed under two spellings of its file: keep the largest)
    callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$tmp/cg.out" 2>/dev/null |
      sed 's/ \[.*\]$//' | awk -v n="$n" '
      BEGIN {
        split("migtd_ratls_session_start migtd_ratls_handshake_step migtd_quote_verify ecdsa_verify_rs " \
              "mbedtls_psa_ecdsa_verify_hash mbedtls_ecdsa_sign mbedtls_psa_ecp_export_public_key " \
              "psa_raw_key_agreement mbedtls_calloc mbedtls_free emu_qgs_handle", want, " ")
        for (i in want) w[want[i]] = i
      }
      /^[ ]*[0-9,]+ \(/ {
        ir = $1; gsub(",", "", ir); f = $NF; sub(/.*:/, "", f)
        if ((f in w) && ir + 0 > best[f]) best[f] = ir + 0
      }
      END {
        print "  inclusive, per pre-migration (both sides):"
        for (i = 1; i <= length(want); i++) { f = want[i]; if (f in best)
          printf "    %-34s %7.1f M\n", f, best[f] / n / 1e6 }
      }'
  fi
fi

echo "== bench_premigration"
BENCH_HANDSHAKE_MS=$hs BENCH_DEMO_MS=$demo "$PRE" || status=1
exit $status
