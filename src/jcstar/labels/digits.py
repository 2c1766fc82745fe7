"""Bytes as decimal digits, so a QR code can carry them in its numeric mode.

A QR code packs three digits into 10 bits. Every 7 bytes (56 bits) become 17 digits
(10^17 > 2^56), costing 57 bits in the symbol: about 8.14 bits a byte, against 8.25 for
base45 (RFC 9285) in alphanumeric mode and 10.7 for base64 in byte mode. Unlike base45 the
digits need no escaping in a URL (base45 uses space, ``%`` and ``/``), so the seal can sit in
the path of the link a phone opens. The chunking follows RFC 9285's shape (fixed groups, a
shorter last group); it is our own design, as is the name.

A last group of n < 7 bytes takes the fewest digits that hold 2^(8n) values, so the digit
count alone says how many bytes there are; any other count, or a group whose value does not
fit its bytes, is refused.
"""

from __future__ import annotations

import re

CHUNK_BYTES = 7
CHUNK_DIGITS = 17
# digits for a last group of 1..6 bytes: len(str(2 ** (8 * n) - 1))
_TAIL_DIGITS = {1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15}
_BYTES_FOR_TAIL = {digits: n for n, digits in _TAIL_DIGITS.items()}
_DIGITS = re.compile(r"^[0-9]*$")


def to_digits(data: bytes) -> str:
    """``data`` as decimal digits (17 for every 7 bytes)."""
    out = []
    for start in range(0, len(data), CHUNK_BYTES):
        chunk = data[start : start + CHUNK_BYTES]
        width = CHUNK_DIGITS if len(chunk) == CHUNK_BYTES else _TAIL_DIGITS[len(chunk)]
        out.append(str(int.from_bytes(chunk, "big")).zfill(width))
    return "".join(out)


def from_digits(text: str) -> bytes:
    """The bytes ``to_digits`` made; ValueError naming the problem for anything else."""
    if not _DIGITS.match(text):
        raise ValueError("seal digits contain something other than 0-9")
    whole, tail = divmod(len(text), CHUNK_DIGITS)
    if tail and tail not in _BYTES_FOR_TAIL:
        raise ValueError(f"{len(text)} digits cannot be a whole number of bytes")
    groups = [(text[i * CHUNK_DIGITS : (i + 1) * CHUNK_DIGITS], CHUNK_BYTES) for i in range(whole)]
    if tail:
        groups.append((text[whole * CHUNK_DIGITS :], _BYTES_FOR_TAIL[tail]))
    out = bytearray()
    for digits, size in groups:
        value = int(digits)
        if value >= 1 << (8 * size):
            raise ValueError(f"digit group {digits} is larger than {size} bytes can hold")
        out += value.to_bytes(size, "big")
    return bytes(out)
