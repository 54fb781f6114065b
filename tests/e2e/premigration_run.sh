#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# e2e-asan: scripts/run-tests.sh runs this again with MIGTD_BIN=build/san/bin
#
# Pre-migrations with real processes: `migtd-vmm run` plays both platforms
# (VMM + TDX module + quoting service) and launches one `migtd` per
# platform; every case is one command. What is asserted comes from the
# platform side only: each side's ReportStatus, and (--show-td-state) each
# user TD's MIG_DEC_KEY words written, MIG_VERSION written, and whether
# MIG_DEC_KEY equals the peer's MIG_ENC_KEY. Statuses are docs/protocol.md §1.5.
#
# Not here: a non-zero `reserved` in ExchangeInformation (status 1) -- the
# message travels inside TLS, so neither the relay nor the VMM can alter
# it, and our migtd never sends one; tests/unit/test_session.c
# (test_peer_exchange_information) drives it with a hand-made peer.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/programs.sh
T=1000 # the MigTDs' per-step timeout in the failure cases (ms)
# The VMM interface the whole matrix runs in: tests/e2e/vmcall_raw.sh runs it
# again with PREMIG_PROFILE=vmcall-raw (docs/vmcall-raw.md).
VMM_PROFILE=${PREMIG_PROFILE:-service}
t_all=$(date +%s%N)

fail() { echo "FAIL: $*"; exit 1; }

. tests/e2e/lib/vmm_run.sh
status_is() { # session source-status destination-status
  has "^  session $1: source status $2 .*destination status $3 "
}
td() { # session role -> its td-state line
  echo "$out" | grep -E "^  td-state session $1 $2:"
}
no_keys() { # session role: neither MIG_DEC_KEY nor MIG_VERSION written
  local l; l=$(td "$1" "$2")
  [ -n "$l" ] || fail "$name: no td-state line for session $1 $2"
  grep -q ' dec_written 0 version_written 0 ' <<<"$l" || fail "$name: $2 user TD written: $l"
}
keys_in() { # session role: all four MIG_DEC_KEY words = the peer's MIG_ENC_KEY, MIG_VERSION 3
  local l; l=$(td "$1" "$2")
  grep -q ' dec_written f version_written 1 version 3 dec_is_peer_enc yes ' <<<"$l" \
    || fail "$name: $2 should hold the peer's key and MIG_VERSION 3: $l"
}
failed_no_keys() { # session source-status destination-status
  status_is "$@"; no_keys "$1" source; no_keys "$1" destination
}
bytes_sent() { # session role -> the stream bytes that side's MigTD sent
  td "$1" "$2" | grep -oE 'bytes_sent [0-9]+' | grep -oE '[0-9]+'
}

# --- success, both ways and queued: 6 sessions, 2 at a time, odd ones B -> A.
run both-ways 0 --count 6 --parallel 2 --both-ways
for i in 0 1 2 3 4 5; do
  status_is $i 0 0; keys_in $i source; keys_in $i destination
done
has '^  session 0: .*keys installed and verified \[A -> B\]'
has '^  session 1: .*keys installed and verified \[B -> A\]'
has '^summary: 6 sessions, 2 at a time: 6 succeeded'
has '^verdict: OK'
src_bytes=$(bytes_sent 0 source) dst_bytes=$(bytes_sent 0 destination)

# --- the policy rejects the peer: 8 on the verifier, 6 on the other side.
# The destination runs another policy, so its RTMR2 / policy digest differ;
# the source (TLS client, verifies first) rejects it.
run policy-src-rejects 1 --dst-policy tests/e2e/data/policy-reject-source.json --timeout-ms $T
failed_no_keys 0 8 6
# The source's TDX module is below the policy's tdxtcbcomponents: the
# source accepts the destination, the destination (verifying second) rejects.
run policy-dst-rejects 1 --src-tdx-tcb 04000200000000000000000000000000 --timeout-ms $T
failed_no_keys 0 6 8
# Same policy both ways, but B's QE is newer than A's: B -> A is refused by
# "QE ISVSVN >= self" on B (the source), A -> B succeeds.
run qe-downgrade 1 --both-ways --count 2 --dst-qe-svn 5 --timeout-ms $T
status_is 0 0 0; keys_in 0 source; keys_in 0 destination
failed_no_keys 1 8 6

# --- another root CA. The destination platform is signed by a root of its
# own (and its MigTD enrolls that root): its quote does not chain to the
# source's enrolled root -> 7 on the source, 6 on the destination.
run other-root-platform 1 --dst-pki-root other --dst-root-ca dst --timeout-ms $T
failed_no_keys 0 7 6
# The destination MigTD enrolls a different root CA file on the shared
# platform PKI: its quote verifies, but its RTMR2 (root CA digest) differs
# from the source's -> the source's policy rejects it: 8 / 6.
other=$(mktemp -d); trap 'rm -rf "$other"' EXIT
"$VMM" pki init "$other" >/dev/null || fail "pki init"
run other-root-enrolled 1 --dst-root-ca "$other/root_ca.der" --timeout-ms $T
failed_no_keys 0 8 6

# --- a platform whose TCB the policy does not admit: 8 on the verifier.
run tcb-pcesvn 1 --dst-pcesvn 12 --timeout-ms $T
failed_no_keys 0 8 6
run tcb-sgx-components 1 --dst-tcb 02030303030303030000000000000000 --timeout-ms $T
failed_no_keys 0 8 6

# --- a stream byte flipped during the handshake: a TLS failure, 6 on both.
run flip-server-flight 1 --fault corrupt --fault-side dst --fault-after 700 --timeout-ms $T
failed_no_keys 0 6 6
run flip-client-hello 1 --fault corrupt --fault-side src --fault-after 100 --timeout-ms $T
failed_no_keys 0 6 6

# --- a stream byte flipped after the handshake, inside the ExchangeInformation
# record (the last 62 bytes a side sends; its offset comes from the first run:
# sizes vary by a few bytes, the record by none). docs/protocol.md §6.2: both sides write
# their ExchangeInformation, then read the peer's. So the side whose INCOMING
# record is damaged fails its read (bad record MAC: 6) and writes nothing,
# while the other side has already received an intact record and legitimately
# completes: status 0, the peer's key in its MIG_DEC_KEY, MIG_VERSION 3.
run flip-source-exchange 1 --fault corrupt --fault-side src --fault-after $((src_bytes - 31)) \
  --timeout-ms $T
status_is 0 0 6; keys_in 0 source; no_keys 0 destination
run flip-destination-exchange 1 --fault corrupt --fault-side dst \
  --fault-after $((dst_bytes - 31)) --timeout-ms $T
status_is 0 6 0; no_keys 0 source; keys_in 0 destination

# --- the stream fails mid-handshake, after it was connected: a transport
# failure while TLS runs is a SecureSessionError (6) on both sides, as
# upstream's TLS layer reports it (docs/protocol.md §1.5; docs/status-codes.md) -- whether
# both streams end cleanly (end of stream, no alert) or the relay resets the
# connection of one side.
run disconnect 1 --fault disconnect --fault-after 700 --timeout-ms $T
failed_no_keys 0 6 6
run drop-source-stream 1 --fault drop --fault-side src --fault-after 700 --timeout-ms $T
failed_no_keys 0 6 6
run drop-destination-stream 1 --fault drop --fault-side dst --fault-after 700 --timeout-ms $T
failed_no_keys 0 6 6

# --- an enrolled policy that does not parse: the MigTD still boots and
# serves (the parse error is logged at boot), and each request fails with 9
# when it evaluates its peer, as upstream parses its policy only then; the
# peer sees the abort (6). The other side's policy admits the peer whatever
# policy it measured (its platform's FMSPC, same MigTD image).
tmpd=$(mktemp -d); trap 'rm -rf "$other" "$tmpd"' EXIT
printf '{"id":"x","policy":[' >"$tmpd/bad.json"
cat >"$tmpd/admit-dst.json" <<'JSON'
{"id":"11111111-2222-3333-4444-555555555555","policy":[
 {"fmspc":"00906F000000","Platform":{"TcbInfo":{"pcesvn":{"operation":"greater-or-equal","reference":0}}}},
 {"MigTD":{"TDINFO":{"MRTD":{"operation":"equal","reference":"self"}}}}]}
JSON
run invalid-policy-source 1 --count 2 --src-policy "$tmpd/bad.json" --timeout-ms $T --verbose
failed_no_keys 0 9 6; failed_no_keys 1 9 6
has 'source migtd \| error boot: invalid migration policy'
run invalid-policy-destination 1 --count 2 --src-policy "$tmpd/admit-dst.json" \
  --dst-policy "$tmpd/bad.json" --timeout-ms $T --verbose
failed_no_keys 0 6 9; failed_no_keys 1 6 9
has 'destination migtd \| error \[req 2001\] policy: InvalidPolicy'

# --- an enrolled root CA that is not a DER certificate stops that MigTD at
# boot, as upstream does (docs/protocol.md §1.2; its crash code is 9): it never serves a
# request, so migtd-vmm reports the process ended and no session ran.
printf 'not a certificate' >"$tmpd/junk.der"
name=invalid-root-ca
out=$("$VMM" run --profile "$VMM_PROFILE" --show-td-state --dst-root-ca "$tmpd/junk.der" \
  --timeout-ms $T 2>&1); rc=$?
echo "== $name (exit $rc): migtd-vmm run --dst-root-ca junk"
echo "$out" | sed 's/^/   /'
[ "$rc" != 0 ] || fail "$name: exit 0"
has 'destination migtd \| error +boot: the enrolled root CA \(17 bytes\) is not a DER certificate'
# exit status 3: invalid input (docs/cli.md)
has 'the migtd of platform destination died: exit status 3'
has '^summary: 0 sessions'

# --- no peer connects: only one side gets a request; its handshake times out
# after the configured step timeout -> 5; the other side has no request.
run no-peer-for-source 1 --only src --timeout-ms 500 --verbose
status_is 0 5 -2; no_keys 0 source
has 'source migtd \| error \[req 1000\] .*timed out'
run no-peer-for-destination 1 --only dst --timeout-ms 500
status_is 0 -2 5; no_keys 0 destination

# --- a malformed HOB list (docs/protocol.md §2.3): the MigTD drops the answer without a
# report (no request id is known) and asks for the next request; the VMM
# never gets a status for it, its user TD is untouched, and the session
# queued behind it succeeds.
# (vmcall-raw has no HOB lists: its malformed requests are in vmcall_raw.sh.)
if [ "$VMM_PROFILE" = service ]; then
  run malformed-hob 0 --malformed-hob --verbose
  has '^  malformed HOB request 900: delivered, then the MigTD asked for the next request; no ReportStatus \(dropped, spec 2.3\); nothing written to its user TD$'
  has 'source migtd \| warn +malformed migration request dropped'
  status_is 0 0 0; keys_in 0 source; keys_in 0 destination
fi

# --- migration version ranges without overlap (export 1..2, import 3..4):
# both sides compute no common version after the exchange -> 1 on both.
run versions-disjoint 1 --src-export 1:2 --dst-import 3:4 --timeout-ms $T
failed_no_keys 0 1 1

# --- SERVTD_ATTR != 0 on one platform's user TD: that side checks it after
# the exchange (§6.2 step 6) -> 1 there, nothing written; the other side's
# user TD has SERVTD_ATTR 0, so it completes (0, keys installed).
run servtd-attr-destination 1 --dst-servtd-attr 1 --timeout-ms $T
status_is 0 0 1; keys_in 0 source; no_keys 0 destination
run servtd-attr-source 1 --src-servtd-attr 1 --timeout-ms $T
status_is 0 1 0; no_keys 0 source; keys_in 0 destination

# --- the same mig_request_id delivered again while in progress (§1.4):
# ignored -- no second ReportStatus -- and the session completes.
run duplicate-id 0 --duplicate-id
has '^  duplicate request id: copy delivered while the original was in progress; ignored \(no ReportStatus for it\); the original reported 1 time$'
status_is 0 0 0; keys_in 0 source; keys_in 0 destination

# --- 64 sessions at the same time: the relay holds every byte until all 64
# requests are in progress on both MigTDs, then all must succeed.
run concurrent-64 0 --count 64 --parallel 64 --barrier --timeout-ms 60000
has '^summary: 64 sessions, 64 at a time: 64 succeeded with keys verified, 0 failed'
has '^peak requests in progress at once: source 64, destination 64$'

echo "premigration_run ($VMM_PROFILE): all cases passed in $(( ($(date +%s%N) - t_all) / 1000000 )) ms (binaries: $BIN)"
