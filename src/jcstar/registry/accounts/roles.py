"""The roles a person (or a machine's token) holds inside its organisation, as data.

Our own judgement, not the scheme's (jcstar-facts says nothing about the operator's staff):
the split follows separation of duties as an operator's security officer expects it.

- operator ``reviewer``: the case work (accept, start the review, return, reject, record a
  fee as paid);
- operator ``approver``: the decisions that issue or withdraw a label's trust (approve,
  renew, suspend, revoke, reinstate), and a pending four-eyes decision's confirmation;
- vendor ``applicant``: file, correct and submit applications, upload documents, post
  notices about its labels;
- lab ``evaluator``: attach evaluation reports to the applications that name the lab;
- procurer ``watcher``: follow model and registration numbers and choose where the
  notifications go (watch lists, notification channels, deliveries). A procurer's
  ``administrator`` may do the same: procurer accounts made before this role existed hold
  only ``administrator``, and their watch lists must not need a new grant to work. A vendor's
  ``applicant`` or ``administrator`` manages its own organisation's (issue 13);
- every kind ``administrator``: manage the users of its own organisation and their roles
  (and nothing else: an administrator who should approve is also given ``approver``).

Reading what the organisation may see needs no role: roles gate changes only.
"""

from __future__ import annotations

from collections.abc import Iterable

ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    "operator": ("reviewer", "approver", "administrator"),
    "vendor": ("applicant", "administrator"),
    "lab": ("evaluator", "administrator"),
    "procurer": ("watcher", "administrator"),
}


class RoleError(ValueError):
    """A role that an organisation of this kind does not have."""


def roles_of_kind(kind: str) -> tuple[str, ...]:
    return ROLES_BY_KIND.get(kind, ())


def checked_roles(kind: str, roles: Iterable[str]) -> frozenset[str]:
    """``roles`` as a set, or ``RoleError`` naming the first one a ``kind`` does not have."""
    allowed = roles_of_kind(kind)
    wanted = frozenset(r.strip() for r in roles)
    for unknown in sorted(wanted - set(allowed)):
        raise RoleError(f"unknown role {unknown!r} for a {kind} (one of {', '.join(allowed)})")
    return wanted


def in_order(kind: str, roles: Iterable[str]) -> list[str]:
    """The roles in the order ``ROLES_BY_KIND`` names them (stable answers and log entries)."""
    held = set(roles)
    return [r for r in roles_of_kind(kind) if r in held]
