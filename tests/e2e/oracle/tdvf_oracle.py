#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
"""Independent oracle for the MigTD image measurements (docs/protocol.md §9.2-§9.6).

Written from the text of docs/protocol.md only (hashlib, struct; no code shared with
migtd-c), to check build/bin/migtd-hash and migtd-image:

  tdvf_oracle.py gen OUT [--layout small|upstream] [--legacy]
                 [--file GUID=PATH ...] [--seed N]
      a synthetic flat TDVF image: metadata + sections with known bytes, the
      OVMF table footer (or the legacy u32 pointer), a CFV holding the files.
  tdvf_oracle.py hash IMAGE MANIFEST [--test] [--v2] [--attr N] [--servtd]
      print SERVTD_INFO_HASH (or SERVTD_HASH) in hex, like migtd-hash.
  tdvf_oracle.py files IMAGE
      list GUID, length, sha384 of every file in the CFV.
"""
import hashlib
import json
import os
import struct
import sys
import uuid

H = lambda b: hashlib.sha384(b).digest()

META_GUID = uuid.UUID("E9EAF9F3-168E-44D5-A8EB-7F4D8738F6AE").bytes_le
FOOTER_GUID = uuid.UUID("96B582DE-1FB2-45F7-BAEA-A366C55A082D").bytes_le
TDX_ENTRY_GUID = uuid.UUID("E47A6535-984A-4798-865E-4685A7BF8EC2").bytes_le
FS3_GUID = uuid.UUID("5473C07A-3DCB-4DCA-BD6F-1E9689E7349A").bytes_le
POLICY = uuid.UUID("0BE92DC3-6221-4C98-87C1-8EEFFD70DE5A").bytes_le
ROOT_CA = uuid.UUID("CA437832-4C51-4322-B13D-A21BD0C8FFF6").bytes_le
CHAIN = uuid.UUID("3F2FB27A-9596-431C-A68D-D3EAB39F8AEB").bytes_le
TYPES = {"BFV": 0, "CFV": 1, "TD_HOB": 2, "TempMem": 3, "PermMem": 4, "Payload": 5,
         "PayloadParam": 6, "TdInfo": 7, "TdParams": 8}


def die(msg):
    sys.stderr.write("oracle: %s\n" % msg)
    sys.exit(1)


# ---------------------------------------------------------------- metadata

def locate(img):
    """Metadata GUID offset (docs/protocol.md §9.2)."""
    n = len(img)
    if img[n - 0x30:n - 0x20] == FOOTER_GUID:
        table_len = struct.unpack_from("<H", img, n - 0x32)[0]
        pos = n - 0x32          # end of the entry just before the footer
        left = table_len - 18   # the footer entry is u16 len + GUID
        while left > 0:
            guid = img[pos - 16:pos]
            elen = struct.unpack_from("<H", img, pos - 18)[0]
            if elen < 18 or elen > left:
                die("bad OVMF table entry")
            if guid == TDX_ENTRY_GUID:
                value = struct.unpack_from("<I", img, pos - 22)[0]
                return n - value - 16
            pos -= elen
            left -= elen
        die("no TDX metadata entry")
    return struct.unpack_from("<I", img, n - 0x20)[0] - 16


def sections(img):
    off = locate(img)
    if img[off:off + 16] != META_GUID:
        die("no metadata GUID")
    sig, length, version, count = struct.unpack_from("<4sIII", img, off + 16)
    if sig != b"TDVF" or version != 1 or length != 16 + 32 * count:
        die("bad descriptor")
    out = []
    for i in range(count):
        out.append(struct.unpack_from("<IIQQII", img, off + 32 + 32 * i))
    return out


def mrtd(img):
    """The §9.6 pseudo-code, literally."""
    h = hashlib.sha384()
    for data_offset, raw_size, gpa0, mem_size, typ, attr in sections(img):
        data = img[data_offset:data_offset + raw_size]
        if len(data) != raw_size:
            die("section outside the image")
        data = data + bytes(mem_size - raw_size) if mem_size > raw_size else data
        for k in range(mem_size // 4096):
            gpa = gpa0 + k * 4096
            page = data[k * 4096:(k + 1) * 4096]
            if not attr & 2:
                h.update(b"MEM.PAGE.ADD".ljust(16, b"\0") + struct.pack("<Q", gpa) + bytes(104))
            if attr & 1:
                for c in range(16):
                    h.update(b"MR.EXTEND".ljust(16, b"\0") + struct.pack("<Q", gpa + 256 * c)
                             + bytes(104))
                    h.update(page[256 * c:256 * c + 256])
    return h.digest()


# ---------------------------------------------------------------- CFV

def cfv_region(img):
    for data_offset, raw_size, gpa, mem_size, typ, attr in sections(img):
        if typ == 1:
            return img[data_offset:data_offset + raw_size]
    die("no CFV section")


def cfv_files(cfv):
    """(name, type, data) of every file, as docs/protocol.md §9.3 describes the walk."""
    if len(cfv) < 56:
        die("CFV too short")
    if cfv[0:16] != bytes(16) or cfv[0x28:0x2C] != b"_FVH" or cfv[0x37] != 2:
        die("bad FV header")
    if struct.unpack_from("<Q", cfv, 0x20)[0] != len(cfv):
        die("bad fv_length")
    if sum(struct.unpack_from("<28H", cfv, 0)) & 0xFFFF != 0:
        die("bad FV header checksum")
    pos = struct.unpack_from("<H", cfv, 0x30)[0]
    files = []
    while pos + 24 <= len(cfv):
        hdr = cfv[pos:pos + 24]
        size = hdr[20] | hdr[21] << 8 | hdr[22] << 16
        if size < 24 or size > len(cfv) - pos:
            break
        if (sum(hdr) - hdr[17] - hdr[23]) & 0xFF != 0:
            break
        files.append((hdr[0:16], hdr[18], cfv[pos + 24:pos + size]))
        pos += (size + 7) & ~7
    return files


def build_cfv(size, files):
    """A CFV with the given (guid, data) RAW files, laid out as §9.3 says."""
    fvh = bytearray(56)
    fvh[16:32] = FS3_GUID
    struct.pack_into("<Q4sIHHHBB", fvh, 0x20, size, b"_FVH", 0x0004F6FF, 0x78, 0, 0x60, 0, 2)
    struct.pack_into("<H", fvh, 0x32, (-sum(struct.unpack_from("<28H", fvh, 0))) & 0xFFFF)
    out = bytearray(fvh)
    out += struct.pack("<IIII", size // 4096, 4096, 0, 0)
    out += bytes(16) + bytes([0, 0, 0xF0, 0, 0x2C, 0, 0, 7])   # pad file header
    out += bytes(16) + struct.pack("<I", 0x14) + bytes(4)      # ext header + pad
    assert len(out) == 0x78
    for guid, data in files:
        fsize = 24 + len(data)
        hdr = bytearray(guid + bytes([0, 0xAA, 0x01, 0]) + fsize.to_bytes(3, "little") + b"\x07")
        hdr[16] = (-(sum(hdr) - hdr[17] - hdr[23])) & 0xFF
        out += hdr + data + bytes((8 - fsize % 8) % 8)
    if len(out) > size:
        die("files do not fit the CFV")
    return bytes(out) + bytes(size - len(out))


# ---------------------------------------------------------------- measurements

def rtmrs(cfv, test, v2):
    ext = lambda reg, data: H(reg + H(data))
    files = {name: data for name, typ, data in reversed(cfv_files(cfv)) if typ == 1}
    r = [bytes(48)] * 4
    r[0] = ext(r[0], b"\0\0\0\0")
    r[1] = ext(r[1], b"\0\0\0\0")
    if v2:
        r[1] = ext(r[1], files[CHAIN])
    if test:
        r[2] = ext(r[2], b"test_disable_ra_and_accept_all")
    else:
        r[2] = ext(r[2], files[POLICY])
        if not v2:
            r[2] = ext(r[2], files[ROOT_CA])
    return r


def servtd_info_hash(img, manifest, test, v2, attr):
    m = json.load(open(manifest))
    fields = [bytes.fromhex(m["attributes"]), bytes.fromhex(m["xfam"]), mrtd(img),
              bytes.fromhex(m["mrconfigid"]), bytes.fromhex(m["mrowner"]),
              bytes.fromhex(m["mrownerconfig"])] + rtmrs(cfv_region(img), test, v2)
    for bit in range(10):       # SERVTD_ATTR bits 32..41 zero one field each
        if attr >> (32 + bit) & 1:
            fields[bit] = bytes(len(fields[bit]))
    tdinfo = b"".join(fields) + bytes(112)
    assert len(tdinfo) == 512
    return H(tdinfo)


# ---------------------------------------------------------------- generator

def pattern(seed, n):
    out = bytearray()
    ctr = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, ctr)).digest()
        ctr += 1
    return bytes(out[:n])


def gen(path, layout, legacy, files, seed):
    if layout == "upstream":
        size = 0x1000000
        vec = os.environ.get("MIGTD_VECTORS", "../shared/vectors")
        meta = json.load(open(vec + "/upstream/config/metadata.json"))
        secs = [(int(s["DataOffset"], 16), int(s["RawDataSize"], 16),
                 int(s["MemoryAddress"], 16), int(s["MemoryDataSize"], 16),
                 TYPES[s["Type"]], int(s["Attributes"], 16)) for s in meta["Sections"]]
        meta_off = 0xFA7000        # the metadata page next to TdInfo
        cfv_size = 0xA0000
    else:
        size = 0x80000
        base = 0x100000000 - size
        cfv_size = 0x40000
        secs = [
            (0x70000, 0x10000, base + 0x70000, 0x10000, 0, 1),  # BFV, metadata inside
            (0x70000, 0x1000, 0, 0, 7, 0),                      # TdInfo
            (0x40000, 0x1F80, base + 0x40000, 0x3000, 5, 1),    # Payload, partial raw
            (0, cfv_size, base, cfv_size, 1, 0),                # CFV, PAGE.ADD only
            (0, 0, base + 0x50000, 0x2000, 3, 0),               # TempMem
            (0, 0, 0, 0x100000, 4, 2),                          # PermMem, PAGE_AUG
        ]
        meta_off = 0x71000
    img = bytearray(pattern(seed, size))
    img[0:cfv_size] = build_cfv(cfv_size, files)
    desc = META_GUID + struct.pack("<4sIII", b"TDVF", 16 + 32 * len(secs), 1, len(secs))
    for s in secs:
        desc += struct.pack("<IIQQII", *s)
    img[meta_off:meta_off + len(desc)] = desc
    if legacy:
        struct.pack_into("<I", img, size - 0x20, meta_off + 16)
        img[size - 0x30:size - 0x20] = bytes(16)   # surely not the footer GUID
    else:
        # Table entries (data || u16 len || GUID) end at size - 0x32; walking
        # backwards from the footer the first is a foreign entry, then TDX's.
        other = b"\x11\x22\x33" + struct.pack("<H", 3 + 18) + bytes(range(16))
        tdx = struct.pack("<I", size - (meta_off + 16)) + struct.pack("<H", 4 + 18) \
            + TDX_ENTRY_GUID
        table = tdx + other
        footer = struct.pack("<H", len(table) + 18) + FOOTER_GUID
        img[size - 0x32 - len(table):size - 0x20] = table + footer
    open(path, "wb").write(img)


def main():
    a = sys.argv[1:]
    if not a:
        die(__doc__)
    cmd, rest = a[0], a[1:]
    if cmd == "gen":
        out, layout, legacy, files, seed = rest[0], "small", False, [], 1
        i = 1
        while i < len(rest):
            if rest[i] == "--layout":
                layout = rest[i + 1]; i += 2
            elif rest[i] == "--legacy":
                legacy = True; i += 1
            elif rest[i] == "--seed":
                seed = int(rest[i + 1]); i += 2
            elif rest[i] == "--file":
                g, p = rest[i + 1].split("=", 1)
                files.append((uuid.UUID(g).bytes_le, open(p, "rb").read())); i += 2
            else:
                die("unknown option " + rest[i])
        gen(out, layout, legacy, files, seed)
    elif cmd == "hash":
        img = open(rest[0], "rb").read()
        test, v2, attr, servtd = "--test" in rest, "--v2" in rest, 0, "--servtd" in rest
        if "--attr" in rest:
            attr = int(rest[rest.index("--attr") + 1], 0)
        h = servtd_info_hash(img, rest[1], test, v2, attr)
        if servtd:
            h = H(h + struct.pack("<HQ", 0, attr))
        print(h.hex())
    elif cmd == "mrtd":
        print(mrtd(open(rest[0], "rb").read()).hex())
    elif cmd == "files":
        for name, typ, data in cfv_files(cfv_region(open(rest[0], "rb").read())):
            print(str(uuid.UUID(bytes_le=bytes(name))).upper(), typ, len(data), H(data).hex())
    else:
        die("unknown command " + cmd)


if __name__ == "__main__":
    main()
