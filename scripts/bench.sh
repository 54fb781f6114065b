#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# scripts/bench.sh -- run every benchmark in build/host/bench/.
# Benchmarks print their own figures (ratios measured within one run, or
# instruction counts under callgrind when BENCH_CALLGRIND=1); nothing here
# asserts a time: the machines are shared and noisy.
#
# bench_premigration runs last. Its last line is the fair ratio,
# `session/handshake ratio: R`: the CPU time of a steady-state in-process
# pre-migration (both MigTDs and their emulated platforms) over that of a
# mutual TLS 1.3 P-384 handshake on libssl with the same profile, both ends
# in the same thread (bench/tlsref.c), median over interleaved pairs. Before
# it, the same two are counted in instructions under callgrind and divided,
# and the first pre-migration after boot is set beside the steady state.
# Pre-migrations between two real migtd processes (migtd-vmm demo) are
# printed for information only.
#
#   scripts/bench.sh           everything but the soak (make bench)
#   scripts/bench.sh --ratio   only the fair ratio, CPU and instructions,
#                              and the first pre-migration (make bench-ratio)
#   scripts/bench.sh --soak    1,000 consecutive pre-migrations (make bench-soak)
#
# Knobs: BENCH_RUNS (15) demo runs for the median, BENCH_PAIRS (20) pairs
# and BENCH_BOOTS (5) boots for the fair ratio, BENCH_SOAK (1000),
# BENCH_CG_N (3) pre-migrations and reference handshakes under callgrind.
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
ratio_only=0
[ "${1:-}" = --ratio ] && ratio_only=1

status=0
found=0
tmp=$(mktemp -d /tmp/migtd-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for b in build/host/bench/bench_*; do
  [ -x "$b" ] || continue
  found=1
  [ "$b" = "$PRE" ] && continue
  [ $ratio_only = 1 ] && continue
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

if [ $ratio_only = 0 ] && [ -x build/host/bench/bench_ratls ] && [ "${BENCH_CALLGRIND:-0}" != 1 ]; then
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

# median of the numbers on stdin (one a line)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.3f\n", v[int((NR + 1) / 2)] }'; }

# ---- pre-migrations between two real migtd processes (migtd-vmm demo)
# prints the "results (N sessions, X s)" time in ms of each run
demo_ms() {
  local n=$1 runs=$2 i out
  for i in $(seq "$runs"); do
    out=$(build/bin/migtd-vmm demo --quiet --sessions "$n" 2>&1) || { echo "$out" >&2; return 1; }
    grep -q '^verdict: OK' <<<"$out" || { echo "$out" >&2; return 1; }
    echo "$out" | sed -n 's/^results ([0-9]* sessions\{0,1\}, \([0-9.]*\) s):$/\1/p' |
      awk '{ printf "%.3f\n", $1 * 1000 }'
  done
}

demo=
if [ $ratio_only = 0 ]; then
  echo "== bench_premigration (migtd processes)"
  demo=$(demo_ms 1 "$RUNS" | median) || { echo "bench: migtd-vmm demo failed"; exit 1; }
  echo "migtd-vmm demo, 2 migtd processes: pre-migration median $demo ms over $RUNS runs" \
       "(requests issued -> both ReportStatus; wall time, for information)"
  for n in 8 64; do
    t=$(demo_ms "$n" 1) || { echo "bench: migtd-vmm demo --sessions $n failed"; exit 1; }
    awk -v n="$n" -v t="$t" 'BEGIN { printf "migtd-vmm demo --sessions %d: all done in %.1f ms, %.1f pre-migrations/s\n", n, t, n * 1000 / t }'
  done
fi

# Instructions of the collected part of one callgrind run (its "totals:" line).
cg_total() { awk '/^(totals|summary):/ { print $2; exit }' "$1"; }
# callgrind on bench_premigration in mode $1 (args $2...), out file $tmp/cg.$1
cg_run() {
  local mode=$1; shift
  valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$tmp/cg.$mode" \
    "$PRE" "--$mode" "$@" >/dev/null 2>"$tmp/cg.$mode.err" || { cat "$tmp/cg.$mode.err"; return 1; }
  [ -s "$tmp/cg.$mode" ]
}

# ---- instructions per pre-migration and per reference handshake (callgrind)
cg_ratio=
if command -v valgrind >/dev/null; then
  n=${BENCH_CG_N:-3}
  echo "== bench_premigration under callgrind ($n steady-state pre-migrations, $n reference handshakes, 1 first after boot)"
  if cg_run quick "$n" && cg_run tls "$n" && cg_run first; then
    pre_ir=$(cg_total "$tmp/cg.quick"); tls_ir=$(cg_total "$tmp/cg.tls"); first_ir=$(cg_total "$tmp/cg.first")
    cg_ratio=$(awk -v p="$pre_ir" -v t="$tls_ir" 'BEGIN { printf "%.3f", p / t }')
    awk -v p="$pre_ir" -v t="$tls_ir" -v f="$first_ir" -v n="$n" 'BEGIN {
      printf "instructions: pre-migration %.1f M (steady state), first after boot %.1f M (%.2f x),\n", p / n / 1e6, f / 1e6, f * n / p
      printf "              reference libssl handshake %.1f M; ratio %.2f\n", t / n / 1e6, p / t }'
    # exclusive Ir by source file, grouped
    callgrind_annotate --auto=no --threshold=100 "$tmp/cg.quick" 2>/dev/null | awk -v n="$n" '
      /^[ ]*[0-9,]+ \(/ || /^[ ]*[0-9,]+  / {
        ir = $1; gsub(",", "", ir); rest = $0; sub(/^[ ]*[0-9,]+ +(\([^)]*\) +)?/, "", rest)
        if (rest ~ /PROGRAM TOTALS/) { total = ir; next }
        file = rest; sub(/:.*/, "", file)
        if (file ~ /mbedtls/) g = "mbedTLS"
        else if (file ~ /src\/core\//) g = "MigTD core (src/core)"
        else if (file ~ /src\/emu|src\/platform\/|tests\/unit\/support/) g = "emulated platform + VMM harness"
        else g = "libc and other"
        sum[g] += ir; seen += ir
      }
      END {
        if (!total) total = seen
        printf "  per pre-migration, by origin (both sides + emulated platforms):\n"
        for (g in sum) printf "    %-34s %6.2f%%  %8.1f M\n", g, 100 * sum[g] / total, sum[g] / n / 1e6
      }'
    # where the time goes: inclusive cost of the big steps (a function may be
    # listed under two spellings of its file: keep the largest)
    callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$tmp/cg.quick" 2>/dev/null |
      sed 's/ \[.*\]$//' | awk -v n="$n" '
      BEGIN {
        split("migtd_ratls_session_init migtd_ratls_session_start migtd_ratls_handshake_step " \
              "migtd_quote_verify ecdsa_verify_rs mbedtls_psa_ecdsa_verify_hash mbedtls_ecdsa_sign " \
              "mbedtls_psa_ecp_export_public_key psa_raw_key_agreement mbedtls_calloc mbedtls_free " \
              "emu_qgs_handle", want, " ")
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
    echo "  top functions, exclusive, per pre-migration:"
    callgrind_annotate --auto=no --threshold=100 "$tmp/cg.quick" 2>/dev/null |
      sed 's/ \[.*\]$//' | awk -v n="$n" '/^[ ]*[0-9,]+ \(/ && !/PROGRAM TOTALS/ {
        ir = $1; gsub(",", "", ir); f = $NF; sub(/.*:/, "", f)
        if (k++ < 8) printf "    %-34s %7.1f M\n", f, ir / n / 1e6 }'
  else
    status=1
  fi
fi

echo "== bench_premigration"
BENCH_DEMO_MS=$demo BENCH_CG_RATIO=$cg_ratio "$PRE" || status=1
exit $status
