#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
#
# `make install DESTDIR=$tmp PREFIX=/usr`, then the installed programs are run
# from another directory: every file where the Makefile promises it, the
# programs answer --help and --version, the installed image hashes to the
# same SERVTD_INFO_HASH as the build tree's, the installed policy checks, the
# defaults (manifest, image, demo policy) come from $PREFIX/share/migtd-c, a
# whole pre-migration runs with the installed migtd-vmm and the migtd next to it,
# the systemd unit verifies and its own ExecStartPre/ExecStart lines (with its
# EnvironmentFile) bring a platform up that ctl can shut down, the man pages
# render. Then `make uninstall`
# removes exactly what install added (an edited EnvironmentFile stays).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
D=$t/root
unset MAKEFLAGS MFLAGS MAKELEVEL

make --no-print-directory install DESTDIR="$D" PREFIX=/usr >"$t/install.log" 2>&1 \
  || { tail -n 30 "$t/install.log"; fail "make install"; }

# Every installed program follows docs/cli.md (--help exits 0, --version);
# migtd-vsock-backend is the vhost-user device, a GPL binary of its own
# (docs/vhost-user.md).
programs="migtd migtd-vmm migtd-quote migtd-policy migtd-image migtd-hash migtd-mkimage
  migtd-vsock-backend"
all_programs=$programs
for p in $all_programs; do
  [ -x "$D/usr/bin/$p" ] || fail "/usr/bin/$p not installed"
  [ -s "$D/usr/share/man/man1/$p.1" ] || fail "man page $p.1 not installed"
done
for f in migtd.bin migtd-unenrolled.bin tdshim.bin policy.json servtd_info.json \
         Intel_SGX_Provisioning_Certification_RootCA.cer demo/policy.json; do
  [ -s "$D/usr/share/migtd-c/$f" ] || fail "/usr/share/migtd-c/$f not installed"
done
[ -s "$D/usr/lib/systemd/system/migtd-vmm.service" ] || fail "systemd unit not installed"
[ -s "$D/etc/migtd-c/migtd-vmm.env" ] || fail "EnvironmentFile not installed in /etc (PREFIX=/usr)"
[ -s "$D/usr/share/doc/migtd-c/LICENSE" ] || fail "LICENSE not installed"
[ -s "$D/usr/share/doc/migtd-c/docs/protocol.md" ] || fail "docs/protocol.md not installed"
# Paths in the unit and its EnvironmentFile follow PREFIX, not the build tree.
grep -q '^ExecStart=/usr/bin/migtd-vmm serve ' "$D/usr/lib/systemd/system/migtd-vmm.service" \
  || fail "unit ExecStart does not run /usr/bin/migtd-vmm serve"
grep -q '^EnvironmentFile=-/etc/migtd-c/migtd-vmm.env' "$D/usr/lib/systemd/system/migtd-vmm.service" \
  || fail "unit EnvironmentFile is not /etc/migtd-c/migtd-vmm.env"
grep -q -- '--policy /usr/share/migtd-c/demo/policy.json' "$D/etc/migtd-c/migtd-vmm.env" \
  || fail "EnvironmentFile does not point at the installed demo policy"
if grep -rq "$repo" "$D/usr/lib/systemd" "$D/etc"; then fail "the build tree's path leaked into installed files"; fi

# The installed programs, run from a directory that is not the repository.
mkdir "$t/elsewhere"
cd "$t/elsewhere"
for p in $programs; do
  "$D/usr/bin/$p" --help >"$t/help.txt" 2>&1 || fail "$p --help exited non-zero from another directory"
  grep -qi usage "$t/help.txt" || fail "$p --help printed no usage"
done
got=$("$D/usr/bin/migtd-hash" -i "$D/usr/share/migtd-c/migtd.bin" \
        -m "$D/usr/share/migtd-c/servtd_info.json")
want=$("$repo/build/bin/migtd-hash" -i "$repo/build/migtd.bin" -m "$repo/config/servtd_info.json")
[[ $got =~ ^[0-9a-f]{96}$ ]] || fail "installed migtd-hash printed '$got'"
[ "$got" = "$want" ] || fail "installed image hashes to $got, build tree to $want"
"$D/usr/bin/migtd-policy" check "$D/usr/share/migtd-c/policy.json" >/dev/null \
  || fail "installed migtd-policy rejects the installed policy"
# Defaults come from the installed share/migtd-c/, not the current directory
# (docs/cli.md, "Default files"): the manifest, the image, the demo policy.
got=$("$D/usr/bin/migtd-hash" -i "$D/usr/share/migtd-c/migtd.bin")
[ "$got" = "$want" ] || fail "migtd-hash without -m did not use the installed servtd_info.json"
"$D/usr/bin/migtd-image" info >"$t/info.txt" 2>&1 || fail "migtd-image info without --image"
grep -q "$D/usr/share/migtd-c/migtd.bin" "$t/info.txt" || fail "migtd-image info did not open the installed image"
for p in $programs; do
  v=$("$D/usr/bin/$p" --version) || fail "$p --version"
  [[ $v =~ ^$p\ \(migtd-c\)\ $(cat "$repo/VERSION")$ ]] || fail "$p --version printed '$v'"
done
# migtd-vmm launches the migtd installed next to it; no --policy: the
# installed demo policy.
mkdir "$t/demo"
"$D/usr/bin/migtd-vmm" demo --dir "$t/demo" >"$t/demo.log" 2>&1 \
  || { tail -n 20 "$t/demo.log"; fail "installed migtd-vmm demo"; }
grep -q '^verdict: OK' "$t/demo.log" || fail "installed demo printed no OK verdict"
grep -q "policy: *$D/usr/share/migtd-c/demo/policy.json" "$t/demo.log" \
  || { head -n 3 "$t/demo.log"; fail "installed demo did not take the installed demo policy"; }
for p in $all_programs; do
  out=$(man --warnings -l "$D/usr/share/man/man1/$p.1" 2>&1 >/dev/null) \
    || fail "man -l $p.1 failed"
  [ -z "$out" ] || fail "man -l $p.1 warns: $out"
done
# The unit, with ExecStart pointing into DESTDIR so the binaries exist.
sed "s|/usr/bin/migtd-vmm|$D/usr/bin/migtd-vmm|g" "$D/usr/lib/systemd/system/migtd-vmm.service" \
  >"$t/migtd-vmm.service"
systemd-analyze verify --man=no "$t/migtd-vmm.service" || fail "systemd-analyze verify"

# What the unit would run, with its own ExecStartPre/ExecStart lines and
# EnvironmentFile, the state and runtime directories mapped into $t: the
# platform comes up, its migtd boots, ctl answers, shutdown ends it cleanly.
unit=$D/usr/lib/systemd/system/migtd-vmm.service
mkdir -p "$t/state" "$t/run"
map() { local s=$1; s=${s//\/var\/lib\/migtd-c/$t/state}; s=${s//\/run\/migtd-c/$t/run}
        s=${s//\/usr\/bin\//$D/usr/bin/}; s=${s//\/usr\/share\/migtd-c/$D/usr/share/migtd-c}
        printf '%s' "$s"; }
set -a; . "$D/etc/migtd-c/migtd-vmm.env"; set +a
MIGTD_SERVE_ARGS=$(map "$MIGTD_SERVE_ARGS")
pre=$(map "$(sed -n 's/^ExecStartPre=//p' "$unit")")
start=$(map "$(sed -n 's/^ExecStart=//p' "$unit")")
eval "${pre//\$\$/\$}" >"$t/pre.log" 2>&1 || { cat "$t/pre.log"; fail "the unit's ExecStartPre"; }
[ -s "$t/state/pki/root_ca.der" ] || fail "ExecStartPre created no PKI"
eval "set -- $start"
"$@" >"$t/serve.log" 2>&1 &
serve=$!
for _ in $(seq 50); do [ -S "$t/run/control.sock" ] && break; sleep 0.1; done
"$D/usr/bin/migtd-vmm" ctl "$t/run/control.sock" shutdown >/dev/null \
  || { cat "$t/serve.log"; fail "ctl shutdown to the unit's serve"; }
wait "$serve" || { cat "$t/serve.log"; fail "the unit's serve exited non-zero"; }
grep -q 'Query: MigTD service supported' "$t/serve.log" \
  || { cat "$t/serve.log"; fail "the unit's serve did not boot its migtd"; }
cd "$repo"

# Install again over an edited EnvironmentFile: kept. Uninstall: it stays,
# everything else goes.
echo '# edited' >>"$D/etc/migtd-c/migtd-vmm.env"
make --no-print-directory install DESTDIR="$D" PREFIX=/usr >"$t/install2.log" 2>&1 \
  || fail "second make install"
grep -q '^# edited' "$D/etc/migtd-c/migtd-vmm.env" || fail "install overwrote the edited EnvironmentFile"
make --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr >"$t/uninstall.log" 2>&1 \
  || fail "make uninstall"
left=$(cd "$D" && find . -type f | sort)
[ "$left" = "./etc/migtd-c/migtd-vmm.env" ] || fail "after uninstall, left: $left"
echo "install: $(echo $all_programs | wc -w) programs, image, config, man pages, unit; ran from $t/elsewhere; uninstall clean"
