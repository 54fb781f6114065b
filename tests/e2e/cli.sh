#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# e2e-asan: scripts/run-tests.sh runs this again with MIGTD_BIN=build/san/bin
# The command-line convention of every program (docs/cli.md), and every bad
# input a new user met: each must give a clear message on stderr and the
# documented exit status, leave no partial file, delete nothing and never
# replace a device node. Covers: --help/--version of all programs, getopt
# (--opt=value, unknown options), '-' for stdin/stdout, defaults found next
# to the binary (run from another directory), atomic output on a full disk
# (/dev/full, a FIFO and a 1 MiB tmpfs), enroll's checks (truncated policy,
# unknown property, junk/empty/quote/leaf root CA, PEM == DER), check's
# strictness, serve's control path, ctl errors and list, IPv6 relay
# addresses, and make image re-enrolling when POLICY/ROOT_CA change.
# Runs as root (tmpfs mount); builds what it needs with make.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
# MIGTD_BIN=build/san/bin: the ASan+UBSan builds of every program.
BIN=${MIGTD_BIN:-build/bin}
case $BIN in /*) ;; *) BIN=$REPO/$BIN ;; esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
fails=0
t=$(mktemp -d)
spids=()
cleanup() {
  for p in "${spids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${spids[@]}"; do wait "$p" 2>/dev/null; done
  mountpoint -q "$t/small" && umount "$t/small"
  rm -rf "$t"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for p in migtd migtd-vmm migtd-image migtd-hash migtd-policy migtd-quote migtd-mkimage migtd-vsock-backend; do
  [ -x "$BIN/$p" ] || { echo "FAIL: $BIN/$p not built (make all)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "FAIL: cli.sh runs as root (it mounts a small tmpfs)"; exit 1; }
make --no-print-directory -s image >/dev/null || { echo "FAIL: make image"; exit 1; }
UNENROLLED=$REPO/build/migtd-unenrolled.bin
POLICY=$REPO/config/policy.json
ROOT=$REPO/config/Intel_SGX_Provisioning_Certification_RootCA.cer
VERSION=$(cat VERSION)

# expect_rc NAME WANT_RC STDERR_REGEX CMD... -- run CMD, check status and message.
expect_rc() {
  local name=$1 want=$2 re=$3 rc
  shift 3
  "$@" >"$t/out" 2>"$t/err"
  rc=$?
  [ "$rc" = "$want" ] || { fail "$name: exit $rc, want $want ($(head -c 300 "$t/err"))"; return; }
  [ -z "$re" ] || grep -Eq "$re" "$t/err" ||
    fail "$name: stderr lacks /$re/: $(head -c 300 "$t/err")"
}

# ---------------------------------------------------------------- --help, --version
for p in migtd migtd-vmm migtd-image migtd-hash migtd-policy migtd-quote migtd-mkimage migtd-vsock-backend; do
  out=$("$BIN/$p" --help 2>"$t/err"); rc=$?
  [ $rc = 0 ] || fail "$p --help: exit $rc"
  [ -s "$t/err" ] && fail "$p --help wrote to stderr"
  grep -q '^usage: ' <<<"$out" || fail "$p --help: no usage line"
  grep -q '2   usage error' <<<"$out" || fail "$p --help: no exit-code table"
  [ "$("$BIN/$p" --version)" = "$p (migtd-c) $VERSION" ] || fail "$p --version"
  expect_rc "$p --no-such-option" 2 "unrecognized option.*no-such-option" "$BIN/$p" --no-such-option
  grep -q "Try '$p --help'" "$t/err" || fail "$p: no --help hint"
done
# The same text twice (the man pages are generated from it).
[ "$("$BIN/migtd-vmm" --help)" = "$("$BIN/migtd-vmm" --help)" ] || fail "help not stable"
expect_rc "migtd-mkimage --help" 0 "" "$BIN/migtd-mkimage" --help
expect_rc "migtd-policy no command" 2 "command is needed" "$BIN/migtd-policy"
expect_rc "migtd-policy eval usage" 2 "needs --policy" "$BIN/migtd-policy" eval --policy x
expect_rc "migtd-image subcommand --help" 0 "" "$BIN/migtd-image" enroll --help
expect_rc "migtd-vmm bad command" 2 "unknown command" "$BIN/migtd-vmm" frobnicate

# ---------------------------------------------------------------- missing files: 4 everywhere
expect_rc "hash missing image" 4 "nope.bin: No such file" "$BIN/migtd-hash" -i "$t/nope.bin"
expect_rc "image missing policy" 4 "nope.json: No such file" \
  "$BIN/migtd-image" enroll --image "$UNENROLLED" --policy "$t/nope.json" -o "$t/x.bin"
expect_rc "policy missing" 4 "nope.json: No such file" "$BIN/migtd-policy" check "$t/nope.json"
expect_rc "quote missing" 4 "nope: No such file" \
  "$BIN/migtd-quote" verify --quote "$t/nope" --root-ca "$ROOT"
expect_rc "mkimage missing" 4 "nope: No such file" "$BIN/migtd-mkimage" --payload "$t/nope" -o "$t/x"
[ -e "$t/x.bin" ] || [ -e "$t/x" ] && fail "an output file was created for a missing input"

# ---------------------------------------------------------------- defaults, from elsewhere
mkdir -p "$t/elsewhere"
(
  cd "$t/elsewhere" || exit 1
  # -m defaults to servtd_info.json next to the binary, not ./config/.
  h=$("$BIN/migtd-hash" -i "$REPO/build/migtd.bin") || exit 1
  [ "${#h}" = 96 ] || exit 1
  # enroll with every default but -o: the repository's policy, root CA and image.
  "$BIN/migtd-image" enroll -o "$t/elsewhere/d.bin" >/dev/null || exit 1
  "$BIN/migtd-image" extract --image d.bin --guid policy -o p.out && cmp -s p.out "$POLICY"
) || fail "defaults are not found from another directory"

# ---------------------------------------------------------------- --opt=value and '-'
"$BIN/migtd-image" enroll --image="$UNENROLLED" --policy="$POLICY" --root-ca="$ROOT" \
  --output="$t/e1.bin" >/dev/null || fail "--opt=value"
"$BIN/migtd-image" enroll --image "$UNENROLLED" --policy - --root-ca "$ROOT" -o - <"$POLICY" \
  >"$t/e2.bin" 2>/dev/null || fail "enroll - / -o -"
cmp -s "$t/e1.bin" "$t/e2.bin" || fail "enroll through stdin/stdout differs"
"$BIN/migtd-policy" check - <"$POLICY" >/dev/null || fail "check -"
[ "$("$BIN/migtd-hash" -i "$t/e1.bin" -m - <config/servtd_info.json)" = \
  "$("$BIN/migtd-hash" -i "$t/e1.bin")" ] || fail "hash -m -"
"$BIN/migtd-image" extract --image "$t/e1.bin" --guid root-ca -o - | cmp -s - "$ROOT" ||
  fail "extract -o -"
"$BIN/migtd-hash" --image="$t/e1.bin" --servtd-attr=0 --output-file="$t/h.bin" ||
  fail "migtd-hash --opt=value"
[ "$(stat -c %s "$t/h.bin")" = 48 ] || fail "migtd-hash --output-file="
"$BIN/migtd-policy" eval --policy=config/demo/policy.json --local="$t/rep0.bin" \
  --peer="$t/rep0.bin" --role=destination >/dev/null 2>&1
[ $? = 4 ] || fail "migtd-policy eval --opt=value with a missing report: not 4"
expect_rc "bad --role" 2 "source or destination" "$BIN/migtd-policy" eval --policy=x --local=x \
  --peer=x --role=sideways
expect_rc "two stdin inputs" 2 "only one input" \
  "$BIN/migtd-image" enroll --image "$UNENROLLED" --policy - --root-ca - -o "$t/x.bin"
expect_rc "two stdin inputs (policy eval)" 2 "only one input" \
  "$BIN/migtd-policy" eval --policy - --local x --peer - </dev/null
expect_rc "two stdin inputs (quote verify)" 2 "only one input" \
  "$BIN/migtd-quote" verify --quote - --root-ca x --tcb-info - </dev/null

# ---------------------------------------------------------------- enroll refuses bad input
cp "$t/e1.bin" "$t/keep.bin"
sum=$(sha256sum <"$t/keep.bin")
enroll_refused() { # name stderr-regex enroll-args... ; -o keep.bin must stay untouched
  local name=$1 re=$2
  shift 2
  expect_rc "enroll $name" 3 "$re" "$BIN/migtd-image" enroll --image "$UNENROLLED" "$@" -o "$t/keep.bin"
  [ "$(sha256sum <"$t/keep.bin")" = "$sum" ] || fail "enroll $name changed the output file"
  ls -A "$t" | grep -q '^\.keep\.bin\.' && fail "enroll $name left a temporary file"
}
head -c 200 "$POLICY" >"$t/trunc.json"
enroll_refused "truncated policy" "trunc.json:[0-9]+:[0-9]+: invalid policy: unexpected end" \
  --policy "$t/trunc.json"
sed 's/"MRSIGNER"/"MRSINGER"/' "$POLICY" >"$t/mrsinger.json"
enroll_refused "unknown property" 'unknown property "MRSINGER"' --policy "$t/mrsinger.json"
sed 's/"EventLog"/"Eventlog"/' config/demo/policy.json >"$t/eventlog.json"
grep -q Eventlog "$t/eventlog.json" || fail "test data: no EventLog section to misspell"
enroll_refused "misspelled section" 'unknown field "Eventlog"' --policy "$t/eventlog.json"
: >"$t/empty.cer"
enroll_refused "empty root CA" "unusable root CA: the file is empty" --root-ca "$t/empty.cer"
head -c 700 /dev/urandom >"$t/junk.cer"
enroll_refused "junk root CA" "unusable root CA: neither a DER nor a PEM" --root-ca "$t/junk.cer"
"$BIN/migtd-vmm" pki init "$t/pki" >/dev/null || fail "pki init"
"$BIN/migtd-vmm" quote --pki "$t/pki" --report-data "$(printf '%0128d' 0)" --out "$t/q.bin" \
  >/dev/null || fail "quote"
enroll_refused "quote as root CA" "unusable root CA" --root-ca "$t/q.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/leaf.key" \
  -subj /CN=leaf -days 30 -addext basicConstraints=critical,CA:FALSE -out "$t/leaf.pem" 2>/dev/null
enroll_refused "leaf as root CA" "not a CA certificate" --root-ca "$t/leaf.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$t/p384.key" \
  -subj /CN=ca384 -days 30 -addext basicConstraints=critical,CA:TRUE -out "$t/p384.pem" 2>/dev/null
enroll_refused "P-384 root CA" "not ECDSA P-256" --root-ca "$t/p384.pem"
cat "$ROOT" "$ROOT" >"$t/two.cer"
enroll_refused "trailing bytes" "follow the DER certificate" --root-ca "$t/two.cer"
# The emulated root is a proper root: accepted.
"$BIN/migtd-image" enroll --image "$UNENROLLED" --root-ca "$t/pki/root_ca.der" -o "$t/emu.bin" \
  >/dev/null || fail "the emulated root CA was refused"

# PEM and DER: one canonical encoding (DER), so the same measurement.
openssl x509 -inform DER -in "$ROOT" -out "$t/root.pem"
"$BIN/migtd-image" enroll --image "$UNENROLLED" --root-ca "$t/root.pem" -o "$t/pem.bin" >/dev/null ||
  fail "PEM root CA refused"
cmp -s "$t/pem.bin" "$t/e1.bin" || fail "PEM and DER root CA give different images"
"$BIN/migtd-image" extract --image "$t/pem.bin" --guid root-ca -o "$t/back.cer"
cmp -s "$t/back.cer" "$ROOT" || fail "the PEM root CA was not enrolled as DER"
[ "$("$BIN/migtd-hash" -i "$t/pem.bin")" = "$("$BIN/migtd-hash" -i "$t/e1.bin")" ] ||
  fail "PEM and DER measure differently (SERVTD_INFO_HASH)"

# ---------------------------------------------------------------- migtd-policy check
expect_rc "check MRSINGER" 1 'mrsinger.json:[0-9]+:[0-9]+: unknown property "MRSINGER"' \
  "$BIN/migtd-policy" check "$t/mrsinger.json"
[ "$(head -n1 "$t/out")" = InvalidPolicy ] || fail "check MRSINGER: no InvalidPolicy verdict"
expect_rc "check Eventlog" 1 'unknown field "Eventlog" at policy\[[0-9]+\]\.MigTD\.Eventlog' \
  "$BIN/migtd-policy" check "$t/eventlog.json"
expect_rc "check valid" 0 "" "$BIN/migtd-policy" check config/demo/policy.json

# ---------------------------------------------------------------- output: full disk, devices
full_refused() { # name cmd... : writing to /dev/full -> 4, ENOSPC message, node intact
  local name=$1
  shift
  expect_rc "$name" 4 "/dev/full: No space left on device" "$@"
  [ -c /dev/full ] || { fail "$name replaced /dev/full"; exit 1; }
}
full_refused "enroll -o /dev/full" "$BIN/migtd-image" enroll --image "$UNENROLLED" -o /dev/full
full_refused "extract -o /dev/full" "$BIN/migtd-image" extract --image "$t/e1.bin" --guid policy -o /dev/full
full_refused "hash -o /dev/full" "$BIN/migtd-hash" -i "$t/e1.bin" -o /dev/full
full_refused "hash --output-td-info /dev/full" "$BIN/migtd-hash" -i "$t/e1.bin" --output-td-info /dev/full
full_refused "mkimage -o /dev/full" "$BIN/migtd-mkimage" --payload build/fs/migtd-fw.bin -o /dev/full
full_refused "vmm quote --out /dev/full" "$BIN/migtd-vmm" quote --pki "$t/pki" \
  --report-data "$(printf '%0128d' 0)" --out /dev/full
grep -q "invalid field" "$t/err" && fail "vmm quote still says invalid field value"
full_refused "quote --out /dev/full" "$BIN/migtd-quote" verify --quote "$t/q.bin" \
  --root-ca "$t/pki/root_ca.der" --out /dev/full
grep -q "result: OK" "$t/out" && fail "migtd-quote printed result: OK after a failed write"
"$BIN/migtd-quote" verify --quote "$t/q.bin" --root-ca "$t/pki/root_ca.der" --out "$t/rep.bin" \
  >"$t/out" || fail "migtd-quote verify of an emulated quote"
[ "$(stat -c %s "$t/rep.bin")" = 822 ] && grep -q "result: OK" "$t/out" || fail "quote --out"

# A FIFO is written into, never replaced.
mkfifo "$t/fifo"
cat "$t/fifo" >"$t/fifo.out" &
"$BIN/migtd-hash" -i "$t/e1.bin" -o "$t/fifo" || fail "hash -o FIFO"
wait $!
[ -p "$t/fifo" ] || fail "the FIFO was replaced"
[ "$(stat -c %s "$t/fifo.out")" = 48 ] || fail "the hash did not go through the FIFO"

# A small file system that fills up: no partial file, the old one kept.
mkdir "$t/small"
mount -t tmpfs -o size=1m tmpfs "$t/small" || { echo "FAIL: cannot mount a tmpfs"; exit 1; }
echo old >"$t/small/img.bin"
expect_rc "enroll on a full tmpfs" 4 "img.bin: No space left on device" \
  "$BIN/migtd-image" enroll --image "$UNENROLLED" -o "$t/small/img.bin"
[ "$(cat "$t/small/img.bin")" = old ] || fail "the old file was not kept on ENOSPC"
[ "$(ls -A "$t/small")" = img.bin ] || fail "a temporary file was left: $(ls -A "$t/small")"
expect_rc "mkimage on a full tmpfs" 4 "No space left on device" \
  "$BIN/migtd-mkimage" --payload build/fs/migtd-fw.bin -o "$t/small/new.bin"
[ -e "$t/small/new.bin" ] && fail "mkimage left a partial file"
cat /dev/zero >"$t/small/fill" 2>/dev/null # until the file system is full
expect_rc "hash --output-td-info on a full tmpfs" 4 "No space left" \
  "$BIN/migtd-hash" -i "$t/e1.bin" --output-td-info "$t/small/ti.json"
[ -e "$t/small/ti.json" ] && fail "hash left a 0-byte or partial file"
umount "$t/small"

# ---------------------------------------------------------------- serve / ctl
"$BIN/migtd-vmm" pki init "$t/pb" --root "$t/pki" --fmspc 00906F000000 --pcesvn 13 >/dev/null ||
  fail "pki init b"
start_serve() { # dir control log [serve options]
  local d=$1 c=$2 log=$3
  shift 3
  (cd "$t/elsewhere" && exec "$BIN/migtd-vmm" serve --pki "$d" --control "$c" \
    --root-ca "$t/pki/root_ca.der" --timeout-ms 8000 "$@") >"$log" 2>&1 &
  spids+=($!)
  for _ in $(seq 100); do
    "$BIN/migtd-vmm" ctl "$c" list >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "serve did not come up: $(tail -n 5 "$log")"
  return 1
}
# serve without --policy, started in another directory: the default policy
# is found next to the binary (it used to be looked up in ./config/).
if start_serve "$t/pki" "$t/c.sock" "$t/c.log"; then
  # The control socket answers before the migtd has booted; on a loaded
  # machine (or under ASan) a shutdown right away can come first.
  for _ in $(seq 200); do grep -q "policy parsed" "$t/c.log" && break; sleep 0.1; done
  "$BIN/migtd-vmm" ctl "$t/c.sock" shutdown >/dev/null
  wait "${spids[-1]}" || fail "serve without --policy exited with $? ($(tail -n 3 "$t/c.log"))"
  unset 'spids[-1]'
  grep -q "policy parsed" "$t/c.log" || fail "serve without --policy: the migtd did not load it ($(tail -n 8 "$t/c.log"))"
fi
echo precious >"$t/precious.txt"
expect_rc "serve --control regular file" 4 "exists and is not a socket" \
  "$BIN/migtd-vmm" serve --pki "$t/pki" --control "$t/precious.txt" --root-ca "$t/pki/root_ca.der"
[ "$(cat "$t/precious.txt")" = precious ] || fail "serve deleted or changed a regular file"
# A stale socket (nobody listens) is replaced.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' \
  "$t/a.sock"
[ -S "$t/a.sock" ] || fail "test set-up: no stale socket"
# --pcs: each serve's quoting service also has the other platform's collateral
# (docs/collateral.md), needed by the IPv6 pre-migration below.
if start_serve "$t/pki" "$t/a.sock" "$t/a.log" --policy="$REPO/config/demo/policy.json" \
  --pcs "$t/pb"; then
  # A second serve on a live socket is refused; the first stays reachable.
  expect_rc "second serve" 5 "in use: another serve" \
    "$BIN/migtd-vmm" serve --pki "$t/pki" --control "$t/a.sock" --root-ca "$t/pki/root_ca.der"
  "$BIN/migtd-vmm" ctl "$t/a.sock" list >/dev/null || fail "the first serve became unreachable"
  expect_rc "ctl error" 1 "^migtd-vmm ctl: error no such request" \
    "$BIN/migtd-vmm" ctl "$t/a.sock" status 99
  [ -s "$t/out" ] && fail "ctl printed an error answer on stdout"
  expect_rc "ctl no socket" 4 "cannot connect" "$BIN/migtd-vmm" ctl "$t/none.sock" list
  [ "$("$BIN/migtd-vmm" ctl "$t/a.sock" list)" = "ok no requests" ] || fail "ctl list (empty)"
  expect_rc "ctl bad address" 1 "error usage" \
    "$BIN/migtd-vmm" ctl "$t/a.sock" migrate 7 source "[::1:7001"
  # IPv6 end to end: a pre-migration between two serves over [::1].
  if start_serve "$t/pb" "$t/b.sock" "$t/b.log" --policy "$REPO/config/demo/policy.json" \
    --pcs "$t/pki"; then
    port=$((20000 + $$ % 20000))
    "$BIN/migtd-vmm" ctl "$t/b.sock" migrate 1 destination "[::1]:$port" >/dev/null ||
      fail "migrate destination [::1]"
    "$BIN/migtd-vmm" ctl "$t/a.sock" migrate 1 source "[::1]:$port" >/dev/null ||
      fail "migrate source [::1]"
    "$BIN/migtd-vmm" ctl "$t/a.sock" list | grep -Eq '^id 1 role source phase (queued|running|done) ' ||
      fail "ctl list does not show the session"
    st=
    for _ in $(seq 200); do
      st=$("$BIN/migtd-vmm" ctl "$t/a.sock" status 1) || break
      [ "$st" != pending ] && break
      sleep 0.1
    done
    [ "$st" = "status 0 SUCCESS" ] || [ "${st#status 0 }" != "$st" ] ||
      fail "IPv6 pre-migration: source $st ($(tail -n 5 "$t/a.log"))"
    l=$("$BIN/migtd-vmm" ctl "$t/b.sock" list)
    grep -Eq '^id 1 role destination phase done status 0:[A-Za-z_]+ queued_ms [0-9]+ run_ms [0-9]+$' <<<"$l" ||
      fail "ctl list after the session: $l"
    "$BIN/migtd-vmm" ctl "$t/b.sock" shutdown >/dev/null
  fi
  "$BIN/migtd-vmm" ctl "$t/a.sock" shutdown >/dev/null
  for p in "${spids[@]}"; do wait "$p" || fail "a serve exited with $?"; done
  spids=()
  [ -e "$t/a.sock" ] && fail "serve left its control socket"
fi

# ---------------------------------------------------------------- make image POLICY= ROOT_CA=
# A policy older than the image must still be enrolled when named.
cp config/demo/policy.json "$t/old-policy.json"
touch -d '2001-01-01' "$t/old-policy.json" "$t/root.pem"
make --no-print-directory -s image POLICY="$t/old-policy.json" ROOT_CA="$t/root.pem" >"$t/make.out" 2>&1 ||
  fail "make image POLICY= ROOT_CA=: $(tail -n 3 "$t/make.out")"
grep -q '^image: \[3/3\] enrolling' "$t/make.out" || fail "make image shows no progress"
"$BIN/migtd-image" extract --guid policy -o "$t/got.json" &&
  cmp -s "$t/got.json" "$t/old-policy.json" || fail "make image did not re-enrol the named policy"
"$BIN/migtd-image" extract --guid root-ca -o "$t/got.cer" && cmp -s "$t/got.cer" "$ROOT" ||
  fail "make image did not enrol the PEM root CA as DER"
make --no-print-directory -s image POLICY="$t/trunc.json" >"$t/make.out" 2>&1 &&
  fail "make image accepted a truncated policy"
grep -q "invalid policy" "$t/make.out" || fail "make image: no reason for the refusal"
# Back to the defaults (other tests use build/migtd.bin).
make --no-print-directory -s image >/dev/null 2>&1 || fail "make image (defaults)"
"$BIN/migtd-image" extract --guid policy -o "$t/got.json" && cmp -s "$t/got.json" "$POLICY" ||
  fail "make image did not go back to the default policy"
make help >"$t/help.out" && grep -q 'POLICY=FILE' "$t/help.out" || fail "make help does not document POLICY"

if [ $fails -ne 0 ]; then
  echo "cli: $fails failure(s)"
  exit 1
fi
echo "cli: all cases passed"
