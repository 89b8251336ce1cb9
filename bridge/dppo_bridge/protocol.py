"""Bridge protocol v1: the binary tensor frame codec and the JSON message checks (docs/bridge-protocol.md).

A binary frame is a 32-byte header, `count` 32-byte tensor descriptors, then each tensor's data at an
8-byte-aligned offset, all little-endian, so a receiver wraps every tensor without copying
(`np.frombuffer(buf, dtype, count, offset)` here, `new Float32Array(buf, offset, n)` in the browser).
Every decoding error raises `FrameError` with the protocol's error code ("bad_frame" for binary frames,
"bad_request"/"protocol" for JSON), which the server answers before closing that connection.

Runs on Python 3.8 (Isaac Gym Preview 4): no 3.9+ syntax or APIs.
"""
import json
import math
import struct
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

PROTOCOL_VERSION = 1
SUBPROTOCOL = "dppo-bridge.v1"
MAGIC = b"DPB1"
HEADER_BYTES = 32
DESCRIPTOR_BYTES = 32
MAX_TENSORS = 16
MAX_NDIM = 4

KIND_STEP = 1
KIND_RESULT = 2
KINDS = {KIND_STEP: "step", KIND_RESULT: "result"}

# Tensor names by code (docs/bridge-protocol.md, "Binary frames").
NAMES = {
    1: "actions",
    2: "obs",
    3: "reward",
    4: "terminated",
    5: "truncated",
    6: "executed",
    7: "trace",
    8: "tags",
    9: "ee_pose",
}
NAME_CODES = {v: k for k, v in NAMES.items()}

DTYPE_F32 = 1
DTYPE_U8 = 2
DTYPES = {DTYPE_F32: np.dtype("<f4"), DTYPE_U8: np.dtype("u1")}
DTYPE_NAMES = {DTYPE_F32: "f32", DTYPE_U8: "u8"}
DTYPE_CODES = {"f32": DTYPE_F32, "u8": DTYPE_U8}

# Close codes (application range 4000-4999).
CLOSE_AUTH = 4401
CLOSE_BAD_FRAME = 4400
CLOSE_PROTOCOL = 4400

ERROR_CODES = ("auth", "protocol", "bad_frame", "bad_request", "unsupported", "busy", "limit", "safety", "internal")

_HEADER = struct.Struct("<4sBBHIIQQ")
_DESC = struct.Struct("<BBBBIII4I")
assert _HEADER.size == HEADER_BYTES and _DESC.size == DESCRIPTOR_BYTES

U32_MAX = 0xFFFFFFFF


class FrameError(Exception):
    """A frame or message that breaks the protocol; `code` is the protocol error code."""

    def __init__(self, message, code="bad_frame"):
        # type: (str, str) -> None
        Exception.__init__(self, message)
        self.code = code
        self.message = message


def _pad8(n):
    # type: (int) -> int
    return (n + 7) & ~7


class Frame(object):
    """A decoded binary frame: kind, seq, t_ns and its tensors by name (zero-copy views into the buffer)."""

    __slots__ = ("kind", "seq", "t_ns", "tensors")

    def __init__(self, kind, seq, t_ns, tensors):
        # type: (int, int, int, Dict[str, np.ndarray]) -> None
        self.kind = kind
        self.seq = seq
        self.t_ns = t_ns
        self.tensors = tensors

    def __repr__(self):
        # type: () -> str
        shapes = ", ".join("%s%s" % (k, list(v.shape)) for k, v in self.tensors.items())
        return "Frame(kind=%d, seq=%d, %s)" % (self.kind, self.seq, shapes)


def encode_frame(kind, seq, tensors, t_ns=0):
    # type: (int, int, Sequence[Tuple[str, np.ndarray]], int) -> bytes
    """Encodes tensors (name, array) in the given order; f32 arrays must be float32, u8 arrays uint8."""
    if kind not in KINDS:
        raise ValueError("unknown frame kind %r" % (kind,))
    if not 0 <= seq <= U32_MAX:
        raise ValueError("seq must be a u32, got %r" % (seq,))
    if len(tensors) > MAX_TENSORS:
        raise ValueError("at most %d tensors per frame" % MAX_TENSORS)
    header_bytes = HEADER_BYTES + DESCRIPTOR_BYTES * len(tensors)
    descs = []
    datas = []
    offset = _pad8(header_bytes)
    for name, arr in tensors:
        code = NAME_CODES.get(name)
        if code is None:
            raise ValueError("unknown tensor name %r" % (name,))
        a = np.asarray(arr)
        if a.dtype == np.float32:
            dt = DTYPE_F32
        elif a.dtype == np.uint8 or a.dtype == np.bool_:
            dt = DTYPE_U8
        else:
            raise ValueError("tensor %s: dtype must be float32 or uint8, got %s" % (name, a.dtype))
        if not 1 <= a.ndim <= MAX_NDIM:
            raise ValueError("tensor %s: ndim must be 1..4, got %d" % (name, a.ndim))
        data = np.ascontiguousarray(a, dtype=DTYPES[dt]).tobytes()
        shape = list(a.shape) + [0] * (MAX_NDIM - a.ndim)
        descs.append(_DESC.pack(code, dt, a.ndim, 0, offset, len(data), 0, *shape))
        datas.append((offset, data))
        offset = _pad8(offset + len(data))
    out = bytearray(offset)
    _HEADER.pack_into(out, 0, MAGIC, kind, 0, len(tensors), seq, _pad8(header_bytes), t_ns, 0)
    for i, d in enumerate(descs):
        out[HEADER_BYTES + i * DESCRIPTOR_BYTES : HEADER_BYTES + (i + 1) * DESCRIPTOR_BYTES] = d
    for off, data in datas:
        out[off : off + len(data)] = data
    return bytes(out)


def decode_frame(buf, expect_kind=None, check_finite=True):
    # type: (bytes, Optional[int], bool) -> Frame
    """Decodes and validates a binary frame; raises FrameError("bad_frame") naming the first problem."""
    mv = memoryview(buf)
    n = len(mv)
    if n < HEADER_BYTES:
        raise FrameError("binary frame of %d bytes is shorter than the %d-byte header" % (n, HEADER_BYTES))
    magic, kind, res0, count, seq, header_bytes, t_ns, res1 = _HEADER.unpack_from(mv, 0)
    if magic != MAGIC:
        raise FrameError("bad magic %r (expected %r)" % (bytes(magic), MAGIC))
    if kind not in KINDS:
        raise FrameError("unknown frame kind %d" % kind)
    if expect_kind is not None and kind != expect_kind:
        raise FrameError("expected a %s frame (kind %d), got kind %d" % (KINDS[expect_kind], expect_kind, kind))
    if res0 != 0 or res1 != 0:
        raise FrameError("reserved header fields must be 0")
    if count > MAX_TENSORS:
        raise FrameError("count %d exceeds %d tensors" % (count, MAX_TENSORS))
    want_header = _pad8(HEADER_BYTES + DESCRIPTOR_BYTES * count)
    if header_bytes != want_header:
        raise FrameError("header_bytes %d, expected %d for %d tensors" % (header_bytes, want_header, count))
    if header_bytes > n:
        raise FrameError("frame of %d bytes is shorter than its %d header bytes" % (n, header_bytes))
    tensors = {}  # type: Dict[str, np.ndarray]
    spans = []  # type: List[Tuple[int, int]]
    for i in range(count):
        code, dt, ndim, r, off, length, r2, s0, s1, s2, s3 = _DESC.unpack_from(mv, HEADER_BYTES + i * DESCRIPTOR_BYTES)
        name = NAMES.get(code)
        if name is None:
            raise FrameError("tensor %d: unknown name code %d" % (i, code))
        if name in tensors:
            raise FrameError("tensor %s appears twice" % name)
        if dt not in DTYPES:
            raise FrameError("tensor %s: unknown dtype %d" % (name, dt))
        if not 1 <= ndim <= MAX_NDIM:
            raise FrameError("tensor %s: ndim %d not in 1..4" % (name, ndim))
        if r != 0 or r2 != 0:
            raise FrameError("tensor %s: reserved descriptor fields must be 0" % name)
        shape = (s0, s1, s2, s3)
        if any(s != 0 for s in shape[ndim:]):
            raise FrameError("tensor %s: unused shape dims must be 0" % name)
        shape = shape[:ndim]
        elems = 1
        for s in shape:
            elems *= s
        itemsize = DTYPES[dt].itemsize
        if length != elems * itemsize:
            raise FrameError("tensor %s: byte_length %d != %d (shape %s x %d bytes)" % (name, length, elems * itemsize, list(shape), itemsize))
        if off % 8 != 0:
            raise FrameError("tensor %s: byte_offset %d is not a multiple of 8" % (name, off))
        if off < header_bytes or off + length > n:
            raise FrameError("tensor %s: bytes [%d, %d) outside the data area [%d, %d)" % (name, off, off + length, header_bytes, n))
        for a, b in spans:
            if off < b and a < off + length:
                raise FrameError("tensor %s overlaps another tensor" % name)
        spans.append((off, off + length))
        arr = np.frombuffer(buf, dtype=DTYPES[dt], count=elems, offset=off).reshape(shape)
        if check_finite and dt == DTYPE_F32 and arr.size and not np.isfinite(arr).all():
            raise FrameError("tensor %s holds NaN or Inf" % name)
        tensors[name] = arr
    end = _pad8(max([b for _, b in spans] + [header_bytes]))
    if n != end:
        raise FrameError("frame is %d bytes, its tensors end at %d" % (n, end))
    return Frame(kind, seq, t_ns, tensors)


def expect_tensor(frame, name, dtype_code, ndim):
    # type: (Frame, str, int, int) -> np.ndarray
    """The frame's tensor `name` with the given dtype and rank, else FrameError."""
    t = frame.tensors.get(name)
    if t is None:
        raise FrameError("frame has no %s tensor" % name)
    if t.dtype != DTYPES[dtype_code]:
        raise FrameError("tensor %s must be %s, got %s" % (name, DTYPE_NAMES[dtype_code], t.dtype))
    if t.ndim != ndim:
        raise FrameError("tensor %s must have %d dims, got shape %s" % (name, ndim, list(t.shape)))
    return t


# ------------------------------------------------------------------------------------------ JSON messages


def _bad(msg, code="bad_request"):
    # type: (str, str) -> FrameError
    return FrameError(msg, code)


def parse_json(text, max_bytes):
    # type: (str, int) -> Dict[str, Any]
    """Parses a text frame into an object with a string `op`; FrameError('bad_frame') otherwise."""
    if len(text) > max_bytes:
        raise FrameError("text frame over %d bytes" % max_bytes, "limit")
    try:
        msg = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:
        raise FrameError("text frame is not JSON: %s" % (str(e)[:200],))
    if not isinstance(msg, dict):
        raise FrameError("a text frame must be a JSON object")
    op = msg.get("op")
    if not isinstance(op, str) or not op:
        raise FrameError("a text frame needs a string 'op'")
    if "id" in msg:
        msg_id = msg["id"]
        if not _is_int(msg_id) or not 0 <= msg_id <= U32_MAX:
            raise _bad("'id' must be a u32")
    return msg


def _reject_constant(name):
    # type: (str) -> Any
    raise ValueError("%s is not JSON" % name)


def _is_int(x):
    # type: (Any) -> bool
    return isinstance(x, int) and not isinstance(x, bool)


def get_int(msg, key, lo, hi, default=None):
    # type: (Dict[str, Any], str, int, int, Optional[int]) -> int
    if key not in msg or msg[key] is None:
        if default is None:
            raise _bad("'%s' is required" % key)
        return default
    v = msg[key]
    if not _is_int(v) or not lo <= v <= hi:
        raise _bad("'%s' must be an integer in [%d, %d], got %r" % (key, lo, hi, v))
    return v


def get_str(msg, key, max_len=256):
    # type: (Dict[str, Any], str, int) -> str
    v = msg.get(key)
    if not isinstance(v, str) or not v or len(v) > max_len:
        raise _bad("'%s' must be a non-empty string" % key)
    return v


def dumps(msg):
    # type: (Dict[str, Any]) -> str
    """JSON for a server message (no NaN: non-finite floats become null)."""
    return json.dumps(_finite(msg), separators=(",", ":"), allow_nan=False)


def _finite(x):
    # type: (Any) -> Any
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def error_msg(code, message, msg_id=None):
    # type: (str, str, Optional[int]) -> Dict[str, Any]
    assert code in ERROR_CODES, code
    out = {"op": "error", "code": code, "message": message}  # type: Dict[str, Any]
    if msg_id is not None:
        out["id"] = msg_id
    return out
