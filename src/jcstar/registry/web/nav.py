"""The portal's navigation: each page module adds the entries for its own pages here, so a
link appears only once its page exists, and only for the organisations it is for.

A later domain of pages (``/vendor``, ``/operator``, ``/lab``, ``/procurer``) adds itself with
``add(NavEntry("/vendor", N_("Vendor"), kinds=frozenset({"vendor"}), order=20))`` at import.
"""

from __future__ import annotations

from dataclasses import dataclass

from jcstar.registry.accounts.service import Principal


@dataclass(frozen=True)
class NavEntry:
    path: str
    #: the message id (English, marked with ``i18n.N_``); shown translated
    label: str
    #: the organisation kinds that see it; None: everyone, signed in or not
    kinds: frozenset[str] | None = None
    #: place in the bar, lowest first
    order: int = 100


_ENTRIES: dict[str, NavEntry] = {}


def add(entry: NavEntry) -> None:
    """Add (or replace, by path) an entry."""
    _ENTRIES[entry.path] = entry


def visible_to(caller: Principal | None) -> list[NavEntry]:
    """The entries a caller sees, in order: public ones, and those for its organisation's kind."""
    shown = [
        entry
        for entry in _ENTRIES.values()
        if entry.kinds is None or (caller is not None and caller.kind in entry.kinds)
    ]
    return sorted(shown, key=lambda entry: (entry.order, entry.path))


def current(path: str, entries: list[NavEntry]) -> str | None:
    """The entry a request's path belongs to (the longest matching prefix), to mark it."""
    best: str | None = None
    for entry in entries:
        inside = path == entry.path or (entry.path != "/" and path.startswith(entry.path + "/"))
        if inside and (best is None or len(entry.path) > len(best)):
            best = entry.path
    return best
