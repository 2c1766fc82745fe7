"""A return's reason written per requirement: the operator's general note and one line per
requirement it names, put together as the one reason text the API takes (``ReasonCreate``).

The text is what the vendor reads and what the log binds by its SHA-256, so it is plain:
the note first, then ``S1.1-01: …`` lines in the catalog's order. ``split`` reads such a text
back (a vendor's page can show each requirement's reason beside it)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence


def compose(note: str, per_requirement: Mapping[str, str], order: Sequence[str]) -> str:
    """The reason text: ``note`` (may be empty), then each requirement's reason on its own line,
    in ``order``; blank reasons are left out. Line breaks inside a reason become spaces so each
    requirement keeps one line."""
    lines = [note.strip()] if note.strip() else []
    for requirement in order:
        given = " ".join(per_requirement.get(requirement, "").split())
        if given:
            lines.append(f"{requirement}: {given}")
    return "\n".join(lines)


def split(reason: str, requirements: Collection[str]) -> tuple[str, dict[str, str]]:
    """``(note, {requirement: reason})`` of a text ``compose`` made for these requirements;
    any other text is the note."""
    note: list[str] = []
    found: dict[str, str] = {}
    for line in reason.splitlines():
        requirement, colon, given = line.strip().partition(": ")
        if colon and requirement in requirements and given:
            found[requirement] = given
        else:
            note.append(line)
    return "\n".join(note).strip(), found
