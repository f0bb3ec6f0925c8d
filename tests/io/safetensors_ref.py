#!/usr/bin/env python3
"""An independent safetensors reader and writer, written from the format's
specification with the standard library and numpy only, for nabla's tests.

  safetensors_ref.py write OUT.safetensors   writes the known set below
  safetensors_ref.py check IN.safetensors    reads a file nabla wrote, checks
                                             its layout and that it holds the
                                             known set; exit status 1 if not

Format: u64 little-endian N, N bytes of JSON header
{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
then the data buffer (offsets relative to its start, row-major, little-endian).
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "U8": "u1"}


def known_set():
    """The tensors (in file order) and metadata both sides agree on."""
    tensors = {
        "f32_arange": np.arange(6, dtype="<f4").reshape(2, 3),
        "f64_scalar": np.array(-2.5, dtype="<f8"),
        "i64_vector": np.array([-(2**40), -1, 0, 7, 2**62], dtype="<i8"),
        "u8_bytes": np.array([0, 1, 128, 255], dtype="u1"),
        "f32_empty": np.zeros((0, 3), dtype="<f4"),
    }
    metadata = {"format": "pt", "epoch": "3", "note": "naïve ∇"}
    return tensors, metadata


def dtype_name(array):
    for name, code in DTYPES.items():
        if np.dtype(code) == array.dtype:
            return name
    raise ValueError(f"no safetensors dtype for {array.dtype}")


def write(path):
    write_tensors(path, *known_set())


def write_tensors(path, tensors, metadata):
    """Writes tensors (name -> numpy array, in file order) and metadata
    (str -> str) as a safetensors file."""
    header = {"__metadata__": metadata}
    offset = 0
    for name, array in tensors.items():
        header[name] = {"dtype": dtype_name(array), "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for array in tensors.values():
            np.ascontiguousarray(array).tofile(f)  # no copy through bytes: fast for big models


def read(path):
    """Parses a file, asserting the layout nabla promises. Returns the
    tensors in data order and the metadata."""
    with open(path, "rb") as f:
        raw = f.read()
    assert len(raw) >= 8, f"file is {len(raw)} bytes"
    (n,) = struct.unpack("<Q", raw[:8])
    assert 8 + n <= len(raw), f"header length {n} runs past the file ({len(raw)} bytes)"
    text = raw[8:8 + n]
    assert n % 8 == 0, f"header length {n} is not a multiple of 8"
    assert text.startswith(b"{"), "header does not start with '{'"
    body = text.rstrip(b" ")
    assert body.endswith(b"}"), "header padding is not spaces after the JSON object"
    header = json.loads(body.decode("utf-8"))
    assert isinstance(header, dict), "header is not an object"
    metadata = header.pop("__metadata__", {})
    buffer = raw[8 + n:]
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    expected = 0
    tensors = {}
    for name, info in entries:
        assert set(info) == {"dtype", "shape", "data_offsets"}, f"{name}: fields {sorted(info)}"
        assert info["dtype"] in DTYPES, f"{name}: dtype {info['dtype']}"
        begin, end = info["data_offsets"]
        assert begin == expected, f"{name}: begins at {begin}, expected {expected} (gap or overlap)"
        dtype = np.dtype(DTYPES[info["dtype"]])
        shape = tuple(info["shape"])
        assert all(isinstance(d, int) and d >= 0 for d in shape), f"{name}: shape {shape}"
        assert end - begin == int(np.prod(shape, dtype=np.int64)) * dtype.itemsize, \
            f"{name}: data_offsets {begin, end} do not fit shape {shape} of {info['dtype']}"
        tensors[name] = np.frombuffer(buffer, dtype=dtype, count=(end - begin) // dtype.itemsize,
                                      offset=begin).reshape(shape)
        expected = end
    assert expected == len(buffer), f"buffer is {len(buffer)} bytes, tensors cover {expected}"
    return tensors, metadata


def check(path):
    tensors, metadata = read(path)
    want, want_metadata = known_set()
    problems = []
    if list(tensors) != list(want):
        problems.append(f"tensors in data order {list(tensors)}, expected {list(want)}")
    for name, expected in want.items():
        got = tensors.get(name)
        if got is None:
            continue
        if got.dtype != expected.dtype or got.shape != expected.shape:
            problems.append(f"{name}: {got.dtype} {got.shape}, expected "
                            f"{expected.dtype} {expected.shape}")
        elif not np.array_equal(got, expected):
            problems.append(f"{name}: values {got.tolist()}, expected {expected.tolist()}")
    if metadata != want_metadata:
        problems.append(f"metadata {metadata}, expected {want_metadata}")
    for name, array in tensors.items():
        print(f"{name}: {array.dtype} {list(array.shape)} {array.tolist()}")
    print(f"__metadata__: {metadata}")
    problems += check_with_torch(path, want)
    for p in problems:
        print("MISMATCH:", p)
    return 1 if problems else 0


def check_with_torch(path, want):
    """The same file through PyTorch's safetensors, where it is installed."""
    try:
        from safetensors.torch import load_file
    except ImportError:
        print("safetensors is not installed for this Python: torch check skipped")
        return []
    loaded = load_file(path)
    problems = []
    for name, expected in want.items():
        if name not in loaded or not np.array_equal(loaded[name].numpy(), expected):
            problems.append(f"safetensors.torch: {name} differs")
    return problems


def main(argv):
    if len(argv) != 3 or argv[1] not in ("write", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "write":
        write(argv[2])
        return 0
    try:
        return check(argv[2])
    except AssertionError as e:
        print("MISMATCH: layout:", e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
