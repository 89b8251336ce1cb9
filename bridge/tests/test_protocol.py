"""The frame codec against the shared vectors (docs/bridge-protocol.md §7), and JSON message parsing."""
import importlib.util
import json
import os

import numpy as np
import pytest

from dppo_bridge.protocol import (
    KIND_RESULT,
    KIND_STEP,
    FrameError,
    decode_frame,
    encode_frame,
    parse_json,
)

VECTORS = os.path.join(os.path.dirname(__file__), "..", "protocol-vectors")


def load_vectors():
    with open(os.path.join(VECTORS, "vectors.json")) as f:
        return json.load(f)


def read(name):
    with open(os.path.join(VECTORS, name), "rb") as f:
        return f.read()


DOC = load_vectors()


@pytest.mark.parametrize("vec", DOC["valid"], ids=[v["file"] for v in DOC["valid"]])
def test_valid_vector_decodes_and_reencodes_byte_identically(vec):
    data = read(vec["file"])
    assert len(data) == vec["bytes"]
    frame = decode_frame(data)
    assert (frame.kind, frame.seq, frame.t_ns) == (vec["kind"], vec["seq"], vec["t_ns"])
    assert list(frame.tensors) == [t["name"] for t in vec["tensors"]]
    tensors = []
    for t in vec["tensors"]:
        arr = frame.tensors[t["name"]]
        assert list(arr.shape) == t["shape"]
        assert arr.dtype == (np.float32 if t["dtype"] == "f32" else np.uint8)
        np.testing.assert_array_equal(arr.ravel(), np.asarray(t["values"], dtype=arr.dtype))
        tensors.append((t["name"], np.asarray(t["values"], dtype=arr.dtype).reshape(t["shape"])))
    assert encode_frame(vec["kind"], vec["seq"], tensors, vec["t_ns"]) == data


@pytest.mark.parametrize("vec", DOC["invalid"], ids=[v["file"] for v in DOC["invalid"]])
def test_invalid_vector_is_rejected(vec):
    with pytest.raises(FrameError) as e:
        decode_frame(read(vec["file"]))
    assert e.value.code == vec["error"]


def test_committed_vectors_match_the_generator():
    spec = importlib.util.spec_from_file_location("make_vectors", os.path.join(VECTORS, "make_vectors.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    files = mod.build()
    on_disk = sorted(f for f in os.listdir(VECTORS) if f.endswith(".bin") or f == "vectors.json")
    assert sorted(files) == on_disk
    for name, data in files.items():
        assert read(name) == data, "%s differs from make_vectors.py's output; run it and commit" % name


def test_tensor_views_are_aligned_and_zero_copy():
    data = read("step_result_full.bin")
    frame = decode_frame(data)
    for arr in frame.tensors.values():
        assert not arr.flags.writeable  # a view into the received bytes, not a copy
        assert arr.__array_interface__["data"][0] % 8 == 0 or arr.size == 0


def test_expected_kind_is_enforced():
    data = encode_frame(KIND_RESULT, 1, [("obs", np.zeros((1, 2), np.float32))])
    with pytest.raises(FrameError):
        decode_frame(data, expect_kind=KIND_STEP)


@pytest.mark.parametrize(
    "text",
    ["", "nope", "[]", "1", '{"id": 1}', '{"op": 3}', '{"op": "x", "id": -1}', '{"op": "x", "id": 4294967296}', '{"op": "x", "v": NaN}'],
)
def test_malformed_json_is_a_frame_error(text):
    with pytest.raises(FrameError):
        parse_json(text, 1 << 20)


def test_json_op_and_id():
    assert parse_json('{"op": "reset", "id": 5}', 100) == {"op": "reset", "id": 5}
