#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# e2e-asan: scripts/run-tests.sh runs this again with MIGTD_BIN=build/san/bin
# Policy v2 MigTDs (docs/protocol.md §5.7, §6.4, §7.7) as whole processes on
# the emulated platform:
#  0. two v2 MigTDs with policies made by our tools (migtd-vmm pki
#     policy-issuer / policy-v2: the emulated platforms' collateral, the
#     migtd program's measurements mapped to an SVN) complete a
#     pre-migration, keys verified on both platforms; a destination that
#     admits only SVN >= 2 refuses the SVN 1 source (8, source 6); a
#     destination whose policy comes from another issuer (same name, other
#     keys) is refused by the source (8, destination 6). Requests with init
#     data (§6.4): the initially bound MigTD's MROWNER / MROWNERCONFIG
#     matching -> 0/0; another signer, or a policy SVN above ours -> 8 on
#     both sides before a stream is opened (no byte relayed); the same
#     through migtd-vmm serve.
#  1. boot: a v2 MigTD with upstream's template policy and issuer chain
#     measures and verifies them and serves; with MROWNER/MROWNERCONFIG
#     that do not match its policy it stops (exit 3, status 9 logged).
#  2. pre-session exchange against a raw peer on the TCP relay (migtd-vmm
#     serve): garbage instead of HELLO, a wrong magic, no common version,
#     a PRE_SESSION_DATA header announcing 4 GiB, a blob that does not
#     decode, a wrong START_SESSION -> 1 (InvalidParameter); a peer that
#     ends the stream mid-blob -> 5; a silent peer -> 5 after the timeout.
#  4. the firmware: two QEMU VMs booting build/migtd.bin with a v2 policy
#     and issuer chain enrolled (migtd-vmm demo --vm --issuer-chain: the
#     image copy per platform carries the chain instead of the root CA)
#     complete a pre-migration, keys verified; the policy maps the image's
#     MRTD (pki policy-v2 --migtd build/migtd.bin).
#  3. v1 <-> v2 (migtd-vmm demo, one side --policy-v2): a v2 source against
#     a v1 destination reports 5, the v1 side 6; a v1 source against a v2
#     destination reports 6, the v2 side 1 -- each what upstream reports,
#     and never a hang.
# MROWNER is computed here independently of the MigTD: SHA384 of the leaf
# key of the issuer chain (openssl), MROWNERCONFIG from policySvn (python).
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v qemu-system-x86_64 >/dev/null || { echo "FAIL: no qemu-system-x86_64 (scripts/deps.sh installs it)"; exit 1; }
make --no-print-directory -s build/migtd.bin build/bin/migtd-image >/dev/null || exit 1
. tests/e2e/lib/programs.sh
V=${MIGTD_VECTORS:-../shared/vectors}
TPL=$V/upstream/config/templates
POLICY=$TPL/policy_v2_signed.json
CHAIN=$TPL/policy_issuer_chain.pem
[ -f "$POLICY" ] && [ -f "$CHAIN" ] || { echo "FAIL: no policy v2 templates in $V"; exit 1; }
t=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$t"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$t"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done
  exit 1
}

# The MROWNER / MROWNERCONFIG a host gives a MigTD with this policy (§7.7.6).
owner() { # chain policy -> "MROWNER MROWNERCONFIG"
  local leaf mro svn
  leaf=$(sed -n '1,/-----END CERTIFICATE-----/p' "$1")
  mro=$(echo "$leaf" | openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER |
        tail -c 97 | openssl dgst -sha384 -binary | od -An -v -tx1 | tr -d ' \n')
  svn=$(/usr/bin/python3 -c 'import json,sys,struct
d=json.load(open(sys.argv[1]))
print((struct.pack("<I", d["policyData"]["policySvn"]) + bytes(44)).hex())' "$2")
  echo "$mro $svn"
}
read -r MRO MROC <<<"$(owner "$CHAIN" "$POLICY")"
[ ${#MRO} = 96 ] && [ ${#MROC} = 96 ] || fail "cannot compute MROWNER/MROWNERCONFIG"

$VMM pki init "$t/a" --fmspc 00806F050000 >/dev/null || fail "pki init"

# ---- 0. v2 pairs with policies made by our tools --------------------------------
# The demo's two platforms (its defaults), made first so the policies can
# carry their collateral; the demo keeps existing keys.
D=$t/demo
mkdir -p "$D"
$VMM pki init "$D/src" --fmspc 00806F050000 >/dev/null || fail "pki src"
$VMM pki init "$D/dst" --root "$D/src" --fmspc 00906F000000 --pcesvn 13 --qe-isvsvn 5 \
  >/dev/null || fail "pki dst"
for i in iss iss2; do $VMM pki policy-issuer "$D/$i" >/dev/null || fail "policy-issuer $i"; done
mkpol() { # issuer out [options]
  local iss=$1 out=$2; shift 2
  $VMM pki policy-v2 --issuer "$D/$iss" --platform "$D/src" --platform "$D/dst" "$@" -o "$out" \
    >/dev/null || fail "pki policy-v2 $out"
}
mkpol iss "$D/svn1.json" --migtd "$BIN/migtd:1"
mkpol iss "$D/min2.json" --migtd "$BIN/migtd:2" --min-svn 2
mkpol iss2 "$D/other.json" --migtd "$BIN/migtd:1"
v2demo() { # name src-policy dst-policy dst-issuer expected-exit src dst [demo options]
  local out rc so sc do dc
  read -r so sc <<<"$(owner "$D/iss/policy_issuer_chain.pem" "$2")"
  read -r do dc <<<"$(owner "$D/$4/policy_issuer_chain.pem" "$3")"
  out=$(timeout 120 "$VMM" demo --dir "$D" --keep --quiet --timeout-ms 10000 \
    --src-issuer-chain "$D/iss/policy_issuer_chain.pem" --src-policy "$2" \
    --src-mrowner "$so" --src-mrownerconfig "$sc" \
    --dst-issuer-chain "$D/$4/policy_issuer_chain.pem" --dst-policy "$3" \
    --dst-mrowner "$do" --dst-mrownerconfig "$dc" "${@:8}" 2>&1); rc=$?
  grep -Eq "$MIGTD_DIED" <<<"$out" && { echo "$out"; fail "$1: a migtd died"; }
  [ "$rc" = "$5" ] || { echo "$out"; fail "$1: exit $rc, expected $5"; }
  grep -q "session 0: source status $6 .*destination status $7 " <<<"$out" \
    || { echo "$out"; fail "$1: expected source $6 / destination $7"; }
  echo "$1: source $6, destination $7"
  LAST=$out
}
v2demo "v2 pair" "$D/svn1.json" "$D/svn1.json" iss 0 0 0
grep -q 'keys installed and verified' <<<"$LAST" || fail "v2 pair: keys not verified"
v2demo "peer SVN below the admitted" "$D/svn1.json" "$D/min2.json" iss 1 6 8
grep -q 'MIG_DEC_KEY words written: source 0, destination 0' <<<"$LAST" || fail "keys written"
v2demo "policy of another issuer" "$D/svn1.json" "$D/other.json" iss2 1 8 6
grep -q 'MIG_DEC_KEY words written: source 0, destination 0' <<<"$LAST" || fail "keys written"

# Init data (§6.4): each request carries the TDINFO of the initially bound
# MigTD. Its owner values default to the side's own, which match: 0/0.
v2demo "init data matching" "$D/svn1.json" "$D/svn1.json" iss 0 0 0 \
  --init-mrownerconfig "$(owner "$D/iss/policy_issuer_chain.pem" "$D/svn1.json" | cut -d' ' -f2)"
[ "$(echo "$LAST" | grep -c 'requests carry init data (MROWNER .*, policy SVN 1)')" = 2 ] \
  || { echo "$LAST"; fail "init data: the requests carried none"; }
grep -q 'keys installed and verified' <<<"$LAST" || fail "init data matching: keys not verified"
# Another signer, or a policy SVN above ours (2 > 1): 8 on both sides,
# checked before the stream opens, so not one byte reaches the relay.
SVN2=02$(printf '%094d' 0)
v2demo "init data of another signer" "$D/svn1.json" "$D/svn1.json" iss 1 8 8 \
  --init-mrowner "$(printf 'ab%.0s' $(seq 48))" --show-td-state
[ "$(echo "$LAST" | grep -c 'td-state session 0 .* bytes_sent 0$')" = 2 ] \
  || { echo "$LAST"; fail "init data of another signer: a stream carried data"; }
v2demo "init data with a higher policy SVN" "$D/svn1.json" "$D/svn1.json" iss 1 8 8 \
  --init-mrownerconfig "$SVN2" --show-td-state
[ "$(echo "$LAST" | grep -c 'td-state session 0 .* bytes_sent 0$')" = 2 ] \
  || { echo "$LAST"; fail "init data with a higher SVN: a stream carried data"; }

# ---- 1. boot --------------------------------------------------------------
# A wrong MROWNER: the MigTD must refuse to serve (upstream panics).
BAD=$(printf '%096d' 0)
$VMM demo --quiet --timeout-ms 2000 --issuer-chain "$CHAIN" --policy "$POLICY" \
  --mrowner "$BAD" --mrownerconfig "$MROC" >"$t/badowner.log" 2>&1
grep -q 'MROWNER / MROWNERCONFIG do not match the policy v2' "$t/badowner.log" \
  || fail "a wrong MROWNER was not refused at boot"
grep -Eq "$MIGTD_DIED" "$t/badowner.log" || fail "the MigTD kept serving with a wrong MROWNER"
echo "boot: a wrong MROWNER stops the MigTD"

serve() { # log [serve options]
  rm -f "$t/ctl.sock"
  "$VMM" serve --pki "$t/a" --control "$t/ctl.sock" --issuer-chain "$CHAIN" --policy "$POLICY" \
    --mrowner "$MRO" --mrownerconfig "$MROC" --timeout-ms 2000 "${@:2}" >"$1" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$t/ctl.sock" ] && break; sleep 0.1; done
  [ -S "$t/ctl.sock" ] || fail "serve did not come up"
  for _ in $(seq 100); do grep -q 'serving requests' "$1" && return 0; sleep 0.1; done
  fail "the v2 MigTD did not boot"
}
serve "$t/serve.log"
grep -q 'policy v2 verified (policySvn 1' "$t/serve.log" || fail "policy v2 not verified at boot"
grep -q 'into RTMR1 and the signed policy v2' "$t/serve.log" || fail "v2 measurements not logged"
echo "boot: template policy verified, MROWNER/MROWNERCONFIG match, serving"

# ---- 2. the pre-session exchange against a raw peer ---------------------------
cat >"$t/peer.py" <<'PY'
import socket, struct, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", port)); break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("cannot connect")
def hdr(t, n): return bytes([t, 0, 0, 0]) + struct.pack("<I", n)
def hello(magic=b"MGTD", lo=0x100, hi=0x100):
    return hdr(0xFF, 8) + magic + struct.pack("<HH", lo, hi)
def rd(n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d: break
        b += d
    return b
h = rd(16)
# The MigTD speaks first: its HELLO, byte for byte (§5.7).
if h != hello():
    sys.exit("unexpected HELLO " + h.hex())
blob = struct.pack("<I", 3) + b"{P}" + struct.pack("<I", 2) + b"CH"
if mode == "garbage":          # a TLS ClientHello where HELLO belongs
    s.sendall(bytes.fromhex("16030100c4010000c0030300000000"))
elif mode == "magic":
    s.sendall(hello(magic=b"MGTX"))
elif mode == "version":
    s.sendall(hello(lo=0x200, hi=0x300))
elif mode == "oversize":       # 4 GiB announced: refused from the header
    s.sendall(hello()); s.sendall(hdr(1, 0xFFFFFFFF))
elif mode == "badblob":        # announced and sent, but trailing bytes
    s.sendall(hello()); s.sendall(hdr(1, len(blob) + 1) + blob + b"!")
elif mode == "badstart":
    s.sendall(hello()); s.sendall(hdr(1, len(blob)) + blob); s.sendall(hdr(2, 1) + b"x")
elif mode == "truncated":      # the stream ends inside the blob
    s.sendall(hello()); s.sendall(hdr(1, 1000) + b"x" * 10)
    s.shutdown(socket.SHUT_WR)
elif mode == "silent":
    pass
# Keep the connection open until the MigTD closes it.
s.settimeout(10)
try:
    while s.recv(65536): pass
except OSError:
    pass
PY
P=$(( 20000 + $$ % 20000 ))
presession() { # mode expected-status
  P=$((P + 1))
  "$VMM" ctl "$t/ctl.sock" migrate "$P" destination "127.0.0.1:$P" >/dev/null || fail "migrate $1"
  /usr/bin/python3 "$t/peer.py" "$1" "$P" >"$t/peer-$1.log" 2>&1 &
  local pp=$! r=
  for _ in $(seq 100); do
    r=$("$VMM" ctl "$t/ctl.sock" status "$P") || fail "ctl status"
    [ "$r" != pending ] && break
    sleep 0.1
  done
  wait "$pp" || fail "$1: the raw peer failed: $(cat "$t/peer-$1.log")"
  echo "pre-session $1: $r"
  [ "$(echo "$r" | cut -d' ' -f2)" = "$2" ] || fail "$1: expected status $2, got '$r'"
}
presession garbage 1
presession magic 1
presession version 1
presession oversize 1
presession badblob 1
presession badstart 1
presession truncated 5
presession silent 5
grep -q 'length out of range' "$t/serve.log" || fail "the 4 GiB header was not refused by its length"
"$VMM" ctl "$t/ctl.sock" shutdown >/dev/null
wait "${pids[-1]}" 2>/dev/null

# serve's init data (§6.4): a policy SVN above ours -> 8 at once, no peer needed.
serve "$t/serve-init.log" --init-mrownerconfig "02$(printf '%094d' 0)"
"$VMM" ctl "$t/ctl.sock" migrate 7 source "127.0.0.1:$((P + 1))" >/dev/null || fail "migrate (init data)"
for _ in $(seq 50); do
  r=$("$VMM" ctl "$t/ctl.sock" status 7) || fail "ctl status"
  [ "$r" != pending ] && break
  sleep 0.1
done
[ "$(echo "$r" | cut -d' ' -f2)" = 8 ] || fail "serve --init-mrownerconfig: expected status 8, got '$r'"
grep -q 'init data' "$t/serve-init.log" || fail "serve: the refusal does not name the init data"
echo "serve with init data of a higher policy SVN: $r"
"$VMM" ctl "$t/ctl.sock" shutdown >/dev/null
wait "${pids[-1]}" 2>/dev/null

# ---- 3. v1 <-> v2 -----------------------------------------------------------------
pair() { # name side-that-is-v2 src-status dst-status
  local out
  out=$(timeout 60 "$VMM" demo --quiet --timeout-ms 3000 --"$2"-issuer-chain "$CHAIN" \
    --"$2"-policy "$POLICY" --"$2"-mrowner "$MRO" --"$2"-mrownerconfig "$MROC" 2>&1)
  grep -Eq "$MIGTD_DIED" <<<"$out" && { echo "$out"; fail "$1: a migtd died"; }
  grep -q "session 0: source status $3 .*destination status $4 " <<<"$out" \
    || { echo "$out"; fail "$1: expected source $3 / destination $4"; }
  grep -q 'MIG_DEC_KEY words written: source 0, destination 0' <<<"$out" \
    || fail "$1: keys written"
  echo "$1: source $3, destination $4"
}
pair "v2 source, v1 destination" src 5 6
pair "v1 source, v2 destination" dst 6 1

# ---- 4. a firmware v2 pair --------------------------------------------------------
F=$t/fw
mkdir -p "$F"
$VMM pki init "$F/src" --fmspc 00806F050000 >/dev/null || fail "pki fw src"
$VMM pki init "$F/dst" --root "$F/src" --fmspc 00906F000000 --pcesvn 13 --qe-isvsvn 5 \
  >/dev/null || fail "pki fw dst"
$VMM pki policy-issuer "$F/iss" >/dev/null || fail "policy-issuer fw"
$VMM pki policy-v2 --issuer "$F/iss" --platform "$F/src" --platform "$F/dst" \
  --migtd build/migtd.bin:1 -o "$F/pol.json" >/dev/null || fail "pki policy-v2 fw"
read -r fo fc <<<"$(owner "$F/iss/policy_issuer_chain.pem" "$F/pol.json")"
t0=$(date +%s%N)
out=$(timeout 300 "$VMM" demo --vm --dir "$F" --keep --timeout-ms 30000 \
  --issuer-chain "$F/iss/policy_issuer_chain.pem" --policy "$F/pol.json" \
  --mrowner "$fo" --mrownerconfig "$fc" 2>&1) || { echo "$out" | tail -40; fail "firmware v2 pair"; }
for side in source destination; do
  grep -q "$side vm | migtd: CFV: policy v2 .* bytes, policy issuer chain" <<<"$out" \
    || { echo "$out" | tail -40; fail "the $side VM did not run as a policy v2 MigTD"; }
done
grep -q 'session 0: source status 0 .*destination status 0 .*keys installed and verified' <<<"$out" \
  || { echo "$out" | tail -40; fail "firmware v2 pair: keys not verified"; }
echo "firmware v2 pair: source 0, destination 0, keys verified ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
echo "policy v2 e2e: all cases passed"
