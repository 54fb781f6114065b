#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# policy_cli.sh -- end-to-end checks of build/bin/migtd-policy against the
# upstream vectors (vectors/upstream/README.md §1, §3). Exit 0 = pass.
# eval exits 10 + the policy result (0 for Ok), docs/cli.md.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
V=${MIGTD_VECTORS:-$repo/../shared/vectors}/upstream
T=$V/src/policy/test
bin=$repo/build/bin/migtd-policy
fails=0

[ -x "$bin" ] || { echo "policy_cli: $bin missing (make all)"; exit 1; }
[ -f "$T/report.dat" ] || { echo "policy_cli: vectors not found at $V"; exit 1; }

# expect FILE RESULT EXIT [extra eval args...]
expect() {
	f=$1 want=$2 code=$3
	shift 3
	out=$("$bin" eval --policy "$f" --local "$T/report.dat" --peer "$T/report.dat" "$@")
	rc=$?
	first=$(printf '%s\n' "$out" | head -n 1)
	if [ "$first" != "$want" ] || [ $rc -ne "$code" ]; then
		echo "FAIL $(basename "$f") $*: got '$first' exit $rc, want '$want' exit $code"
		fails=$((fails + 1))
	fi
}

for f in policy_001 policy_002 policy_full1 policy_full3 policy_no policy_no_tdattr; do
	expect "$T/$f.json" Ok 0
done
for f in policy policy_003 policy_004 policy_006 policy_full2; do
	expect "$T/$f.json" UnqualifiedMigTdInfo 17
done
for f in policy_005 policy_009 policy_invalid_guid; do
	expect "$T/$f.json" InvalidPolicy 11
done
expect "$T/policy_007.json" UnqualifiedPlatformInfo 14
expect "$T/policy_008.json" UnqualifiedPlatformInfo 14
expect "$T/policy_010.json" PlatformNotFound 12
expect "$V/config/policy.json" UnqualifiedMigTdInfo 17
expect "$V/config/policy_pre_production_fmspc.json" UnqualifiedMigTdInfo 17
expect "$V/config/policy_production_fmspc.json" PlatformNotFound 12 --role destination

# A short report: InvalidParameter (exit 8).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 821 "$T/report.dat" >"$tmp/short.bin"
out=$("$bin" eval --policy "$T/policy.json" --local "$T/report.dat" --peer "$tmp/short.bin")
rc=$?
[ "$(printf '%s\n' "$out" | head -n 1)" = InvalidParameter ] && [ $rc -eq 18 ] ||
	{ echo "FAIL short report: exit $rc"; fails=$((fails + 1)); }

# The peer event log must replay to the peer's RTMRs: report.dat's RTMR2 does not
# match the production log -> InvalidEventLog (exit 9); --no-replay skips it.
expect "$T/policy_001.json" InvalidEventLog 19 --peer-eventlog "$V/derived/eventlog_v1_production.bin"
expect "$T/policy_001.json" Ok 0 --no-replay --peer-eventlog "$V/derived/eventlog_v1_production.bin"
# Policy digests differ between the two logs -> UnqualifiedMigTdInfo.
expect "$T/policy_003.json" UnqualifiedMigTdInfo 17 --no-replay \
	--local-eventlog "$V/derived/eventlog_v1_production.bin" \
	--peer-eventlog "$V/derived/eventlog_test_disable_ra.bin"
expect "$T/policy_003.json" Ok 0 --no-replay \
	--local-eventlog "$V/derived/eventlog_v1_production.bin" \
	--peer-eventlog "$V/derived/eventlog_v1_production.bin"

# check: valid policies exit 0 with a summary; invalid ones name a position.
out=$("$bin" check "$V/config/policy_production_fmspc.json") &&
	printf '%s\n' "$out" | grep -q 'Platform   13' &&
	printf '%s\n' "$out" | grep -q '90C06F000000' ||
	{ echo "FAIL check production"; fails=$((fails + 1)); }
out=$("$bin" check "$T/policy_005.json" 2>&1)
rc=$?
[ $rc -ne 0 ] && printf '%s\n' "$out" | grep -q 'policy_005.json:116:10: trailing comma' ||
	{ echo "FAIL check policy_005: $out"; fails=$((fails + 1)); }
out=$("$bin" check "$V/src/policy/fuzz/seeds/policy/fuzz.json" 2>&1)
[ $? -ne 0 ] && printf '%s\n' "$out" | grep -q legacy ||
	{ echo "FAIL check legacy"; fails=$((fails + 1)); }
"$bin" --help | grep -q 'UnqualifiedTdxModuleInfo' || { echo "FAIL --help"; fails=$((fails + 1)); }
"$bin" eval --policy x >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL usage exit"; fails=$((fails + 1)); }

if [ $fails -ne 0 ]; then
	echo "policy_cli: $fails failure(s)"
	exit 1
fi
echo "policy_cli: ok"
