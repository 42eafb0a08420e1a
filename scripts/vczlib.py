"""Shared helpers for the fixture generators: a hand-written Zarr v2/v3 writer
(bio2zarr layout: fill_value null, no chunk equal to the default written, full-size
padded edge chunks), an independent reader used to verify what was written, CRC32C,
zip packing and the JSON value conventions of the fixture manifest.

Runs with Debian's /usr/bin/python3 (numpy, numcodecs 0.11, zarr 2.13).
"""

import base64
import json
import math
import os
import struct
import zipfile

import numcodecs
import numpy as np

# ---------------------------------------------------------------------------
# CRC32C (Castagnoli), table driven; fine for fixture-sized buffers.

_CRC32C_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C_TABLE.append(_c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in bytes(data):
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# ---------------------------------------------------------------------------
# dtype helpers

def smallest_int_dtype(min_value, max_value, minimum=np.int8):
    """Smallest signed integer dtype holding [min_value, max_value] (bio2zarr style)."""
    for dt in (np.int8, np.int16, np.int32, np.int64):
        if np.dtype(dt).itemsize < np.dtype(minimum).itemsize:
            continue
        info = np.iinfo(dt)
        if info.min <= min_value and max_value <= info.max:
            return np.dtype(dt)
    raise ValueError("value out of int64 range")


def default_value(dtype):
    """The value zarr-python 3 uses for fill_value null: 0 / false / "" / 0.0."""
    dtype = np.dtype(dtype)
    if dtype.kind == "O":
        return ""
    if dtype.kind == "b":
        return False
    if dtype.kind == "U":
        return ""
    if dtype.kind == "S":
        return b""
    return dtype.type(0)


def full(shape, value, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "O":
        out = np.empty(shape, dtype=object)
        out[...] = value
        return out
    return np.full(shape, value, dtype=dtype)


def float_bits_hex(x, dtype):
    dtype = np.dtype(dtype)
    width = dtype.itemsize
    u = np.array([x], dtype=dtype.newbyteorder("=")).view("u%d" % width)[0]
    return "0x%0*x" % (2 * width, int(u))


def _fill_to_json_v2(fill, dtype):
    """JSON form of a v2 fill_value given as a Python/numpy value (None = null)."""
    dtype = np.dtype(dtype)
    if fill is None:
        return None
    if dtype.kind == "f":
        f = float(fill)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "Infinity" if f > 0 else "-Infinity"
        return f
    if dtype.kind == "b":
        return bool(fill)
    if dtype.kind in "iu":
        return int(fill)
    if dtype.kind == "S":
        return base64.standard_b64encode(bytes(fill)).decode("ascii")
    return fill  # strings (|O, <U)


def _fill_to_json_v3(fill, dtype, data_type):
    dtype = np.dtype(dtype)
    if fill is None:
        fill = default_value(dtype)
    if dtype.kind == "f":
        if isinstance(fill, str):  # caller asked for an exact spelling (hex / NaN)
            return fill
        f = float(fill)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "Infinity" if f > 0 else "-Infinity"
        return f
    if dtype.kind == "b":
        return bool(fill)
    if dtype.kind in "iu":
        return int(fill)
    if dtype.kind == "S":
        return list(bytes(fill).ljust(dtype.itemsize, b"\0"))
    return fill


def _fill_value_numeric(fill, dtype):
    """Python fill (may be a v3 hex string) -> numpy scalar/obj used for padding."""
    dtype = np.dtype(dtype)
    if fill is None:
        return default_value(dtype)
    if isinstance(fill, str) and dtype.kind == "f":
        if fill.startswith("0x"):
            u = int(fill, 16)
            return np.array([u], dtype="u%d" % dtype.itemsize).view(
                dtype.newbyteorder("="))[0]
        return dtype.type({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}.get(fill, fill))
    if dtype.kind == "O":
        return fill
    return np.array(fill, dtype=dtype)[()]


V3_DATA_TYPES = {
    "b1": "bool", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
    "u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64",
    "f2": "float16", "f4": "float32", "f8": "float64",
}


def v3_data_type(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "O":
        return "string"
    if dtype.kind == "U":
        return {"name": "fixed_length_utf32",
                "configuration": {"length_bytes": dtype.itemsize}}
    if dtype.kind == "S":
        return {"name": "null_terminated_bytes",
                "configuration": {"length_bytes": dtype.itemsize}}
    return V3_DATA_TYPES[dtype.kind + str(dtype.itemsize)]


def dtype_from_v3(data_type):
    if isinstance(data_type, dict):
        n = data_type["configuration"]["length_bytes"]
        if data_type["name"] == "fixed_length_utf32":
            return np.dtype("<U%d" % (n // 4))
        return np.dtype("S%d" % n)
    if data_type == "string":
        return np.dtype(object)
    for k, v in V3_DATA_TYPES.items():
        if v == data_type:
            return np.dtype(k)
    raise ValueError("unknown data_type %r" % data_type)


# ---------------------------------------------------------------------------
# Codec specifications.  A "compressor" is a numcodecs config dict (v2 form);
# v3 pipelines are derived from it unless explicit v3 codecs are passed.

def blosc(cname="zstd", clevel=7, shuffle=1):
    return {"id": "blosc", "cname": cname, "clevel": clevel, "shuffle": shuffle,
            "blocksize": 0}


COMPRESSOR_CHOICES = {
    "blosc-zstd": blosc("zstd"), "blosc-lz4": blosc("lz4", 5), "blosc-lz4hc": blosc("lz4hc"),
    "blosc-zlib": blosc("zlib"), "blosc-blosclz": blosc("blosclz"),
    "zstd": {"id": "zstd", "level": 3},
    "zlib": {"id": "zlib", "level": 5},
    "gzip": {"id": "gzip", "level": 5},
    "none": None,
}

_SHUFFLE_NAMES = {0: "noshuffle", 1: "shuffle", 2: "bitshuffle"}


def v3_codecs_for(dtype, compressor):
    """bio2zarr-like v3 pipeline: [bytes|vlen-utf8, <compressor>]."""
    dtype = np.dtype(dtype)
    if dtype.kind == "O":
        codecs = [{"name": "vlen-utf8", "configuration": {}}]
        typesize = 1
    else:
        if dtype.itemsize == 1 or dtype.kind == "S":
            codecs = [{"name": "bytes"}]
        else:
            codecs = [{"name": "bytes", "configuration": {
                "endian": "big" if dtype.byteorder == ">" else "little"}}]
        typesize = dtype.itemsize if dtype.kind != "U" else 4
    if compressor is None:
        return codecs
    cid = compressor["id"]
    if cid == "blosc":
        codecs.append({"name": "blosc", "configuration": {
            "typesize": typesize, "cname": compressor["cname"],
            "clevel": compressor["clevel"],
            "shuffle": _SHUFFLE_NAMES[compressor["shuffle"]], "blocksize": 0}})
    elif cid == "zstd":
        codecs.append({"name": "zstd", "configuration": {
            "level": compressor.get("level", 0), "checksum": compressor.get("checksum", False)}})
    elif cid == "gzip":
        codecs.append({"name": "gzip", "configuration": {"level": compressor.get("level", 5)}})
    else:
        raise ValueError("compressor %r has no Zarr v3 form" % cid)
    return codecs


def _blosc_bytes(data, conf, decode=False):
    shuffle = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}[conf.get("shuffle", "noshuffle")]
    codec = numcodecs.Blosc(cname=conf.get("cname", "zstd"), clevel=conf.get("clevel", 5),
                            shuffle=shuffle, blocksize=conf.get("blocksize", 0))
    if decode:
        return bytes(codec.decode(data))
    ts = conf.get("typesize", 1)
    buf = np.frombuffer(bytes(data), dtype="u%d" % ts if ts in (1, 2, 4, 8) else "u1")
    return bytes(codec.encode(buf))


def _v3_encode_chunk(chunk, codecs):
    """Encode a full-size chunk ndarray through a v3 codec list; returns bytes."""
    x = chunk
    data = None
    for c in codecs:
        name = c["name"]
        conf = c.get("configuration", {})
        if name == "transpose":
            x = np.ascontiguousarray(np.transpose(x, conf["order"]))
        elif name == "bytes":
            if x.dtype.kind in "SU":
                data = np.ascontiguousarray(x).tobytes()
                if x.dtype.kind == "U":
                    endian = conf.get("endian", "little")
                    data = np.ascontiguousarray(x.astype(x.dtype.newbyteorder(
                        "<" if endian == "little" else ">"))).tobytes()
            else:
                endian = conf.get("endian", "little")
                dt = x.dtype.newbyteorder("<" if endian == "little" else ">")
                if x.dtype.itemsize == 1:
                    dt = x.dtype
                data = np.ascontiguousarray(x, dtype=dt).tobytes()
        elif name == "vlen-utf8":
            data = bytes(numcodecs.VLenUTF8().encode(np.ascontiguousarray(x).ravel()))
        elif name == "blosc":
            data = _blosc_bytes(data, conf)
        elif name == "zstd":
            data = bytes(numcodecs.Zstd(level=conf.get("level", 0)).encode(data))
        elif name == "gzip":
            data = bytes(numcodecs.GZip(level=conf.get("level", 5)).encode(data))
        elif name == "crc32c":
            data = data + struct.pack("<I", crc32c(data))
        else:
            raise ValueError("unsupported v3 codec %r" % name)
    return data


def _v3_decode_chunk(data, codecs, dtype, chunk_shape):
    # split into array->array, array->bytes, bytes->bytes
    idx = next(i for i, c in enumerate(codecs) if c["name"] in ("bytes", "vlen-utf8"))
    a2a, a2b, b2b = codecs[:idx], codecs[idx], codecs[idx + 1:]
    for c in reversed(b2b):
        name, conf = c["name"], c.get("configuration", {})
        if name == "blosc":
            data = _blosc_bytes(data, conf, decode=True)
        elif name == "zstd":
            data = bytes(numcodecs.Zstd().decode(data))
        elif name == "gzip":
            data = bytes(numcodecs.GZip().decode(data))
        elif name == "crc32c":
            body, tail = data[:-4], data[-4:]
            if struct.unpack("<I", tail)[0] != crc32c(body):
                raise ValueError("crc32c mismatch")
            data = body
        else:
            raise ValueError("unsupported v3 codec %r" % name)
    # shape of the array as seen after array->array codecs
    shape = list(chunk_shape)
    for c in a2a:
        shape = [shape[i] for i in c["configuration"]["order"]]
    if a2b["name"] == "vlen-utf8":
        x = numcodecs.VLenUTF8().decode(data).reshape(shape)
    else:
        endian = a2b.get("configuration", {}).get("endian", "little")
        dt = dtype.newbyteorder("<" if endian == "little" else ">") if dtype.itemsize > 1 \
            or dtype.kind == "U" else dtype
        x = np.frombuffer(data, dtype=dt).reshape(shape).astype(dtype)
    for c in reversed(a2a):
        order = c["configuration"]["order"]
        inv = np.argsort(order)
        x = np.transpose(x, inv)
    return np.ascontiguousarray(x)


# ---------------------------------------------------------------------------
# Writer

def _write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=4)


def write_group(root, attrs, zarr_format=2):
    os.makedirs(root, exist_ok=True)
    if zarr_format == 2:
        _write_json(os.path.join(root, ".zgroup"), {"zarr_format": 2})
        _write_json(os.path.join(root, ".zattrs"), attrs)
    else:
        _write_json(os.path.join(root, "zarr.json"),
                    {"attributes": attrs, "zarr_format": 3, "node_type": "group"})


class ArrayWriter:
    """Writes one Zarr array: metadata at construction, chunks via write_chunk/write_all.

    fill_value: None = null in v2 (default value in v3); otherwise the value
    (v3 may also be a spelled string such as "0x7fc00000" for floats).
    key_sep: "." (flat) / "/" (nested) for v2; for v3 the default encoding uses
    "/" unless v3_key_encoding says otherwise.
    """

    def __init__(self, root, name, shape, chunks, dtype, *, zarr_format=2, key_sep=".",
                 compressor=None, filters=None, fill_value=None, dims=None, attrs=None,
                 v3_codecs=None, v3_key_encoding=None, skip_empty=True, no_compressor=False):
        self.root, self.name = root, name
        self.shape = tuple(int(s) for s in shape)
        self.chunks = tuple(int(c) for c in chunks)
        self.dtype = np.dtype(dtype)
        self.zarr_format = zarr_format
        self.fill_value = fill_value
        self.skip_empty = skip_empty
        self.pad = _fill_value_numeric(fill_value, self.dtype)
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir, exist_ok=True)
        self.stored_bytes = 0
        self.chunks_written = 0
        if filters is None and self.dtype.kind == "O" and zarr_format == 2:
            filters = [{"id": "vlen-utf8"}]
        if compressor is None and not no_compressor:
            compressor = blosc()
        if zarr_format == 2:
            self.key_sep = key_sep
            self.prefix = ""
            self.filters = [numcodecs.get_codec(dict(f)) for f in (filters or [])]
            self.compressor = numcodecs.get_codec(dict(compressor)) if compressor else None
            meta = {
                "shape": list(self.shape), "chunks": list(self.chunks),
                "dtype": "|O" if self.dtype.kind == "O" else self.dtype.str,
                "fill_value": _fill_to_json_v2(fill_value, self.dtype),
                "order": "C", "filters": list(filters) if filters else None,
                "dimension_separator": key_sep, "compressor": compressor, "zarr_format": 2,
            }
            self.meta = meta
            _write_json(os.path.join(self.dir, ".zarray"), meta)
            za = {}
            if dims is not None:
                za["_ARRAY_DIMENSIONS"] = list(dims)
            za.update(attrs or {})
            _write_json(os.path.join(self.dir, ".zattrs"), za)
        else:
            self.codecs = v3_codecs if v3_codecs is not None else v3_codecs_for(
                self.dtype, compressor)
            enc = v3_key_encoding or {"name": "default", "configuration": {"separator": "/"}}
            self.key_sep = enc.get("configuration", {}).get(
                "separator", "/" if enc["name"] == "default" else ".")
            self.prefix = "c" if enc["name"] == "default" else ""
            meta = {
                "shape": list(self.shape), "data_type": v3_data_type(self.dtype),
                "chunk_grid": {"name": "regular",
                               "configuration": {"chunk_shape": list(self.chunks)}},
                "chunk_key_encoding": enc,
                "fill_value": _fill_to_json_v3(fill_value, self.dtype, None),
                "codecs": self.codecs, "attributes": dict(attrs or {}),
            }
            if dims is not None:
                meta["dimension_names"] = list(dims)
            meta.update({"zarr_format": 3, "node_type": "array", "storage_transformers": []})
            self.meta = meta
            _write_json(os.path.join(self.dir, "zarr.json"), meta)

    @property
    def grid(self):
        return tuple(-(-s // c) if s else 0 for s, c in zip(self.shape, self.chunks))

    def chunk_key(self, idx):
        parts = [str(i) for i in idx]
        if self.zarr_format == 3 and self.prefix:
            return self.key_sep.join([self.prefix] + parts)
        return self.key_sep.join(parts) if parts else "0"

    def chunk_region(self, idx):
        return tuple(slice(i * c, min((i + 1) * c, s))
                     for i, c, s in zip(idx, self.chunks, self.shape))

    def _is_empty(self, chunk):
        if self.dtype.kind == "O":
            return all(v == self.pad for v in chunk.ravel())
        if self.dtype.kind in "biu":
            if self.pad == 0:
                return not chunk.any()
            return bool((chunk == self.pad).all())
        padded = full(chunk.shape, self.pad, self.dtype)
        return chunk.tobytes() == padded.tobytes()

    def write_chunk(self, idx, data):
        """data: the chunk's region of the array (edge chunks may be smaller)."""
        data = np.asarray(data, dtype=self.dtype) if self.dtype.kind != "O" else np.asarray(
            data, dtype=object)
        if data.shape != self.chunks:
            chunk = full(self.chunks, self.pad, self.dtype)
            chunk[tuple(slice(0, n) for n in data.shape)] = data
        else:
            chunk = np.ascontiguousarray(data)
        path = os.path.join(self.dir, *self.chunk_key(idx).split("/"))
        if self.skip_empty and self._is_empty(chunk):
            if os.path.exists(path):
                os.unlink(path)
            return 0
        if self.zarr_format == 2:
            x = chunk
            for f in self.filters:
                x = f.encode(x)
            if self.compressor is not None:
                x = self.compressor.encode(x)
            out = bytes(x) if not isinstance(x, np.ndarray) else x.tobytes()
        else:
            out = _v3_encode_chunk(chunk, self.codecs)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(out)
        self.stored_bytes += len(out)
        self.chunks_written += 1
        return len(out)

    def write_all(self, data):
        data = np.asarray(data) if self.dtype.kind != "O" else np.asarray(data, dtype=object)
        assert data.shape == self.shape, (self.name, data.shape, self.shape)
        for idx in np.ndindex(*self.grid):
            self.write_chunk(idx, data[self.chunk_region(idx)])
        return self


def write_array(root, name, data, chunks=None, **kw):
    data_arr = np.asarray(data) if not (isinstance(data, np.ndarray) and data.dtype == object) \
        else data
    dtype = kw.pop("dtype", data_arr.dtype)
    if chunks is None:
        chunks = tuple(max(1, s) for s in data_arr.shape)
    chunks = tuple(max(1, c) for c in chunks)
    w = ArrayWriter(root, name, data_arr.shape, chunks, dtype, **kw)
    return w.write_all(data_arr)


def consolidate_v2(root):
    meta = {}
    for dirpath, _dirs, files in os.walk(root):
        for fn in files:
            if fn in (".zarray", ".zattrs", ".zgroup"):
                full_path = os.path.join(dirpath, fn)
                key = os.path.relpath(full_path, root).replace(os.sep, "/")
                with open(full_path) as f:
                    meta[key] = json.load(f)
    _write_json(os.path.join(root, ".zmetadata"),
                {"zarr_consolidated_format": 1, "metadata": dict(sorted(meta.items()))})


def zip_store(src_dir, zip_path):
    """Zip a store directory with STORED members (like bio2zarr), archive root = store root."""
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED,
                         allowZip64=True) as zf:
        for dirpath, dirs, files in os.walk(src_dir):
            dirs.sort()
            for fn in sorted(files):
                p = os.path.join(dirpath, fn)
                zf.write(p, os.path.relpath(p, src_dir).replace(os.sep, "/"))


# ---------------------------------------------------------------------------
# Independent reader (dir or .zip, v2 or v3) used for verification.

class StoreReader:
    def __init__(self, path):
        self.path = path
        self.zip = zipfile.ZipFile(path) if zipfile.is_zipfile(path) else None
        self.names = set(self.zip.namelist()) if self.zip else None

    def get(self, key):
        if self.zip:
            if key not in self.names:
                return None
            return self.zip.read(key)
        p = os.path.join(self.path, *key.split("/"))
        if not os.path.isfile(p):
            return None
        with open(p, "rb") as f:
            return f.read()

    @property
    def zarr_format(self):
        return 3 if self.get("zarr.json") is not None else 2

    def attrs(self):
        if self.zarr_format == 3:
            return json.loads(self.get("zarr.json"))["attributes"]
        raw = self.get(".zattrs")
        return json.loads(raw) if raw else {}

    def array_names(self):
        if self.zip:
            keys = self.names
        else:
            keys = set()
            for d in os.listdir(self.path):
                for m in (".zarray", "zarr.json"):
                    if os.path.isfile(os.path.join(self.path, d, m)):
                        keys.add(d + "/" + m)
        return sorted({k.split("/")[0] for k in keys
                       if k.endswith("/.zarray") or (k.endswith("/zarr.json") and k.count("/") == 1)})

    def read(self, name):
        if self.zarr_format == 2:
            return self._read_v2(name)
        return self._read_v3(name)

    def _read_v2(self, name):
        meta = json.loads(self.get(name + "/.zarray"))
        dtype = np.dtype(meta["dtype"])
        fv = meta["fill_value"]
        if fv is None:
            pad = default_value(dtype)
        elif dtype.kind == "S":
            pad = base64.standard_b64decode(fv)
        elif dtype.kind == "f" and isinstance(fv, str):
            pad = dtype.type({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}[fv])
        else:
            pad = fv
        if dtype.kind == "O" and pad in (0, None):
            pad = ""
        shape, chunks = meta["shape"], meta["chunks"]
        sep = meta.get("dimension_separator", ".")
        comp = numcodecs.get_codec(meta["compressor"]) if meta["compressor"] else None
        filters = [numcodecs.get_codec(f) for f in (meta["filters"] or [])]
        out = full(shape, pad, dtype)
        grid = [-(-s // c) if s else 0 for s, c in zip(shape, chunks)]
        for idx in np.ndindex(*grid):
            key = name + "/" + (sep.join(str(i) for i in idx) if idx else "0")
            raw = self.get(key)
            if raw is None:
                continue
            x = comp.decode(raw) if comp else raw
            for f in reversed(filters):
                x = f.decode(x)
            if dtype.kind == "O":
                chunk = np.asarray(x, dtype=object).reshape(chunks)
            else:
                chunk = np.frombuffer(bytes(np.ascontiguousarray(x).data) if isinstance(
                    x, np.ndarray) else bytes(x), dtype=dtype).reshape(chunks)
            reg = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, chunks, shape))
            out[reg] = chunk[tuple(slice(0, r.stop - r.start) for r in reg)]
        return out

    def _read_v3(self, name):
        meta = json.loads(self.get(name + "/zarr.json"))
        dtype = dtype_from_v3(meta["data_type"])
        pad = _fill_value_numeric(meta["fill_value"], dtype)
        if dtype.kind == "S":
            pad = bytes(meta["fill_value"])
        shape = meta["shape"]
        chunks = meta["chunk_grid"]["configuration"]["chunk_shape"]
        enc = meta["chunk_key_encoding"]
        sep = enc.get("configuration", {}).get("separator",
                                               "/" if enc["name"] == "default" else ".")
        out = full(shape, pad, dtype)
        grid = [-(-s // c) if s else 0 for s, c in zip(shape, chunks)]
        for idx in np.ndindex(*grid):
            parts = [str(i) for i in idx]
            if enc["name"] == "default":
                key = sep.join(["c"] + parts)
            else:
                key = sep.join(parts) if parts else "0"
            raw = self.get(name + "/" + key)
            if raw is None:
                continue
            chunk = _v3_decode_chunk(raw, meta["codecs"], dtype, chunks)
            reg = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, chunks, shape))
            out[reg] = chunk[tuple(slice(0, r.stop - r.start) for r in reg)]
        return out


def zarr2_read(arr):
    """Read a zarr 2.13 Array fully; missing chunks of fill_value-null arrays become the
    default value (zarr 2.13 would leave np.empty garbage there)."""
    if arr.fill_value is None:
        out = full(arr.shape, default_value(arr.dtype), arr.dtype)
        arr.get_basic_selection(Ellipsis, out=out)
        return out
    return arr[...]


# ---------------------------------------------------------------------------
# Manifest value conventions

def json_values(arr):
    """Flat C-order list: ints as ints, bools as bools, finite floats as numbers,
    non-finite floats as their IEEE bit pattern hex string, strings as strings
    (|S bytes decoded as latin-1, trailing NULs stripped as numpy does)."""
    arr = np.asarray(arr)
    flat = arr.ravel()
    k = arr.dtype.kind
    if k == "b":
        return [bool(v) for v in flat]
    if k in "iu":
        return [int(v) for v in flat]
    if k == "f":
        out = []
        for v in flat:
            f = float(v)
            out.append(f if math.isfinite(f) else float_bits_hex(v, arr.dtype))
        return out
    if k == "S":
        return [bytes(v).decode("latin-1") for v in flat]
    return [str(v) for v in flat]
