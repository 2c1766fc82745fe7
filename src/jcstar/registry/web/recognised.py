"""Where a label is recognised abroad today, for its product page: each recognition route
that rests on a label (``catalog/data/recognition.yaml``: ★1 → UK PSTI), judged for this
label by ``assessment.recognition.recognize`` (the rule ``jcstar recognize --registration``
applies: in effect, the label valid that day, of the route's level and criteria version).

The line names the market (``programmes.yaml``'s region of the wanted scheme), the wanted
scheme, the route's first source and what the route rests on; nothing of it is written here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import yaml

from jcstar.assessment.recognition import LabelOnDay, recognize
from jcstar.catalog.loader import CatalogIndex, data_dir, load_catalog
from jcstar.catalog.master import load_programmes
from jcstar.catalog.recognition import load_recognitions
from jcstar.labels.standing import LabelRecord, standing_on, status_since
from jcstar.registry.web.i18n import N_

#: what a route rests on, as the product page names it
BASIS_NAMES = {
    "official": N_("official source"),
    "secondary": N_("secondary source"),
    "judgement": N_("our own judgement"),
}


@dataclass(frozen=True)
class Recognised:
    region: str
    scheme: str
    #: the route's first source, by its name (``UK S.I. 2025/1267``)
    source: str
    #: official, secondary or judgement
    basis: str


def label_on_day(record: LabelRecord, day: dt.date) -> LabelOnDay:
    """The label as it stood on ``day``, in the plain values recognition takes."""
    return LabelOnDay.of(standing_on(record, day), status_since(record, day))


def recognised(record: LabelRecord, day: dt.date, lang: str) -> tuple[Recognised, ...]:
    """The markets where the label is deemed to meet another scheme on ``day``."""
    catalog = load_catalog()
    routes = load_recognitions()
    found = []
    for route in routes.routes:
        if route.label is None or route.want is None or route.label.level != record.level:
            continue
        answer = recognize(
            catalog, route.have, route.want, day, label_on_day(record, day), recognitions=routes
        ).label
        if answer is None or not answer.deemed_compliant:
            continue
        scheme = CatalogIndex(catalog).scheme(route.want)
        found.append(
            Recognised(
                region=_region(route.want, lang) or route.want,
                scheme=(scheme.name_ja if lang == "ja" else None) or scheme.name_en,
                source=_source_name(route.sources[0]),
                basis=route.basis,
            )
        )
    return tuple(found)


def _region(scheme: str, lang: str) -> str | None:
    for programme in load_programmes().programmes:
        if scheme in programme.schemes:
            return programme.region_ja if lang == "ja" else programme.region_en
    return None


def _source_name(source_id: str) -> str:
    """A source's name: its description up to the first parenthesis or address
    (``UK S.I. 2025/1267 (PSTI amendment), as summarised by …`` → ``UK S.I. 2025/1267``)."""
    text = _sources().get(source_id, source_id)
    return text.split(" (")[0].split(", http")[0].strip()


@cache
def _sources() -> dict[str, str]:
    """Every source id the catalog and the recognition routes define, with its description."""
    meta = yaml.safe_load((data_dir() / "catalog.yaml").read_text(encoding="utf-8")) or {}
    return {**load_recognitions().sources, **(meta.get("sources") or {})}
