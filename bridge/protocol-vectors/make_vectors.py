"""Writes the shared protocol test vectors (docs/bridge-protocol.md, "Test vectors"): valid and invalid binary
frames as .bin files plus vectors.json describing each. Both sides decode every vector; the valid ones must
re-encode byte for byte. Run from the repo root: `.venv/bin/python bridge/protocol-vectors/make_vectors.py`
(bridge/tests/test_protocol.py fails when the committed files differ from what this script writes).
"""
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from dppo_bridge.protocol import KIND_RESULT, KIND_STEP, PROTOCOL_VERSION, SUBPROTOCOL, encode_frame  # noqa: E402


def f32(shape, start=0.0, step=0.25):
    n = int(np.prod(shape))
    return (start + step * np.arange(n, dtype=np.float64)).astype(np.float32).reshape(shape)


def u8(values):
    return np.asarray(values, dtype=np.uint8)


VALID = [
    ("step_2x4x3", "STEP: actions [n=2, Ta=4, Da=3]", KIND_STEP, 7, 0, [("actions", f32((2, 4, 3), -1.0, 0.125))]),
    ("reset_result_2x11", "RESULT of reset: obs [2, 11]", KIND_RESULT, 1, 1700000000123456789 // 1000, [("obs", f32((2, 11), 1.25, -0.0625))]),
    (
        "step_result_full",
        "RESULT of a step: every tensor, n=2, Te=2, Dt=2, G=1",
        KIND_RESULT,
        2,
        123456789,
        [
            ("obs", f32((2, 3), 0.5, 0.5)),
            ("reward", np.asarray([1.5, -2.75], dtype=np.float32)),
            ("terminated", u8([1, 0])),
            ("truncated", u8([0, 1])),
            ("executed", u8([1, 2])),
            ("trace", f32((2, 2, 2), 0.0, 0.125)),
            ("tags", np.asarray([[1.0], [0.0]], dtype=np.float32)),
        ],
    ),
    (
        "step_result_empty_trace",
        "RESULT with zero-size tensors: trace [1, 4, 0] and tags [1, 0] (a task without trajectory or tags)",
        KIND_RESULT,
        4294967295,
        0,
        [
            ("obs", f32((1, 3))),
            ("reward", np.asarray([0.5], dtype=np.float32)),
            ("terminated", u8([0])),
            ("truncated", u8([0])),
            ("executed", u8([4])),
            ("trace", np.zeros((1, 4, 0), dtype=np.float32)),
            ("tags", np.zeros((1, 0), dtype=np.float32)),
        ],
    ),
    ("franka_command", "STEP as a Franka command: actions [1, 1, 7] (dx dy dz drx dry drz gripper)", KIND_STEP, 9, 42, [("actions", np.asarray([[[0.5, -0.25, 0.0, 0.0, 0.125, -1.0, 1.0]]], dtype=np.float32))]),
    ("odd_sizes_padding", "tensors whose byte lengths are not multiples of 8: executed u8 [3] then obs f32 [3, 1]", KIND_RESULT, 3, 0, [("executed", u8([1, 2, 3])), ("obs", f32((3, 1), 2.0, 1.0))]),
]


def mutate(base, fn):
    b = bytearray(base)
    fn(b)
    return bytes(b)


def invalid_cases():
    step = encode_frame(KIND_STEP, 7, [("actions", f32((2, 4, 3), -1.0, 0.125))])
    res = encode_frame(KIND_RESULT, 2, [("executed", u8([1, 2, 3])), ("obs", f32((3, 1)))])
    desc0 = 32  # first descriptor
    cases = [
        ("bad_magic", "magic is not DPB1", mutate(step, lambda b: b.__setitem__(slice(0, 4), b"DPB2"))),
        ("short_header", "20 bytes, shorter than the header", step[:20]),
        ("unknown_kind", "kind 3", mutate(step, lambda b: b.__setitem__(4, 3))),
        ("reserved_header", "reserved header byte 5 is not 0", mutate(step, lambda b: b.__setitem__(5, 1))),
        ("too_many_tensors", "count 17 > 16", mutate(step, lambda b: struct.pack_into("<H", b, 6, 17))),
        ("header_bytes_wrong", "header_bytes 32 with one descriptor", mutate(step, lambda b: struct.pack_into("<I", b, 12, 32))),
        ("unknown_name", "name code 10", mutate(step, lambda b: b.__setitem__(desc0, 10))),
        ("unknown_dtype", "dtype 3", mutate(step, lambda b: b.__setitem__(desc0 + 1, 3))),
        ("ndim_zero", "ndim 0", mutate(step, lambda b: b.__setitem__(desc0 + 2, 0))),
        ("misaligned_offset", "byte_offset 68 is not a multiple of 8", mutate(step, lambda b: struct.pack_into("<I", b, desc0 + 4, 68))),
        ("offset_out_of_range", "tensor runs past the frame end", mutate(step, lambda b: struct.pack_into("<I", b, desc0 + 4, 72))),
        ("length_mismatch", "byte_length != prod(shape) * 4", mutate(step, lambda b: struct.pack_into("<I", b, desc0 + 8, 92))),
        ("shape_mismatch", "shape [2, 4, 4] with 24 floats of data", mutate(step, lambda b: struct.pack_into("<I", b, desc0 + 24, 4))),
        ("unused_dim_nonzero", "shape dim 4 set although ndim is 3", mutate(step, lambda b: struct.pack_into("<I", b, desc0 + 28, 1))),
        ("truncated_data", "data cut short by 8 bytes", step[:-8]),
        ("trailing_bytes", "8 bytes after the last tensor", step + b"\0" * 8),
        ("nan_action", "a NaN in actions", mutate(step, lambda b: struct.pack_into("<f", b, 64 + 4 * 5, float("nan")))),
        ("inf_action", "an Inf in actions", mutate(step, lambda b: struct.pack_into("<f", b, 64 + 4 * 23, float("-inf")))),
        ("overlap", "the second tensor starts inside the first", mutate(res, lambda b: struct.pack_into("<I", b, 64 + 4, struct.unpack_from("<I", b, 32 + 4)[0]))),
        ("duplicate_name", "two obs tensors", mutate(res, lambda b: b.__setitem__(desc0, 2))),
    ]
    return cases


def build():
    files = {}
    valid = []
    for name, about, kind, seq, t_ns, tensors in VALID:
        data = encode_frame(kind, seq, tensors, t_ns)
        files[name + ".bin"] = data
        valid.append(
            {
                "file": name + ".bin",
                "about": about,
                "kind": kind,
                "seq": seq,
                "t_ns": t_ns,
                "bytes": len(data),
                "tensors": [
                    {
                        "name": tn,
                        "dtype": "f32" if np.asarray(a).dtype == np.float32 else "u8",
                        "shape": list(np.asarray(a).shape),
                        "values": [float(v) if np.asarray(a).dtype == np.float32 else int(v) for v in np.asarray(a).ravel()],
                    }
                    for tn, a in tensors
                ],
            }
        )
    invalid = []
    for name, about, data in invalid_cases():
        files["invalid_" + name + ".bin"] = data
        invalid.append({"file": "invalid_" + name + ".bin", "about": about, "error": "bad_frame"})
    doc = {
        "protocol": PROTOCOL_VERSION,
        "subprotocol": SUBPROTOCOL,
        "about": "Shared vectors of docs/bridge-protocol.md. Decode every file; valid ones must give these tensors "
        "(values flattened in C order) and re-encode byte for byte; invalid ones must be rejected with the error code.",
        "valid": valid,
        "invalid": invalid,
    }
    files["vectors.json"] = (json.dumps(doc, indent=1) + "\n").encode()
    return files


def main():
    for name, data in build().items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    print("wrote %d files to %s" % (len(build()), HERE))


if __name__ == "__main__":
    main()
