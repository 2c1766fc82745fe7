"""The one table printer hides nothing: a word longer than its column folds onto the next
line instead of being cut short with "…" (a rule id or a model number must stay whole)."""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from jcstar.cli import common


def test_a_long_word_folds_and_is_never_cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = Console(width=60, record=True, color_system=None)
    monkeypatch.setattr(common, "console", narrow)
    rule_id = "GOV-IMPORTANCE-MEDIUM-HIGH-FY2025-UNDER-CONSIDERATION"
    common.print_table("Rules", ("id", "requires", "basis"), [(rule_id, "★3+", "official " * 8)])
    text = narrow.export_text()
    assert "…" not in text
    cells = [re.sub(r"[│┃\s]", "", line.split("│")[1]) for line in text.splitlines() if "│" in line]
    assert "".join(cells) == rule_id
