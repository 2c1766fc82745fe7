"""The small part of CBOR (RFC 8949) a label seal uses, encoded deterministically and decoded
within fixed bounds.

Why not a CBOR library: the seal is decoded from untrusted QR text *before* its signature is
checked, so the decoder must never allocate what the input merely declares (a 9-byte header
can announce a 2^64-item array). This decoder checks every declared length against the bytes
actually left, limits nesting, and knows only what a seal holds: unsigned and negative
integers, byte and text strings, arrays, maps and tags. Floats, simple values, indefinite
lengths and non-shortest length encodings are refused, so one seal has exactly one encoding
(RFC 8949 §4.2.1, core deterministic encoding: shortest form, map keys in byte order).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TypeAlias

MAX_DEPTH = 4
_UINT, _NINT, _BYTES, _TEXT, _ARRAY, _MAP, _TAG = range(7)


class CBORError(ValueError):
    """The bytes are not CBOR this codec accepts; the message says where and why."""


@dataclass(frozen=True)
class Tag:
    number: int
    value: Value


Value: TypeAlias = int | bytes | str | list["Value"] | dict[int, "Value"] | Tag


def _head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if argument < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, argument)
    raise CBORError(f"integer {argument} does not fit 64 bits")


def encode(value: Value) -> bytes:
    """The deterministic encoding of ``value`` (map keys must be integers)."""
    if isinstance(value, bool):  # a bool is an int in Python; a seal has none
        raise CBORError("booleans are not part of a seal")
    if isinstance(value, int):
        return _head(_UINT, value) if value >= 0 else _head(_NINT, -1 - value)
    if isinstance(value, bytes):
        return _head(_BYTES, len(value)) + value
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(_TEXT, len(data)) + data
    if isinstance(value, list):
        return _head(_ARRAY, len(value)) + b"".join(encode(item) for item in value)
    if isinstance(value, dict):
        items = sorted((encode(key), encode(item)) for key, item in value.items())
        return _head(_MAP, len(items)) + b"".join(key + item for key, item in items)
    if isinstance(value, Tag):
        return _head(_TAG, value.number) + encode(value.value)
    raise CBORError(f"cannot encode {type(value).__name__}")


def decode(data: bytes) -> Value:
    """The one value ``data`` holds; CBORError for anything else, including trailing bytes."""
    reader = _Reader(data)
    value = reader.value(0)
    if reader.pos != len(data):
        raise CBORError(f"{len(data) - reader.pos} bytes after the CBOR value")
    return value


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, count: int) -> bytes:
        if count > len(self.data) - self.pos:
            raise CBORError(f"CBOR item at byte {self.pos} runs past the end of the data")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def head(self) -> tuple[int, int]:
        first = self.take(1)[0]
        major, info = first >> 5, first & 0x1F
        if info < 24:
            return major, info
        if info > 27:
            raise CBORError(f"CBOR item at byte {self.pos - 1}: indefinite or reserved length")
        size = 1 << (info - 24)
        argument = int.from_bytes(self.take(size), "big")
        smallest = 24 if size == 1 else 1 << (4 * size)
        if argument < smallest:
            raise CBORError(f"CBOR item at byte {self.pos - 1 - size}: length not in shortest form")
        return major, argument

    def value(self, depth: int) -> Value:
        if depth > MAX_DEPTH:
            raise CBORError(f"CBOR nested deeper than {MAX_DEPTH}")
        major, argument = self.head()
        if major == _UINT:
            return argument
        if major == _NINT:
            return -1 - argument
        if major == _BYTES:
            return self.take(argument)
        if major == _TEXT:
            try:
                return self.take(argument).decode("utf-8")
            except UnicodeDecodeError:
                raise CBORError("CBOR text string is not UTF-8") from None
        if major == _TAG:
            return Tag(argument, self.value(depth + 1))
        # every item takes at least one byte: a count larger than what is left is a lie,
        # refused before anything is built for it
        if major == _ARRAY:
            self._fits(argument)
            return [self.value(depth + 1) for _ in range(argument)]
        if major == _MAP:
            self._fits(2 * argument)
            return self._map(argument, depth)
        raise CBORError(f"CBOR item at byte {self.pos}: floats and simple values are not used")

    def _fits(self, items: int) -> None:
        if items > len(self.data) - self.pos:
            raise CBORError(f"CBOR container at byte {self.pos} declares more items than bytes")

    def _map(self, count: int, depth: int) -> dict[int, Value]:
        result: dict[int, Value] = {}
        for _ in range(count):
            key = self.value(depth + 1)
            if not isinstance(key, int) or key in result:
                raise CBORError("CBOR map keys must be distinct integers")
            result[key] = self.value(depth + 1)
        return result
