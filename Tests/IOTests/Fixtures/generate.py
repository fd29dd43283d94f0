#!/usr/bin/env python3
"""Writes the IOTests fixtures with numpy. Run once from this directory; the
outputs are committed and the tests never run Python. The values here are
repeated in IOTests' expectations."""
import io
import struct
import zipfile
import zlib

import numpy as np

SIX = {
    "f32": (np.float32, [-1.5, 0.0, 0.25, 3.0, 1024.5, -7.125]),
    "f64": (np.float64, [-1.5, 0.1, 1e300, -2.5, 0.0, 3.141592653589793]),
    "f16": (np.float16, [-1.5, 0.0, 0.25, 65504.0, 2.0**-14, 3.0]),
    "i64": (np.int64, [-(2**63), -1, 0, 1, 2**63 - 1, 42]),
    "i32": (np.int32, [-(2**31), -1, 0, 1, 2**31 - 1, 42]),
    "i16": (np.int16, [-(2**15), -1, 0, 1, 2**15 - 1, 42]),
    "i8": (np.int8, [-128, -1, 0, 1, 127, 42]),
    "u64": (np.uint64, [0, 1, 2**31, 2**32 - 1, 2**64 - 1, 42]),
    "u32": (np.uint32, [0, 1, 2**31, 2**32 - 1, 65536, 42]),
    "u16": (np.uint16, [0, 1, 255, 256, 65535, 42]),
    "u8": (np.uint8, [0, 1, 127, 128, 255, 42]),
    "bool": (np.bool_, [True, False, True, True, False, False]),
}

for name, (dtype, values) in SIX.items():
    np.save(f"dtype_{name}.npy", np.array(values, dtype=dtype).reshape(2, 3))

np.save("scalar_f32.npy", np.array(3.5, dtype=np.float32))
np.save("vector_i64.npy", np.arange(5, dtype=np.int64) * 10)
np.save("empty_f32.npy", np.zeros((2, 0, 3), dtype=np.float32))
np.save("empty_i32.npy", np.zeros((0,), dtype=np.int32))

np.save("fortran_i32.npy", np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4)))
np.save("fortran_f64.npy", np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3) * 1.5))

np.save("bigendian_f32.npy", (np.arange(6) * 0.5 - 1).astype(">f4").reshape(2, 3))
np.save("bigendian_f16.npy", np.array([1.0, -2.0, 0.5], dtype=">f2"))
np.save("bigendian_i64.npy", np.array([-(2**63), -2, 0, 2**40 + 7], dtype=">i8"))
np.save("bigendian_u16.npy", np.array([1, 256, 65535], dtype=">u2"))
np.save("bigendian_fortran_i16.npy", np.asfortranarray((np.arange(12) - 5).astype(">i2").reshape(3, 4)))

with open("v2_f32.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(6, dtype=np.float32).reshape(3, 2), version=(2, 0))
with open("v3_u8.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(4, dtype=np.uint8), version=(3, 0))

np.save("complex_c8.npy", np.zeros(3, dtype=np.complex64))

# A 1x3x224x224 float32 header with only 1000 bytes of data.
with open("truncated_image.npy", "wb") as f:
    image = np.zeros((1, 3, 224, 224), dtype=np.float32)
    buf = io.BytesIO()
    np.save(buf, image)
    raw = buf.getvalue()
    f.write(raw[: len(raw) - image.nbytes + 1000])

MEMBERS = dict(
    a=np.arange(6, dtype=np.float32).reshape(2, 3),
    b=np.array([1, 2, 3], dtype=np.int64),
    s=np.array(2.5, dtype=np.float64),
)
np.savez("savez.npz", **MEMBERS)
np.savez_compressed("savez_compressed.npz", **MEMBERS, big=np.arange(1000, dtype=np.int32) % 7)


class Unseekable(io.RawIOBase):
    """A write-only stream zipfile cannot seek in, so it writes data descriptors."""

    def __init__(self, f):
        self.f = f

    def writable(self):
        return True

    def write(self, b):
        return self.f.write(b)


with open("descriptors.npz", "wb") as f:
    np.savez_compressed(Unseekable(f), **MEMBERS)

buf = io.BytesIO()
np.save(buf, np.zeros(3, dtype=np.complex64))
with zipfile.ZipFile("bad_member.npz", "w") as z:
    ok = io.BytesIO()
    np.save(ok, np.array([7], dtype=np.int8))
    z.writestr(zipfile.ZipInfo("ok.npy"), ok.getvalue())
    z.writestr(zipfile.ZipInfo("c.npy"), buf.getvalue())


def zip64_archive(members):
    """A stored archive with ZIP64 sizes and offsets everywhere: saturated
    32-bit fields in local and central headers, and ZIP64 end records."""
    out = bytearray()
    central = bytearray()
    for name, data in members:
        name = name.encode()
        crc = zlib.crc32(data)
        offset = len(out)
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc,
                           0xFFFFFFFF, 0xFFFFFFFF, len(name), len(local_extra))
        out += name + local_extra + data
        central_extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc,
                               0xFFFFFFFF, 0xFFFFFFFF, len(name), len(central_extra), 0, 0, 0, 0,
                               0xFFFFFFFF)
        central += name + central_extra
    cd_offset = len(out)
    out += central
    record = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(members), len(members),
                       len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, record, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(out)


def npy(array):
    b = io.BytesIO()
    np.save(b, array)
    return b.getvalue()


with open("zip64.npz", "wb") as f:
    f.write(zip64_archive([("x.npy", npy(np.array([1.0, 2.0], dtype=np.float32))),
                           ("y.npy", npy(np.array([[5, 6]], dtype=np.uint16)))]))

# Every archive must load in numpy as intended.
for path in ["savez.npz", "savez_compressed.npz", "descriptors.npz", "zip64.npz"]:
    with np.load(path) as z:
        print(path, {k: (z[k].dtype.str, z[k].shape) for k in z.files})
