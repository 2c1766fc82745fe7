"""What every jcstar OSCAL document writes the same way: its namespace, single-line text and
``jcstar-*`` props. Shared by the catalog's export and the assessment results (neither layer
may import the other)."""

from __future__ import annotations

from trestle.oscal import common as oc

JCSTAR_NS = "urn:jcstar:oscal"


def line(text: str) -> str:
    """OSCAL titles and prop values are single-line with no outer whitespace."""
    return " ".join(text.split())


def props(**values: str | None) -> list[oc.Property] | None:
    """jcstar props from keyword arguments; empty values are left out (OSCAL forbids them)."""
    found = [
        oc.Property(name=f"jcstar-{key.replace('_', '-')}", value=line(value), ns=JCSTAR_NS)
        for key, value in values.items()
        if value and line(value)
    ]
    return found or None
