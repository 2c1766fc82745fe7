"""The portal's catalogs: every message the pages use has a translation in Japanese and in
English (extracted from the templates and Python as ``pybabel extract`` does), and the
reader's language is chosen as the module says."""

from __future__ import annotations

import pytest

from jcstar.registry.web import catalogs, i18n


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_message_has_a_translation(language: str) -> None:
    used = catalogs.extract()
    assert "Verify a label" in used and "Valid" in used  # from a template and from Python
    assert catalogs.missing(language, used) == []


def test_the_japanese_catalog_is_japanese() -> None:
    japanese = i18n.translations("ja")
    assert japanese.gettext("Search labels") == "適合ラベルの検索"
    assert japanese.gettext("Revoked") == "取消し"
    assert i18n.translations("en").gettext("Revoked") == "Revoked"


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, None),
        ("", None),
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5, ja;q=0.4", "en"),
        ("ja;q=0.2, en;q=0.9", "en"),
        ("de, fr", None),
        ("en;q=0, ja;q=0.1", "ja"),
        ("en;q=abc", None),
    ],
)
def test_the_browser_language_is_read_by_its_weights(header: str | None, chosen: str) -> None:
    assert i18n.from_accept_language(header) == chosen


def test_the_switch_beats_the_cookie_which_beats_the_browser() -> None:
    assert i18n.choose({"lang": "en"}, {i18n.COOKIE: "ja"}, "ja") == "en"
    assert i18n.choose({}, {i18n.COOKIE: "en"}, "ja") == "en"
    assert i18n.choose({"lang": "xx"}, {i18n.COOKIE: "zz"}, "en") == "en"
    assert i18n.choose({}, {}, None) == "ja"
