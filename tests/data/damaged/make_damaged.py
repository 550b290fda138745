#!/usr/bin/env python3
"""Writes the corpus of damaged files in this directory (run once; the files are committed).

    python3 tests/data/damaged/make_damaged.py build/dev/mblob

Each file breaks one rule of a container reader or of the blob parser; EXPECTED lists, per
file, a piece of the one error line `mblob verify` must print (exit 1, never a signal).
The intact starting points are a small ffi blob (hand-written here, layout in docs/format.md)
packed by `mblob pack --digest` for x86-64 (ELF64 LE), plus an ar archive of the two objects.
"""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = []  # (file, substring of the error line)


def u64(v):
    return struct.pack("<Q", v)


def string(s):
    return u64(len(s)) + s


def ffi_blob(payload):
    # Two modules: _lib (root) imports params.
    body = u64(3) + u64(0) + u64(1) + u64(1)  # row_ptr [0, 1, 1]
    body += u64(1) + u64(1)                   # child_indices [1]
    body += string(b"_lib")
    body += string(b"params") + string(payload)
    return u64(len(body)) + body


def legacy_unknown_kind_blob():
    # One entry of a kind mblob cannot walk, whose stream has no length prefix.
    body = u64(1) + string(b"mystery") + b"\x07\x00\x00\x00raw stream without a length"
    return u64(len(body)) + body


class Elf64:
    """Just enough of ELF64 LE to find the sections and symbols of mblob's own objects."""

    def __init__(self, data):
        self.data = bytearray(data)
        (self.shoff,) = struct.unpack_from("<Q", data, 0x28)
        (self.shnum,) = struct.unpack_from("<H", data, 0x3C)

    def section(self, i):
        off = self.shoff + 64 * i
        name, typ, flags, addr, offset, size = struct.unpack_from("<IIQQQQ", self.data, off)
        return off, typ, offset, size

    def symbols(self):
        for i in range(self.shnum):
            off, typ, offset, size = self.section(i)
            if typ != 2:  # SHT_SYMTAB
                continue
            (link,) = struct.unpack_from("<I", self.data, off + 40)
            _, _, stroff, _ = self.section(link)
            for s in range(offset, offset + size, 24):
                name, info, other, shndx, value, sz = struct.unpack_from("<IBBHQQ", self.data, s)
                end = self.data.index(b"\0", stroff + name)
                yield bytes(self.data[stroff + name:end]).decode(), s, shndx, value, sz

    def symbol(self, wanted):
        for name, s, shndx, value, size in self.symbols():
            if name == wanted:
                return s, shndx, value, size
        raise KeyError(wanted)

    def blob_offset(self, name):
        s, shndx, value, size = self.symbol(name)
        _, _, offset, _ = self.section(shndx)
        return offset + value


def write(name, data, expect):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    EXPECTED.append((name, expect))


def ar_archive(members):
    out = b"!<arch>\n"
    for name, data in members:
        out += (name + "/").ljust(16).encode() + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6)
        out += b"644".ljust(8) + str(len(data)).ljust(10).encode() + b"`\n" + data
        if len(data) % 2:
            out += b"\n"
    return out


def main():
    mblob = sys.argv[1]
    sym = "__tvm_ffi__library_bin"
    with tempfile.TemporaryDirectory() as tmp:
        blob_path = os.path.join(tmp, "blob.bin")
        with open(blob_path, "wb") as f:
            f.write(ffi_blob(bytes(range(64)) * 2))
        obj_path = os.path.join(tmp, "good.o")
        subprocess.run([mblob, "pack", blob_path, "-o", obj_path, "--symbol", sym,
                        "--target", "x86_64-linux-gnu", "--digest", "-q"], check=True)
        good = open(obj_path, "rb").read()
        digest = open(os.path.join(tmp, "good.digest.o"), "rb").read()
        legacy_path = os.path.join(tmp, "legacy.bin")
        with open(legacy_path, "wb") as f:
            f.write(legacy_unknown_kind_blob())
        subprocess.run([mblob, "pack", legacy_path, "-o", os.path.join(tmp, "legacy.o"),
                        "--symbol", "__tvm_dev_mblob", "--target", "x86_64-linux-gnu", "-q"],
                       check=True)
        legacy = open(os.path.join(tmp, "legacy.o"), "rb").read()

    elf = Elf64(good)
    blob_at = elf.blob_offset(sym)

    def patched(at, fmt, value, base=good):
        data = bytearray(base)
        struct.pack_into(fmt, data, at, value)
        return bytes(data)

    # Not a container mblob reads.
    write("empty.bin", b"", "unknown magic")
    write("unknown_magic.bin", b"MBLOB? not a library\n", "unknown magic")
    # Mach-O container rules: load commands (sizeofcmds) past the end of the file.
    write("macho.bin", struct.pack("<8I", 0xfeedfacf, 0x0100000c, 0, 1, 1, 4096, 0x2000, 0)
          + bytes(32), "sizeofcmds 4096")
    # ELF container rules.
    write("truncated_header.o", good[:40], "expected ELF64 file header")
    write("truncated_half.o", good[:len(good) // 2], "past the end of the file")
    write("shoff_past_end.o", patched(0x28, "<Q", 1 << 40), "e_shoff")
    write("shentsize_wrong.o", patched(0x3A, "<H", 12), "e_shentsize is 12")
    s, shndx, value, size = elf.symbol(sym)
    write("symbol_past_end.o", patched(s + 16, "<Q", 1 << 40), "runs past the end of its section")
    write("symbol_bad_section.o", patched(s + 6, "<H", 0xFEF0), "is in section 65264")
    sec_off, _, _, _ = elf.section(shndx)
    write("nobits_blob.o", patched(sec_off + 4, "<I", 8), "SHT_NOBITS")
    # Blob rules (docs/format.md, "What mblob's reader refuses").
    write("blob_nbytes_too_big.o", patched(blob_at, "<Q", 1 << 40), "blob header claims")
    write("row_ptr_not_zero.o", patched(blob_at + 16, "<Q", 1), "row_ptr[0] is 1")
    write("child_index_not_after_parent.o", patched(blob_at + 48, "<Q", 0), "a child must come after its parent")
    kind_at = blob_at + 56  # the length of the first kind ("_lib")
    write("kind_length_too_big.o", patched(kind_at, "<Q", 1 << 50), "module kind claims")
    payload_len_at = kind_at + 8 + 4 + 8 + 6
    write("payload_length_too_big.o", patched(payload_len_at, "<Q", 1 << 50), "module payload claims")
    write("legacy_unknown_kind.o", legacy, "mystery")
    # The integrity digest: one payload byte flipped; a digest of the wrong size.
    flipped = bytearray(good)
    flipped[payload_len_at + 8 + 5] ^= 0x01
    write("payload_byte_flipped.a", ar_archive([("good.o", bytes(flipped)), ("good.digest.o", digest)]),
          "digest mismatch")
    delf = Elf64(digest)
    ds, _, _, _ = delf.symbol("__mblob_digest")
    write("digest_wrong_size.a",
          ar_archive([("good.o", good), ("good.digest.o", patched(ds + 16, "<Q", 8, digest))]),
          "has 8 bytes, not 16")
    # ar container rules.
    write("thin_archive.a", b"!<thin>\n" + ar_archive([("good.o", good)])[8:], "thin archive")
    bad_size = bytearray(ar_archive([("good.o", good)]))
    bad_size[8 + 48:8 + 58] = b"12x4      "
    write("ar_size_not_decimal.a", bytes(bad_size), "is not a decimal number")
    past = bytearray(ar_archive([("good.o", good)]))
    past[8 + 48:8 + 58] = b"9999999   "
    write("ar_member_past_end.a", bytes(past), "runs past the end of the file")
    write("no_blob.o", digest, "no blob symbol")

    with open(os.path.join(HERE, "EXPECTED"), "w") as f:
        f.write("# file<TAB>a piece of the one error line `mblob verify FILE` prints (exit 1)\n")
        for name, expect in EXPECTED:
            f.write(f"{name}\t{expect}\n")


if __name__ == "__main__":
    main()
