"""The fee table (``registry/data/fees.yaml``): what an application costs, by level, route and
the date it was received. Data, not code, so a new fee is a reviewed edit of one file."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from jcstar.assessment.application_rules import Route

Source = Literal["V", "S", "U", "O"]


class FeeTableError(ValueError):
    """The fee file does not load or does not hold together."""


class FeeRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: int = Field(ge=1, le=4)
    route: Route
    #: tax included; None: the scheme publishes no amount (the operator states it)
    amount_jpy: int | None = Field(ge=0)
    #: applications received (submitted) on or after this date; None: no lower bound
    received_from: dt.date | None = None
    #: applications received on or before this date; None: no upper bound
    received_until: dt.date | None = None
    #: V verified, S secondary, U not published, O our own judgement (jcstar-facts tags)
    source: Source
    note: str = Field(min_length=1)

    @model_validator(mode="after")
    def _dates_in_order(self) -> FeeRow:
        if self.received_from and self.received_until and self.received_from > self.received_until:
            raise ValueError("received_from is after received_until")
        return self

    @property
    def dated(self) -> bool:
        """An offer limited in time (it wins over the standing fee while it runs)."""
        return self.received_from is not None or self.received_until is not None

    def applies(self, level: int, route: str, received: dt.date) -> bool:
        return (
            self.level == level
            and self.route == route
            and (self.received_from is None or self.received_from <= received)
            and (self.received_until is None or received <= self.received_until)
        )


class FeeTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fees: tuple[FeeRow, ...]

    def row_for(self, level: int, route: str, received: dt.date) -> FeeRow | None:
        """The row that prices this application: of the rows in force on ``received``, the
        most specific dated one (a dated offer wins over the standing fee)."""
        rows = [r for r in self.fees if r.applies(level, route, received)]
        if not rows:
            return None
        return max(
            rows, key=lambda r: (r.received_from or dt.date.min, r.received_until is not None)
        )

    def amount_for(self, level: int, route: str, received: dt.date) -> int | None:
        row = self.row_for(level, route, received)
        return row.amount_jpy if row else None


def shipped_path() -> Path:
    return Path(str(resources.files("jcstar.registry") / "data" / "fees.yaml"))


def load_fees(path: Path) -> FeeTable:
    """The table in ``path``; ``FeeTableError`` naming the file and the bad field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return FeeTable.model_validate(data)
    except OSError as exc:
        raise FeeTableError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise FeeTableError(f"{path}: not YAML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FeeTableError(f"{path}: {where}: {first['msg']}") from exc


@lru_cache(maxsize=8)
def fee_table(path: Path | None = None) -> FeeTable:
    """The table the registry prices with (the shipped one unless settings name another)."""
    return load_fees(path or shipped_path())
