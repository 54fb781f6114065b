#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
"""Independent check of a migtd-c firmware image against docs/protocol.md §9.2/§9.3.

usage: check_tdvf_image.py IMAGE

Locates the TDX metadata the way a measurement tool does (OVMF table footer
at image_size - 0x30, the TDX metadata offset entry; and the legacy u32 at
image_size - 0x20), then checks the descriptor, the sections and the empty
CFV. Written from docs/protocol.md, not from tools/migtd-mkimage. Prints the
sections and exits non-zero on the first violation.
"""
import struct
import sys
import uuid


def guid_bytes(s):
    return uuid.UUID(s).bytes_le


METADATA = guid_bytes("E9EAF9F3-168E-44D5-A8EB-7F4D8738F6AE")
FOOTER = guid_bytes("96B582DE-1FB2-45F7-BAEA-A366C55A082D")
TDX_OFFSET_ENTRY = guid_bytes("E47A6535-984A-4798-865E-4685A7BF8EC2")
FFS3 = guid_bytes("5473C07A-3DCB-4DCA-BD6F-1E9689E7349A")
TYPES = {0: "BFV", 1: "CFV", 2: "TD_HOB", 3: "TempMem", 4: "PermMem", 5: "Payload",
         6: "PayloadParam", 7: "TdInfo", 8: "TdParams"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def locate_metadata(img):
    n = len(img)
    if img[n - 0x30:n - 0x20] != FOOTER:
        fail("no OVMF table footer GUID at image_size - 0x30")
    (table_len,) = struct.unpack_from("<H", img, n - 0x32)
    start = n - 0x30 + 16 - table_len  # table ends with the footer GUID
    pos = n - 0x32  # just below the footer's length field
    found = None
    while pos > start:
        guid = img[pos - 16:pos]
        (elen,) = struct.unpack_from("<H", img, pos - 18)
        if elen < 18 or pos - elen < start:
            fail("bad OVMF table entry length %d" % elen)
        if guid == TDX_OFFSET_ENTRY:
            (value,) = struct.unpack_from("<I", img, pos - 22)
            found = n - value - 16
        pos -= elen
    if found is None:
        fail("no TDX metadata offset entry in the OVMF table")
    (legacy,) = struct.unpack_from("<I", img, n - 0x20)
    if legacy - 16 != found:
        fail("legacy descriptor offset %#x disagrees with the table (%#x)" % (legacy, found))
    return found


def main():
    img = open(sys.argv[1], "rb").read()
    n = len(img)
    if n % 0x10000:
        fail("image size %#x is not a 64 KiB multiple" % n)
    base = (1 << 32) - n
    off = locate_metadata(img)
    if img[off:off + 16] != METADATA:
        fail("metadata GUID not found at %#x" % off)
    sig, length, version, count = struct.unpack_from("<4sIII", img, off + 16)
    if sig != b"TDVF" or version != 1 or length != 16 + 32 * count:
        fail("descriptor %r len %d version %d count %d" % (sig, length, version, count))
    secs = []
    for i in range(count):
        d_off, raw, gpa, mem, typ, attr = struct.unpack_from("<IIQQII", img, off + 32 + 32 * i)
        secs.append((TYPES.get(typ, "?%d" % typ), d_off, raw, gpa, mem, attr))
        print("%-8s data %#08x raw %#08x gpa %#010x mem %#09x attr %d"
              % (TYPES.get(typ, "?"), d_off, raw, gpa, mem, attr))
        for v in (d_off, raw, gpa, mem):
            if v % 0x1000:
                fail("section %d not 4 KiB aligned" % i)
        if raw and d_off + raw > n:
            fail("section %d data beyond the image" % i)
        if typ in (0, 1, 5) and (gpa != base + d_off or mem != raw):
            fail("section %d: image section not mapped at base + offset" % i)
    names = [s[0] for s in secs]
    for want in ("BFV", "CFV", "TempMem", "PermMem", "Payload", "TdInfo"):
        if want not in names:
            fail("no %s section" % want)
    attrs = {s[0]: s[5] for s in secs}
    if attrs["BFV"] != 1 or attrs["Payload"] != 1 or attrs["CFV"] != 0 or attrs["PermMem"] != 2:
        fail("section attributes %r" % attrs)
    # Image sections must not overlap in GPA (each page is added once).
    spans = sorted((s[3], s[3] + s[4], s[0]) for s in secs if s[4])
    for a, b in zip(spans, spans[1:]):
        if a[1] > b[0]:
            fail("sections %s and %s overlap" % (a[2], b[2]))
    bfv = [s for s in secs if s[0] == "BFV"][0]
    if not (bfv[1] <= off and off + 16 + length <= bfv[1] + bfv[2]):
        fail("metadata is not inside the BFV")
    if bfv[1] + bfv[2] != n:
        fail("BFV does not end the image (reset vector)")

    # The empty CFV (docs/protocol.md §9.3).
    cfv = [s for s in secs if s[0] == "CFV"][0]
    fv = img[cfv[1]:cfv[1] + cfv[2]]
    if fv[0:16] != bytes(16) or fv[16:32] != FFS3 or fv[40:44] != b"_FVH":
        fail("CFV header: zero vector / FFS3 GUID / _FVH")
    fv_len, = struct.unpack_from("<Q", fv, 32)
    hdr_len, csum, ext_off, rsv, rev = struct.unpack_from("<HHHBB", fv, 48)
    if fv_len != 0xA0000 or fv_len != cfv[2] or rev != 2 or hdr_len != 0x78:
        fail("CFV fv_length %#x header_length %#x revision %d" % (fv_len, hdr_len, rev))
    if sum(struct.unpack_from("<28H", fv, 0)) & 0xFFFF:
        fail("CFV header checksum")
    nblocks, blen, t0, t1 = struct.unpack_from("<IIII", fv, 56)
    if nblocks * blen != fv_len or t0 or t1:
        fail("CFV block map")
    # No enrolled file: the first FFS header after header_length is invalid.
    h = bytearray(fv[hdr_len:hdr_len + 24])
    h[17] = 0
    h[23] = 0
    if sum(h) & 0xFF == 0:
        fail("an empty CFV must not start with a valid FFS header")

    # The reset vector: 0f 20 c0 (mov eax, cr0), a8 01 (test al, 1), 74 (jz).
    if img[n - 16:n - 9] != bytes([0x0f, 0x20, 0xc0, 0xa8, 0x01, 0x74, 0x05]):
        fail("reset vector bytes %s" % img[n - 16:n].hex())
    print("image ok: %d KiB, metadata at %#x, %d sections" % (n // 1024, off, count))


main()
