"""The EU CRA product classes as data (``data/cra-classes.yaml``) and the one decision made
from it: which class a product type falls in, with the reason."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import Field, model_validator

from jcstar.declarations.common import Basis, Frozen

ClassId = Literal["default", "important-1", "important-2", "critical"]
CLASS_IDS: tuple[ClassId, ...] = ("default", "important-1", "important-2", "critical")


class ProductClass(Frozen):
    id: ClassId
    name: str
    #: the conformity assessment the class implies (Article 32, our paraphrase)
    route: str
    route_basis: Basis
    route_sources: tuple[str, ...] = Field(min_length=1)
    #: the same in METI's overview table (which describes the Commission's draft)
    seed_route: str


class Category(Frozen):
    id: str
    #: named ``class`` in the file
    product_class: ClassId = Field(alias="class")
    text: str
    annex: str
    basis: Basis
    sources: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _official_cites_the_regulation(self) -> Category:
        if self.basis == "official" and "CRA" not in self.sources:
            raise ValueError(f"category {self.id}: basis official needs source CRA")
        return self


class TypeRule(Frozen):
    category: str
    types: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    reason: str = Field(min_length=1)
    basis: Basis


class CraClasses(Frozen):
    classes: tuple[ProductClass, ...]
    categories: tuple[Category, ...]
    product_types: tuple[TypeRule, ...]

    @model_validator(mode="after")
    def _consistent(self) -> CraClasses:
        if tuple(c.id for c in self.classes) != CLASS_IDS:
            raise ValueError(f"classes must be, in order: {', '.join(CLASS_IDS)}")
        known = {c.id for c in self.categories}
        for rule in self.product_types:
            if rule.category not in known:
                raise ValueError(f"product type rule names unknown category {rule.category!r}")
            if not rule.types and not rule.words:
                raise ValueError(f"product type rule for {rule.category} matches nothing")
        return self

    def product_class(self, class_id: str) -> ProductClass:
        for candidate in self.classes:
            if candidate.id == class_id:
                return candidate
        raise KeyError(f"unknown product class {class_id!r}; choose one of: {', '.join(CLASS_IDS)}")

    def category(self, category_id: str) -> Category:
        return next(c for c in self.categories if c.id == category_id)


@cache
def load_cra_classes() -> CraClasses:
    text = (
        resources.files("jcstar.declarations")
        .joinpath("data/cra-classes.yaml")
        .read_text(encoding="utf-8")
    )
    return CraClasses.model_validate(yaml.safe_load(text))


def normalised_type(product_type: str) -> str:
    """``ERAB gateway`` and ``erab_gateway`` are ``erab-gateway``."""
    return re.sub(r"[\s_]+", "-", product_type.strip().casefold())


class ClassDecision(Frozen):
    product_class: ProductClass
    #: the Annex III/IV category that decided it (None: default, or set by the caller)
    category: Category | None
    reason: str
    basis: Basis
    #: the caller named the class (``--product-class``) rather than the product type
    overridden: bool


def decide_class(
    product_type: str, override: str | None = None, data: CraClasses | None = None
) -> ClassDecision:
    """The product's class from its type (the first rule of the data that matches), or the
    class the caller names. KeyError naming the choices for an unknown ``override``."""
    data = data or load_cra_classes()
    if override is not None:
        return ClassDecision(
            product_class=data.product_class(override),
            category=None,
            reason=f"set by the manufacturer (--product-class {override}), not from the"
            f" product type {product_type!r}",
            basis="judgement",
            overridden=True,
        )
    kind = normalised_type(product_type)
    words = set(kind.split("-"))
    for rule in data.product_types:
        if kind in rule.types or words & set(rule.words):
            category = data.category(rule.category)
            return ClassDecision(
                product_class=data.product_class(category.product_class),
                category=category,
                reason=f"product type {product_type!r} falls under {category.annex}:"
                f" {category.text} ({rule.reason})",
                basis=rule.basis,
                overridden=False,
            )
    return ClassDecision(
        product_class=data.product_class("default"),
        category=None,
        reason=f"product type {product_type!r} matches none of the Annex III or IV categories"
        " jcstar knows, so it is in the default class; the Regulation looks at the product's"
        " core functionality, so check it against Annex III/IV or give --product-class",
        basis="judgement",
        overridden=False,
    )
