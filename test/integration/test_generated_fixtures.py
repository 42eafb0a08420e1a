"""The C reader against the project's own fixture matrix.

scripts/make_fixtures.py writes stores in every codec, dtype, fill-value form,
key style and Zarr format the reader must support, with a manifest of the
values it wrote.  Every array of every store is dumped by build/tools/zarr_dump
(the zarr layer's public API) and must equal the manifest exactly: integers
and strings as written, floats bit for bit (the manifest gives non-finite
floats as IEEE bit patterns).
"""
import json
import math
import os
import struct
import subprocess

import pytest

TOOLS = os.environ.get("BIOFUSE_TOOLS", "build/tools")

# codecs the reader refuses on purpose (not in the supported list): the array
# must fail with a message naming the codec, never decode to something else
REFUSED = {"lzma"}

# canonical bit patterns zarr_dump prints by name
NAMED = {
    2: {"NaN": 0x7E00, "Infinity": 0x7C00, "-Infinity": 0xFC00},
    4: {"NaN": 0x7FC00000, "Infinity": 0x7F800000, "-Infinity": 0xFF800000},
    8: {"NaN": 0x7FF8000000000000, "Infinity": 0x7FF0000000000000,
        "-Infinity": 0xFFF0000000000000},
}
FMT = {2: "<e", 4: "<f", 8: "<d"}
IFMT = {2: "<H", 4: "<I", 8: "<Q"}


def float_bits(v, size):
    """Bit pattern of a value as zarr_dump or the manifest spell it."""
    if isinstance(v, str):
        if v in NAMED[size]:
            return NAMED[size][v]
        return int(v, 16)
    return struct.unpack(IFMT[size], struct.pack(FMT[size], float(v)))[0]


def float_size(dtype):
    for size, names in ((2, ("f2", "float16")), (4, ("f4", "float32")), (8, ("f8", "float64"))):
        if any(dtype.endswith(n) for n in names):
            return size
    return None


@pytest.fixture(scope="session")
def manifest(generated_fixtures):
    with open(os.path.join(generated_fixtures, "manifest.json")) as f:
        return json.load(f)


def test_every_generated_array_reads_back_exactly(manifest, generated_fixtures):
    dump = os.path.join(TOOLS, "zarr_dump")
    if not os.access(dump, os.X_OK):
        pytest.skip("build/tools/zarr_dump is not built")
    checked = 0
    failures = []
    for st in manifest["stores"]:
        path = os.path.join(generated_fixtures, st["path"])
        for name, arr in st["arrays"].items():
            r = subprocess.run([dump, path, name], capture_output=True, text=True)
            if name in REFUSED:
                if r.returncode != 1 or "codec '%s' is not supported" % name not in r.stderr:
                    failures.append("%s/%s: expected a clear refusal, got exit %d: %s" % (
                        st["name"], name, r.returncode, r.stderr.strip()))
                checked += 1
                continue
            if r.returncode != 0:
                failures.append("%s/%s: exit %d: %s" % (st["name"], name, r.returncode,
                                                          r.stderr.strip()))
                continue
            got = json.loads(r.stdout)
            want = arr["values"]
            if got["shape"] != arr["shape"]:
                failures.append("%s/%s: shape %s != %s" % (st["name"], name, got["shape"],
                                                            arr["shape"]))
                continue
            size = float_size(str(arr["dtype"]))
            vals = got["values"]
            if len(vals) != len(want):
                failures.append("%s/%s: %d values, expected %d" % (st["name"], name,
                                                                    len(vals), len(want)))
                continue
            for i, (g, w) in enumerate(zip(vals, want)):
                if size:
                    ok = float_bits(g, size) == float_bits(w, size)
                else:
                    ok = g == w
                if not ok:
                    failures.append("%s/%s[%d]: got %r, expected %r" % (st["name"], name, i,
                                                                          g, w))
                    break
            checked += 1
    assert not failures, "\n".join(failures[:20])
    assert checked >= 300  # the matrix has ~350 arrays; make sure it was all read
