"""The registry's Ed25519 signing keys: stored as PEM files, named by their RFC 7638
thumbprint (the ``kid``), rotated without breaking labels already issued.

Layout of ``key_dir`` (mode 0700):
    <kid>.pem          private keys, mode 0600; every one is published in the JWKS
    active             the kid that signs new labels
    retired/<kid>.pem  keys taken out of the JWKS (labels they signed no longer verify)
"""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from jcstar.labels.claims import LabelClaims
from jcstar.labels.errors import LabelFormatError
from jcstar.labels.jose import ALG, CRV, LABEL_JWS, TYP

ACTIVE_FILE = "active"
RETIRED_DIR = "retired"
LOCK_FILE = ".lock"


def _with_kid(key: OKPKey) -> OKPKey:
    """The key tagged with its thumbprint kid and its one use, as the JWKS publishes it."""
    return OKPKey.import_key(
        key.as_dict(private=key.is_private),
        parameters={"kid": key.thumbprint(), "use": "sig", "alg": ALG},
    )


def _write_private(path: Path, data: bytes) -> None:
    # created 0600 from the start: the key is never readable by others, even briefly
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _write_atomic(path: Path, text: str) -> None:
    # a crash leaves either the old or the new file, never a torn one
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _State:
    """One consistent reading of the key directory (replaced whole, so a thread never sees
    a new active kid with an old key set)."""

    keys: dict[str, OKPKey]
    active_kid: str
    seen: tuple[int, int, int]


class Keyring:
    """Signing keys kept in one directory. Several server processes may share it: each
    notices when another has rotated or retired a key and reads the directory again, so all
    sign with the same key and publish the same JWKS."""

    def __init__(self, key_dir: Path, state: _State) -> None:
        self.key_dir = key_dir
        self._state = state

    @classmethod
    def load_or_create(cls, key_dir: Path) -> Keyring:
        """Load the keys in ``key_dir``; create the directory and a first key if there is none."""
        key_dir = Path(key_dir)
        key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _locked(key_dir):
            if not _load_keys(key_dir):
                kid = _create_key(key_dir)
                _write_atomic(key_dir / ACTIVE_FILE, kid + "\n")
            return cls(key_dir, _read_state(key_dir))

    @property
    def active_kid(self) -> str:
        return self._current().active_kid

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(sorted(self._current().keys))

    def sign(self, claims: LabelClaims) -> str:
        """The claims as a compact JWS signed with the active key."""
        state = self._current()
        header = {"alg": ALG, "kid": state.active_kid, "typ": TYP}
        return jws.serialize_compact(
            header, claims.to_payload(), state.keys[state.active_kid], registry=LABEL_JWS
        )

    def sign_bytes(self, message_for: Callable[[str], bytes]) -> tuple[str, bytes]:
        """``(kid, Ed25519 signature)`` over ``message_for(kid)`` with the active key (the
        compact seal's COSE signature, whose signed header names the kid)."""
        state = self._current()
        private = state.keys[state.active_kid].private_key
        assert isinstance(private, Ed25519PrivateKey)
        return state.active_kid, private.sign(message_for(state.active_kid))

    def jwks(self) -> dict[str, Any]:
        """The public JWKS: every key that may still have signed a valid label, active first."""
        state = self._current()
        others = sorted(kid for kid in state.keys if kid != state.active_kid)
        return {
            "keys": [
                dict(state.keys[kid].as_dict(private=False)) for kid in [state.active_kid, *others]
            ]
        }

    def rotate(self) -> str:
        """Create a new key and make it the active one; older keys stay in the JWKS."""
        with _locked(self.key_dir):
            kid = _create_key(self.key_dir)
            _write_atomic(self.key_dir / ACTIVE_FILE, kid + "\n")
            self._state = _read_state(self.key_dir)
            return kid

    def retire(self, kid: str) -> None:
        """Take a key out of the JWKS (kept under retired/): labels it signed stop verifying."""
        with _locked(self.key_dir):
            state = _read_state(self.key_dir)
            if kid == state.active_kid:
                raise LabelFormatError(f"key {kid} is the active signing key; rotate first")
            if kid not in state.keys:
                raise LabelFormatError(f"no key {kid!r} in {self.key_dir}")
            retired = self.key_dir / RETIRED_DIR
            retired.mkdir(mode=0o700, exist_ok=True)
            os.replace(self.key_dir / f"{kid}.pem", retired / f"{kid}.pem")
            _fsync_dir(self.key_dir)
            self._state = _read_state(self.key_dir)

    def _current(self) -> _State:
        """The state, read again if another process changed the directory since."""
        state = self._state
        if _seen(self.key_dir) != state.seen:
            with _locked(self.key_dir):
                state = self._state = _read_state(self.key_dir)
        return state


def _seen(key_dir: Path) -> tuple[int, int, int]:
    # adding or moving a key changes the directory's mtime; a rotation also replaces
    # ``active`` by a rename, which gives it a new inode even within one clock tick
    directory = os.stat(key_dir)
    active = os.stat(key_dir / ACTIVE_FILE)
    return directory.st_mtime_ns, active.st_ino, active.st_mtime_ns


def _read_state(key_dir: Path) -> _State:
    """Keys and active kid as they are on disk (call under the lock)."""
    seen = _seen(key_dir) if (key_dir / ACTIVE_FILE).exists() else (0, 0, 0)
    keys = _load_keys(key_dir)
    active_file = key_dir / ACTIVE_FILE
    if not active_file.exists():
        raise LabelFormatError(f"{key_dir}: keys but no '{ACTIVE_FILE}' file naming one")
    active = active_file.read_text(encoding="utf-8").strip()
    if active not in keys:
        raise LabelFormatError(f"{active_file}: names key {active!r}, which is not in {key_dir}")
    return _State(keys, active, seen)


@contextmanager
def _locked(key_dir: Path) -> Iterator[None]:
    """One process at a time creates or rotates keys (server workers start together)."""
    fd = os.open(key_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _create_key(key_dir: Path) -> str:
    key = _with_kid(OKPKey.generate_key("Ed25519", private=True))
    kid = key.kid
    assert kid is not None
    _write_private(key_dir / f"{kid}.pem", key.as_pem(private=True))
    _fsync_dir(key_dir)
    return kid


def _load_keys(key_dir: Path) -> dict[str, OKPKey]:
    keys: dict[str, OKPKey] = {}
    for path in sorted(key_dir.glob("*.pem")):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            # as ssh does: a private key others can read may already be someone else's
            raise LabelFormatError(
                f"{path}: private key is readable by others (mode {mode:04o}); chmod 600 it"
            )
        try:
            key = _with_kid(OKPKey.import_key(path.read_bytes()))
        except (JoseError, ValueError, TypeError) as exc:
            raise LabelFormatError(f"{path}: not an Ed25519 private key PEM ({exc})") from exc
        if not key.is_private or key.curve_name != CRV:
            raise LabelFormatError(f"{path}: not an Ed25519 private key")
        if path.stem != key.kid:
            raise LabelFormatError(f"{path}: file name does not match the key's kid {key.kid}")
        keys[str(key.kid)] = key
    return keys
