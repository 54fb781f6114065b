#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# scripts/deps.sh -- install and fetch everything migtd-c builds and tests with.
#
# Idempotent: safe to run any number of times; does nothing when all is there.
#  1. Debian packages (compiler, clang/lld for fuzzing, jsmn, cmocka, openssl,
#     python3-cryptography, QEMU, socat, help2man and man-db for the man
#     pages, systemd-analyze for checking the installed unit, ...),
#     installed only when missing.
#  2. mbedTLS 3.6 LTS sources: the Debian source package from the next
#     release (bookworm only carries 2.28, which has no TLS 1.3), fetched with
#     apt through a private configuration that leaves the system's sources
#     alone. apt checks the signed index and the file checksums; we check the
#     orig tarball's sha256 against the pinned value as well. If the pinned
#     version has left the index, the same tarball is fetched from the
#     mirror's pool and checked against the pinned sha256.
#  3. QEMU's libvhost-user (the vhost-user device-side library, GPL-2.0-or-
#     later; docs/vhost-user.md says why it is linked only into the separate
#     program migtd-vsock-backend): Debian trixie's qemu source package, the
#     same private apt configuration and a pinned sha256. Only the files the
#     library needs are unpacked (about 130 KB of the 40 MB tarball), and the
#     tarball is deleted afterwards.
#     Then our patch scripts/patches/mbedtls-$VERSION-migtd.patch (its
#     sha256 pinned below; docs/tls-large-certificates.md says what it does)
#     is applied. The unpacked tree is named after the version AND the
#     patch's hash, so a changed patch gets a fresh tree and two checkouts
#     with different patches can share one deps directory.
# The sources are unpacked into $MIGTD_DEPS_DIR (default: .deps/ in the
# repository, ignored by git); the Makefile builds them with our own config.
# `deps.sh --mbedtls-dir` only prints where the patched mbedTLS tree is (the
# Makefile's MBEDTLS_DIR) and exits.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
deps_dir=${MIGTD_DEPS_DIR:-$repo/.deps}

MBEDTLS_VERSION=3.6.6
MBEDTLS_DEB_VERSION=3.6.6-0.1~deb13u1
MBEDTLS_ORIG=mbedtls_${MBEDTLS_VERSION}.orig.tar.bz2
MBEDTLS_ORIG_SHA256=8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a
MBEDTLS_PATCH=$repo/scripts/patches/mbedtls-${MBEDTLS_VERSION}-migtd.patch
MBEDTLS_PATCH_SHA256=f9260962d33cba1d82d9a3a3c08b60b3df4ddfffa827e7fc1ceee5d20e1ab130
QEMU_VERSION=10.0.13
QEMU_DEB_VERSION=1:10.0.13+ds-0+deb13u1
QEMU_ORIG=qemu_${QEMU_VERSION}+ds.orig.tar.xz
QEMU_ORIG_SHA256=6a0888e806c2ffc0c5f0733e974f9aea55491950d3c47c98669c8b236dde59ae
SOURCE_SUITE=trixie
SOURCE_KEYRING=/usr/share/keyrings/debian-archive-${SOURCE_SUITE}-stable.gpg
mb_name=mbedtls-$MBEDTLS_VERSION-migtd.${MBEDTLS_PATCH_SHA256:0:16}

if [ "${1:-}" = --mbedtls-dir ]; then
  case $deps_dir in
    "$repo"/*) echo "${deps_dir#"$repo"/}/$mb_name" ;;
    *) echo "$deps_dir/$mb_name" ;;
  esac
  exit 0
fi

PACKAGES=(
  build-essential binutils make pkg-config
  clang lld libclang-rt-14-dev
  libjsmn-dev libcmocka-dev
  openssl libssl-dev python3 python3-cryptography
  qemu-system-x86 socat iproute2 procps
  bzip2 xz-utils patch ca-certificates debian-archive-keyring
  valgrind
  clang-tidy clang-format cppcheck lcov
  help2man man-db systemd
)

die() { echo "deps.sh: error: $*" >&2; exit 1; }
say() { echo "deps.sh: $*"; }

# ---- 1. Debian packages ----------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  SUDO=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "packages missing (${missing[*]}) and not root; install them or run as root"
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || die "apt-get update failed (is a Debian mirror reachable?)"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
fi
for p in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || die "Debian package '$p' could not be installed"
done

# ---- 2./3. source packages -------------------------------------------------
mb_dir=$deps_dir/$mb_name
vu_dir=$deps_dir/libvhost-user-$QEMU_VERSION
mb_ok=; vu_ok=
[ -f "$mb_dir/.migtd-verified" ] && mb_ok=1
[ -f "$vu_dir/.migtd-verified" ] && [ -L "$deps_dir/libvhost-user" ] && vu_ok=1
if [ -n "$mb_ok" ] && [ -n "$vu_ok" ]; then
  exit 0
fi
mkdir -p "$deps_dir"
work=$(mktemp -d "$deps_dir/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The Debian mirror this machine already uses (deb822 or one-line format).
mirror=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
           | awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)
if [ -z "$mirror" ]; then
  mirror=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
             | awk '{for (i=2;i<=NF;i++) if ($i !~ /^\[/ && $i !~ /\]$/) {print $i; exit}}' \
             | grep -E '/debian/?$' | head -n 1 || true)
fi
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list*; cannot fetch source packages"
mirror=${mirror%/}
[ -f "$SOURCE_KEYRING" ] || die "missing $SOURCE_KEYRING (package debian-archive-keyring) to verify the $SOURCE_SUITE index"

mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
echo "deb-src [signed-by=$SOURCE_KEYRING] $mirror $SOURCE_SUITE main" > "$work/sources.list"
apt_opts=(
  -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache"
  -o APT::Sandbox::User=root -o Debug::NoLocking=1
)
index_ok=
if apt-get "${apt_opts[@]}" -qq update 2>"$work/apt.err"; then
  index_ok=1
else
  say "apt could not read the $SOURCE_SUITE index ($(tail -n 1 "$work/apt.err")); falling back to the pool"
fi

# fetch_orig PKG DEB_VERSION ORIG SHA256 POOL_DIR: the orig tarball into
# $work/src, through the signed index when it still lists the pinned version,
# else from the mirror's pool; either way checked against the pinned sha256.
fetch_orig() {
  local pkg=$1 ver=$2 orig=$3 sha=$4 pool=$5 got= url
  say "fetching $pkg $ver source package ($SOURCE_SUITE, signed index)"
  if [ -n "$index_ok" ] && (cd "$work/src" && apt-get "${apt_opts[@]}" -qq source --download-only \
        "$pkg=$ver" >/dev/null 2>>"$work/apt.err"); then
    got=apt
  else
    say "$pkg $ver not in the $SOURCE_SUITE index; falling back to the pool + pinned sha256"
  fi
  if [ -z "$got" ]; then
    url="$mirror/pool/main/$pool/$orig"
    if command -v curl >/dev/null; then
      curl -fsSL -o "$work/src/$orig" "$url" || die "could not download $orig"
    elif command -v wget >/dev/null; then
      wget -q -O "$work/src/$orig" "$url" || die "could not download $orig"
    else
      # apt's own transport helper needs no curl/wget.
      /usr/lib/apt/apt-helper download-file "$url" "$work/src/$orig" "SHA256:$sha" \
        >/dev/null || die "could not download $orig"
    fi
  fi
  echo "$sha  $work/src/$orig" | sha256sum -c --quiet - \
    || die "$orig does not match the pinned sha256"
}

if [ -z "$mb_ok" ]; then
  echo "$MBEDTLS_PATCH_SHA256  $MBEDTLS_PATCH" | sha256sum -c --quiet - \
    || die "$MBEDTLS_PATCH does not match the pinned sha256 (changed it? update MBEDTLS_PATCH_SHA256)"
  fetch_orig mbedtls "$MBEDTLS_DEB_VERSION" "$MBEDTLS_ORIG" "$MBEDTLS_ORIG_SHA256" m/mbedtls
  # Unpack into the work dir, patch, then move into place: a tree under
  # its final name is always complete and patched.
  mkdir -p "$work/mb"
  tar -xjf "$work/src/$MBEDTLS_ORIG" -C "$work/mb" || die "could not unpack $MBEDTLS_ORIG"
  [ -f "$work/mb/mbedtls-$MBEDTLS_VERSION/include/mbedtls/ssl.h" ] \
    || die "unpacked mbedtls has no include/mbedtls/ssl.h"
  patch -d "$work/mb/mbedtls-$MBEDTLS_VERSION" -p1 -s -N --no-backup-if-mismatch -r - \
    < "$MBEDTLS_PATCH" || die "$MBEDTLS_PATCH does not apply to mbedtls $MBEDTLS_VERSION"
  touch "$work/mb/mbedtls-$MBEDTLS_VERSION/.migtd-verified"
  rm -rf "$mb_dir"
  mv "$work/mb/mbedtls-$MBEDTLS_VERSION" "$mb_dir"
  rm -f "$work/src/$MBEDTLS_ORIG"
  say "mbedtls $MBEDTLS_VERSION (patched) ready in $mb_dir"
fi

if [ -z "$vu_ok" ]; then
  fetch_orig qemu "$QEMU_DEB_VERSION" "$QEMU_ORIG" "$QEMU_ORIG_SHA256" q/qemu
  # Only libvhost-user, the headers it includes (its include/ and
  # standard-headers/ are symlinks into QEMU's tree) and QEMU's licence.
  top=qemu-$QEMU_VERSION
  rm -rf "$vu_dir"
  mkdir -p "$vu_dir"
  tar -xJf "$work/src/$QEMU_ORIG" -C "$vu_dir" --strip-components=1 \
    "$top/COPYING" "$top/subprojects/libvhost-user/libvhost-user.c" \
    "$top/subprojects/libvhost-user/libvhost-user.h" \
    "$top/subprojects/libvhost-user/include" "$top/subprojects/libvhost-user/standard-headers" \
    "$top/include/qemu/atomic.h" "$top/include/qemu/compiler.h" \
    "$top/include/standard-headers/linux/types.h" \
    "$top/include/standard-headers/linux/virtio_config.h" \
    "$top/include/standard-headers/linux/virtio_ring.h" \
    "$top/include/standard-headers/linux/virtio_types.h" \
    || die "could not unpack libvhost-user from $QEMU_ORIG"
  [ -f "$vu_dir/subprojects/libvhost-user/standard-headers/linux/virtio_ring.h" ] \
    || die "unpacked libvhost-user misses its headers"
  grep -q 'GNU GPL, version 2 or' "$vu_dir/subprojects/libvhost-user/libvhost-user.c" \
    || die "libvhost-user's licence header changed: re-check docs/vhost-user.md"
  touch "$vu_dir/.migtd-verified"
  ln -sfn "libvhost-user-$QEMU_VERSION" "$deps_dir/libvhost-user"
  rm -f "$work/src/$QEMU_ORIG"
  say "libvhost-user (qemu $QEMU_VERSION) ready in $vu_dir"
fi
