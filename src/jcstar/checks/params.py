"""Check parameters: the thresholds a check judges by, declared with their defaults.

A check that has thresholds (a minimum key size, the weak protocol versions) declares
them as a :class:`CheckParams` subclass in ``parameters`` and reads them with
:meth:`CheckParams.read`. The catalog may override them per binding and per level
(``docs/adding-a-check.md``); the plan resolves and validates them against the
declaration, so a check only ever sees values of the declared types.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Self, cast

from pydantic import BaseModel, ConfigDict, ValidationError

from jcstar.checks.base import Check, CheckInput


class ParamsError(ValueError):
    """Parameters that the check does not declare, or of the wrong type: one line."""


class CheckParams(BaseModel):
    """A check's parameters. Strict: ``"3072"`` is not an int, ``true`` is not a number,
    and a name the check does not declare is an error, never silently ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    @classmethod
    def parse(cls, values: Mapping[str, object]) -> Self:
        """Validate ``values`` (catalog data: YAML scalars and lists) against the declaration.

        Through JSON so that a YAML list is a valid tuple while strict types still hold."""
        try:
            text = json.dumps(dict(values))
        except (TypeError, ValueError) as exc:
            raise ParamsError(f"parameters are not plain data: {exc}") from None
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = ".".join(str(part) for part in first["loc"]) or "parameters"
            raise ParamsError(f"parameter {name}: {first['msg']}") from None

    @classmethod
    def read(cls, given: CheckInput) -> Self:
        """The parameters the runner gave the check (its defaults when none)."""
        return cls.parse(given.params)

    def recorded(self) -> dict[str, Any]:
        """The values as a report records them (plain JSON data)."""
        return self.model_dump(mode="json")


class NoParams(CheckParams):
    """A check without thresholds: any catalog parameter for it is an error."""


def params_of(check: type[Check] | Check) -> type[CheckParams]:
    """The parameter declaration of ``check`` (:class:`NoParams` when it declares none)."""
    declared = getattr(check, "parameters", NoParams)
    return cast(type[CheckParams], declared)


def resolve(check: type[Check] | Check, *layers: Mapping[str, object]) -> CheckParams:
    """The check's defaults overridden by each layer in turn (scheme binding, then level
    profile), validated; raises :class:`ParamsError` naming the bad parameter."""
    merged: dict[str, object] = {}
    for layer in layers:
        merged.update(layer)
    return params_of(check).parse(merged)
