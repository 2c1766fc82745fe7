"""The text a label is found by, and the terms a query looks for, in one normal form.

A label is found by its vendor, product name, model numbers and registration number, and by the
product's names in Japanese and English and its category's names when the vendor gave them
(a search for ネットワークカメラ finds "Network Camera HG-100", "camera" finds
「ネットワークカメラ HG-100」).

People type the same thing many ways: ``FD-6101`` or ``ＦＤ－６１０１`` (full width), ``ｶﾒﾗ`` (half
width) or ``カメラ``, ``router`` or ``Router``. Both sides are therefore put in Unicode NFKC form
and case-folded before they meet, so every script matches whatever width and case was typed,
and PostgreSQL compares with plain ``LIKE`` (its ``ILIKE`` folded case on every row scanned,
about half the cost of a scan).

Terms of one or two characters (東京, 照明, a model suffix) are too short for the trigram
indexes; ``grams`` lists each label's distinct one- and two-character substrings for an index
of their own (``search.service``).
"""

from __future__ import annotations

from collections.abc import Iterable

from jcstar.labels.standing import model_key

#: the shortest term the trigram indexes serve
TRIGRAM = 3


def normal(text: str) -> str:
    """NFKC, case-folded, runs of whitespace as one space, control characters dropped (a NUL
    would end SQLite's full-text query early, and PostgreSQL refuses it in text). The same
    form model numbers are matched in everywhere (``labels.standing.model_key``)."""
    return model_key(text)


def search_key(
    vendor: str,
    product: str,
    models: Iterable[str],
    registration_no: str,
    names: Iterable[str] = (),
) -> str:
    """What ``labels.search_text`` holds for a label. ``names`` are the product's other names
    (Japanese, English, its category's): a Japanese query then finds a product registered under
    an English name and the other way round. A name the key already holds is not repeated;
    without names the key is what labels issued before names were indexed hold."""
    key = normal(" ".join([vendor, product]))
    for name in map(normal, names):
        if name not in key:
            key = f"{key} {name}"
    return normal(" ".join([key, *models, registration_no]))


def query_terms(q: str | None) -> list[str]:
    """A query's terms, each to be found somewhere in the search key (all of them)."""
    return normal(q).split() if q else []


def is_short(term: str) -> bool:
    return len(term) < TRIGRAM


def grams(key: str) -> list[str]:
    """The distinct one- and two-character substrings of a search key, spaces excluded (a
    term never holds one), in first-seen order."""
    seen: dict[str, None] = {}
    for i, char in enumerate(key):
        if char != " ":
            seen.setdefault(char)
            pair = key[i : i + 2]
            if len(pair) == 2 and pair[1] != " ":
                seen.setdefault(pair)
    return list(seen)


def gram_text(key: str) -> str:
    """``grams`` as one space-separated text: what SQLite's gram index is given per label."""
    return " ".join(grams(key))
