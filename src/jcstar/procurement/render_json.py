"""``--format json``: the check result's own versioned model (``schema_version``)."""

from __future__ import annotations

from jcstar.procurement.evaluate import CheckResult


def render_json(result: CheckResult) -> bytes:
    return (result.model_dump_json(indent=2) + "\n").encode("utf-8")
