"""The signing keys the operator sees and rotates.

A key is ``active`` (signs new labels), ``published`` (in the JWKS: labels it signed still
verify) or ``retired`` (taken out of the JWKS; its labels no longer verify). Rotating makes a
new active key and keeps the old one published, so no issued label stops verifying; retiring
stays an offline step on the key directory (``Keyring.retire``), since it breaks labels.

Rotation is an operator administrator's decision (our own judgement: the key is the scheme's
trust anchor, like the accounts an administrator manages) and is logged, so the public sees
when the key changed. The keyring rotates on disk first and the log entry names the new kid;
the caller commits right after (a failed commit leaves a rotated but unlogged key, which the
JWKS still shows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from jcstar.labels import Keyring
from jcstar.labels.keyring import RETIRED_DIR
from jcstar.registry.accounts.service import Principal
from jcstar.registry.errors import Forbidden
from jcstar.registry.log import service as log

KeyState = Literal["active", "published", "retired"]


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    state: KeyState


def keys(keyring: Keyring) -> list[KeyInfo]:
    """Every key: the active one first, then the other published ones, then the retired."""
    active = keyring.active_kid
    published = [KeyInfo(kid, "published") for kid in keyring.kids if kid != active]
    retired_dir = keyring.key_dir / RETIRED_DIR
    retired = sorted(p.stem for p in retired_dir.glob("*.pem")) if retired_dir.is_dir() else []
    return [
        KeyInfo(active, "active"),
        *published,
        *(KeyInfo(kid, "retired") for kid in retired),
    ]


def may_rotate(caller: Principal) -> bool:
    return caller.kind == "operator" and caller.holds("administrator")


def rotate(session: Session, keyring: Keyring, caller: Principal) -> str:
    """A new active key; the old one stays published. Logged as ``key.rotated``. The caller
    holds the write lock and commits."""
    if not may_rotate(caller):
        raise Forbidden("rotating the signing key needs the operator's administrator role")
    previous = keyring.active_kid
    kid = keyring.rotate()
    log.append(session, "key.rotated", kid, {"kid": kid, "previous": previous, "by": caller.by()})
    return kid
