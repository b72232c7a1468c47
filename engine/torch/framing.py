"""Framed messages over a byte stream: the Fusebench torch worker protocol (docs/pytorch.md).

A frame is

    u32 LE  n        bytes that follow (4 + h + payload)
    u32 LE  h        bytes of the JSON header
    h bytes header   UTF-8 JSON object: {"v": 1, "id": int, "type": str, ..., "tensors": [spec, ...]}
    rest    payload  the tensors' bytes, little-endian, each at its spec's offset (8-byte aligned)

with spec = {"name": str, "dtype": "f32" | "f64", "shape": [int, ...], "offset": int, "length": int}.
A frame whose header or tensors are malformed is answered with an error and the stream goes on (its
length was valid, so the next frame is found); a length that cannot be trusted ends the stream.
"""

from __future__ import annotations

import ctypes
import json
import math
import struct
import sys
from typing import Any, BinaryIO, Optional

import torch

PROTOCOL_VERSION = 1
DTYPES: dict[str, torch.dtype] = {"f32": torch.float32, "f64": torch.float64}
DTYPE_NAMES: dict[torch.dtype, str] = {v: k for k, v in DTYPES.items()}
ITEM_BYTES: dict[str, int] = {"f32": 4, "f64": 8}
# Frames up to 4 GiB - 1 fit the u32 length; the default cap (as in framing.ts) is just under 0x20202020,
# so four printable ASCII bytes read as a length fail at once instead of being waited on.
DEFAULT_MAX_FRAME_BYTES = 512 * 1024**2


class FrameError(Exception):
    """A frame that could not be used; the stream is still in step (answer it and read on)."""

    def __init__(self, message: str, request_id: Optional[int] = None) -> None:
        super().__init__(message)
        self.request_id = request_id


class StreamError(Exception):
    """The stream cannot be read on: a length out of range, or the input ended inside a frame."""


Frame = tuple[dict[str, Any], memoryview]


def _read_exact(stream: BinaryIO, n: int) -> Optional[bytearray]:
    """n bytes, or None when the stream ends before the first byte; StreamError when it ends after."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        chunk = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not chunk:
            if got == 0:
                return None
            raise StreamError(f"input ended {got} bytes into a {n}-byte read")
        got += chunk
    return buf


def read_frame(stream: BinaryIO, max_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> Optional[Frame]:
    """The next frame's header and payload; None at a clean end of input."""
    head = _read_exact(stream, 4)
    if head is None:
        return None
    (n,) = struct.unpack("<I", head)
    if n < 4 or n > max_bytes:
        raise StreamError(f"frame length {n} is outside 4..{max_bytes}: not a Fusebench frame, or the stream is out of step")
    body = _read_exact(stream, n)
    if body is None:
        raise StreamError(f"input ended before a {n}-byte frame")
    (h,) = struct.unpack_from("<I", body, 0)
    if h > n - 4:
        raise FrameError(f"header length {h} exceeds the frame's {n - 4} bytes")
    try:
        header = json.loads(bytes(body[4 : 4 + h]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FrameError(f"the header is not UTF-8 JSON: {err}") from None
    if not isinstance(header, dict):
        raise FrameError("the header must be a JSON object")
    request_id = header.get("id")
    if not isinstance(request_id, int) or isinstance(request_id, bool):
        raise FrameError("the header needs an integer 'id'")
    if header.get("v") != PROTOCOL_VERSION:
        raise FrameError(f"protocol version {header.get('v')!r} is not supported; this worker speaks {PROTOCOL_VERSION}", request_id)
    if not isinstance(header.get("type"), str):
        raise FrameError("the header needs a string 'type'", request_id)
    return header, memoryview(body)[4 + h :]


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def decode_tensors(header: dict[str, Any], payload: memoryview) -> dict[str, torch.Tensor]:
    """The frame's tensors (CPU, own memory), every spec checked against the payload first."""
    specs = header.get("tensors", [])
    request_id = header.get("id")
    if not isinstance(specs, list):
        raise FrameError("'tensors' must be a list of tensor specs", request_id)
    out: dict[str, torch.Tensor] = {}
    for i, spec in enumerate(specs):
        where = f"tensors[{i}]"
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise FrameError(f"{where} must be an object with a string 'name'", request_id)
        name = spec["name"]
        where = f"tensor '{name}'"
        dtype, shape, offset, length = spec.get("dtype"), spec.get("shape"), spec.get("offset"), spec.get("length")
        if dtype not in DTYPES:
            raise FrameError(f"{where}: dtype {dtype!r} is not one of f32, f64", request_id)
        if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
            raise FrameError(f"{where}: shape must be a list of whole numbers >= 0", request_id)
        if not _is_count(offset) or not _is_count(length):
            raise FrameError(f"{where}: offset and length must be whole numbers >= 0", request_id)
        if offset + length > len(payload):
            raise FrameError(f"{where}: bytes {offset}..{offset + length} fall outside the {len(payload)}-byte payload", request_id)
        expected = math.prod(shape) * ITEM_BYTES[dtype]
        if length != expected:
            raise FrameError(f"{where}: shape {shape} of {dtype} needs {expected} bytes, the spec says {length}", request_id)
        if name in out:
            raise FrameError(f"{where} appears twice", request_id)
        if length == 0:
            out[name] = torch.zeros(shape, dtype=DTYPES[dtype])
        else:
            flat = torch.frombuffer(payload[offset : offset + length], dtype=DTYPES[dtype])
            out[name] = flat.clone().reshape(shape)
    return out


def _tensor_bytes(t: torch.Tensor) -> bytes:
    """A contiguous CPU tensor's bytes (ctypes: no numpy needed)."""
    return ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()) if t.numel() > 0 else b""


def encode_frame(header: dict[str, Any], tensors: Optional[dict[str, torch.Tensor]] = None) -> bytes:
    """One frame: the header (with 'v' and the tensor specs added) and the tensors, 8-byte aligned."""
    parts: list[bytes] = []
    specs: list[dict[str, Any]] = []
    offset = 0
    for name, t in (tensors or {}).items():
        t = t.detach().to("cpu")
        if t.dtype not in DTYPE_NAMES:
            t = t.to(torch.float32)
        t = t.contiguous()
        data = _tensor_bytes(t)
        pad = (-offset) % 8
        if pad:
            parts.append(b"\0" * pad)
            offset += pad
        specs.append({"name": name, "dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "offset": offset, "length": len(data)})
        parts.append(data)
        offset += len(data)
    text = json.dumps({"v": PROTOCOL_VERSION, **header, "tensors": specs}, separators=(",", ":")).encode("utf-8")
    n = 4 + len(text) + offset
    if n > 0xFFFFFFFF:
        raise ValueError(f"a {n}-byte frame does not fit the u32 length; request fewer or smaller tensors")
    return struct.pack("<II", n, len(text)) + text + b"".join(parts)


def check_byte_order() -> None:
    """Payloads are little-endian and decoded in place; a big-endian host would need swapping."""
    if sys.byteorder != "little":
        raise RuntimeError("the Fusebench torch worker runs on little-endian hosts only")
