#!/usr/bin/env bash
# scripts/bench.sh -- run every benchmark in build/host/bench/.
# Benchmarks print their own figures (ratios measured within one run, or
# instruction counts under callgrind when BENCH_CALLGRIND=1); nothing here
# asserts a time: the machines are shared and noisy.
#
# bench_ratls gets more (issue 4): instruction counts under callgrind of one
# quote verification and one RA-TLS handshake (only the measured function is
# collected: --toggle-collect), the share of those instructions inside
# mbedTLS's bignum and ECP code (callgrind_annotate, exclusive cost grouped
# by source file), and `openssl speed ecdsap256 ecdsap384` beside mbedTLS's
# own per-operation figures.
set -u
cd "$(dirname "$0")/.." || exit 2
export MIGTD_VECTORS=${MIGTD_VECTORS:-$PWD/../shared/vectors}
status=0
found=0
tmp=$(mktemp -d /tmp/migtd-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for b in build/host/bench/bench_*; do
  [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$b" --quick 2>&1 \
      | grep -E 'Collected|^[a-z]' || status=1
  else
    "$b" | tee "$tmp/$(basename "$b").out"
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
  fi
done
[ $found = 1 ] || echo "bench: no benchmarks built yet"

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
exit $status
