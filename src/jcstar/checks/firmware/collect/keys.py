"""Private keys in a firmware image's files: PEM blocks (PKCS#1, SEC1, PKCS#8, OpenSSH,
encrypted or not), certificates to pair them with, and dropbear's own host key format.

A key is reported by the SHA-256 of its public key (SubjectPublicKeyInfo DER; the SSH
wire blob for dropbear keys), so the same key in two images has the same fingerprint;
an encrypted key, whose public key cannot be read, by the SHA-256 of its PEM block.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from jcstar.checks.base import Frozen
from jcstar.checks.firmware.collect.reading import fingerprint

CHUNK = 1024**2
#: a PEM block longer than this is not a key (an RSA-16384 key is about 12 kB)
MAX_PEM = 64 * 1024
DROPBEAR_TYPES = {
    b"ssh-rsa": 5,  # e, n, d, p, q (a public blob has 2)
    b"ssh-dss": 5,  # p, q, g, y, x (public: 4)
    b"ssh-ed25519": 1,  # one 64-byte string (public: 32 bytes)
    b"ecdsa-sha2-nistp256": 3,  # curve, Q, d (public: 2)
    b"ecdsa-sha2-nistp384": 3,
    b"ecdsa-sha2-nistp521": 3,
}


Kind = Literal["private_key", "token", "password"]


class Secret(Frozen):
    path: str
    kind: Kind
    #: e.g. "RSA private key (PEM)", "dropbear host key (ssh-rsa)", "GitHub token"
    type: str
    fingerprint: str
    #: what the fingerprint is the SHA-256 of
    fingerprint_of: Literal["public key", "value", "encrypted key"]
    encrypted: bool = False
    line: int | None = None
    #: the setting that holds a password or token (UCI option, nvram variable, JSON key)
    key: str = ""
    #: subject of a certificate in the image whose public key this private key matches
    certificate: str = ""
    #: other files holding the same secret (an archive and what was extracted from it)
    also_at: tuple[str, ...] = ()


def _public_fingerprint(key: PrivateKeyTypes) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return fingerprint(der)


def _key_type(key: PrivateKeyTypes) -> str:
    kinds: tuple[tuple[type, str], ...] = (
        (rsa.RSAPrivateKey, "RSA"),
        (ec.EllipticCurvePrivateKey, "EC"),
        (ed25519.Ed25519PrivateKey, "Ed25519"),
        (ed448.Ed448PrivateKey, "Ed448"),
        (dsa.DSAPrivateKey, "DSA"),
    )
    return next((name for cls, name in kinds if isinstance(key, cls)), "other")


def pem_blocks(handle: BinaryIO, head: bytes | None = None) -> Iterator[bytes]:
    """Every ``-----BEGIN …-----`` … ``-----END …-----`` block in a stream, read in chunks;
    ``head``, when given, is what the caller already read from the stream's start.

    END markers are indexed once per buffer, so a file stuffed with BEGIN markers costs
    O(n log n), not a search to the end of the buffer for each of them."""
    buffer = b""
    while True:
        chunk, head = (head, None) if head is not None else (handle.read(CHUNK), None)
        buffer += chunk
        if b"-----BEGIN " not in buffer:
            # most of a firmware's bytes (binaries, compressed blobs) hold no marker at all:
            # skip indexing their END markers, keep the tail a BEGIN may start in
            if not chunk:
                return
            buffer = buffer[-16:]
            continue
        ends = [m.start() for m in re.finditer(b"-----END ", buffer)]
        pos = 0
        keep: int | None = None
        while (start := buffer.find(b"-----BEGIN ", pos)) >= 0:
            index = bisect.bisect_left(ends, start)
            end = ends[index] if index < len(ends) else -1
            close = buffer.find(b"-----", end + 9, end + 9 + 100) if end >= 0 else -1
            if close < 0 or close - start > MAX_PEM:
                if close < 0 and chunk and len(buffer) - start < MAX_PEM:
                    keep = start  # the block may end in the next chunk
                    break
                pos = start + 11
                continue
            yield buffer[start : close + 5]
            pos = close + 5
        if not chunk:
            return
        buffer = buffer[keep if keep is not None else max(pos, len(buffer) - 16) :]


def _encrypted_type(label: str) -> str:
    if label == "ENCRYPTED PRIVATE KEY":
        return "encrypted PKCS#8 private key (PEM)"
    if label == "OPENSSH PRIVATE KEY":
        return "encrypted OpenSSH private key"
    return f"encrypted {label.removesuffix(' PRIVATE KEY')} private key (PEM)"


def pem_secret(block: bytes, path: str, certs: dict[str, str]) -> Secret | None:
    """The private key in a PEM block (a certificate goes into ``certs``), or None."""
    label = block[11 : block.find(b"-----", 11)].decode("ascii", "replace")
    if label in ("CERTIFICATE", "TRUSTED CERTIFICATE"):
        try:
            cert = x509.load_pem_x509_certificate(block)
            spki = cert.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        except ValueError:
            return None
        certs.setdefault(fingerprint(spki), cert.subject.rfc4514_string())
        return None
    if "PRIVATE KEY" not in label:
        return None
    common: dict[str, Any] = {"path": path, "kind": "private_key"}
    encrypted = Secret(**common, type=_encrypted_type(label), fingerprint=fingerprint(block),
                       fingerprint_of="encrypted key", encrypted=True)  # fmt: skip
    if label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block:
        return encrypted
    try:
        if label == "OPENSSH PRIVATE KEY":
            key: PrivateKeyTypes = serialization.load_ssh_private_key(block, None)
        else:
            key = serialization.load_pem_private_key(block, None)
    except TypeError:  # a passphrase is needed: the key is encrypted
        return encrypted
    except (ValueError, NotImplementedError):
        return None  # not a real key: a template or a truncated example
    form = "OpenSSH" if label == "OPENSSH PRIVATE KEY" else "PEM"
    return Secret(**common, type=f"{_key_type(key)} private key ({form})",
                  fingerprint=_public_fingerprint(key), fingerprint_of="public key")  # fmt: skip


def dropbear_secret(head: bytes, path: str) -> Secret | None:
    """A dropbear-format private host key: SSH wire strings, more than a public blob has."""
    fields: list[bytes] = []
    pos = 0
    while pos + 4 <= len(head) and len(fields) < 8:
        size = int.from_bytes(head[pos : pos + 4], "big")
        if size > len(head) - pos - 4 or (not fields and size > 32):
            break
        fields.append(head[pos + 4 : pos + 4 + size])
        pos += 4 + size
    if not fields or fields[0] not in DROPBEAR_TYPES or pos != len(head):
        return None
    name, rest = fields[0], fields[1:]
    if name == b"ssh-ed25519":
        if len(rest) != 1 or len(rest[0]) != 64:
            return None
        public = [rest[0][32:]]
    elif len(rest) < DROPBEAR_TYPES[name]:
        return None
    else:
        public = rest[:2] if name in (b"ssh-rsa",) or name.startswith(b"ecdsa") else rest[:4]
    blob = b"".join(len(f).to_bytes(4, "big") + f for f in (name, *public))
    return Secret(path=path, kind="private_key", type=f"dropbear host key ({name.decode()})",
                  fingerprint=fingerprint(blob), fingerprint_of="public key")  # fmt: skip
