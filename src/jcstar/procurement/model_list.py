"""Read a model list: the CSV or XLSX a procurement officer exports.

CSV may be UTF-8 (with or without the BOM Excel writes) or Shift_JIS/cp932 (what Japanese
Excel writes by default); XLSX is read with openpyxl. Headers may be English or Japanese.
A file that is neither, an empty one or one without a model column stops with one line
naming the file and what was wrong (``ModelListError``).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from jcstar.procurement.evaluate import ModelLine

#: header → field (compared in ``header_key``'s normal form)
_HEADER_NAMES: dict[str, str] = {
    **dict.fromkeys(("model", "model_number", "model_no", "型番", "型式", "モデル番号"), "model"),
    **dict.fromkeys(
        ("vendor", "maker", "manufacturer", "ベンダー", "メーカー", "製造者"), "vendor"
    ),
    **dict.fromkeys(
        ("firmware", "firmware_version", "ファームウェア", "ファームウェアバージョン"), "firmware"
    ),
    **dict.fromkeys(("quantity", "qty", "数量", "台数"), "quantity"),
    **dict.fromkeys(("product_type", "製品類型"), "product_type"),
}
_XLSX_MAGIC = b"PK\x03\x04"
#: what a CSV may be called (a workbook is known by its content, whatever its name)
_CSV_SUFFIXES = ("", ".csv", ".txt", ".tsv")


class ModelListError(ValueError):
    """The model list cannot be read; the message names the file and the field."""


def read_model_list(path: Path) -> tuple[ModelLine, ...]:
    """Every line of the model list at ``path``."""
    return _lines(path, read_rows(path))


def read_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV or XLSX file as text cells (also the fleet audit's inventory)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelListError(f"{path}: cannot read: {exc.strerror}") from None
    if not data.strip():
        raise ModelListError(f"{path}: empty file (a header row with a model column is needed)")
    if data.startswith(_XLSX_MAGIC):
        rows = _xlsx_rows(path, data)
    elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise ModelListError(f"{path}: not an XLSX workbook (save it as .xlsx or CSV)")
    elif path.suffix.lower() not in _CSV_SUFFIXES:
        raise ModelListError(f"{path}: not a CSV or XLSX file (give .csv or .xlsx)")
    else:
        rows = _csv_rows(path, data)
    return rows


def _decode(path: Path, data: bytes) -> str:
    if b"\0" in data:
        raise ModelListError(f"{path}: not a CSV or XLSX file (binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise ModelListError(
            f"{path}: not a CSV or XLSX file (text neither UTF-8 nor Shift_JIS)"
        ) from None


def _csv_rows(path: Path, data: bytes) -> list[list[str]]:
    text = _decode(path, data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [row for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise ModelListError(f"{path}: not a CSV file: {exc}") from None


def _xlsx_rows(path: Path, data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # ~0.2 s to import: only when a workbook is given

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ModelListError(f"{path}: not an XLSX workbook ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()


def header_key(text: str) -> str:
    """NFKC, case folded, without spaces, ``_`` and ``-``: ``Model Number`` = ``model_number``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if not c.isspace() and c not in "_-")


HEADERS: dict[str, str] = {header_key(name): field for name, field in _HEADER_NAMES.items()}


def _columns(path: Path, header: Sequence[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for position, name in enumerate(header):
        field = HEADERS.get(header_key(name))
        if field and field not in columns:
            columns[field] = position
    if "model" not in columns:
        found = ", ".join(repr(h) for h in header if h.strip()) or "none"
        raise ModelListError(
            f"{path}: no model column (型番/model/model_number) in the header row (found: {found})"
        )
    return columns


def _lines(path: Path, rows: Iterable[list[str]]) -> tuple[ModelLine, ...]:
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ModelListError(f"{path}: empty file (a header row with a model column is needed)")
    columns = _columns(path, rows[0])
    lines: list[ModelLine] = []
    for number, row in enumerate(rows[1:], start=2):

        def cell(field: str, row: list[str] = row) -> str | None:
            position = columns.get(field)
            value = row[position].strip() if position is not None and position < len(row) else ""
            return value or None

        model = cell("model")
        if model is None:
            raise ModelListError(f"{path}:{number}: model: empty")
        lines.append(
            ModelLine(
                model=model,
                vendor=cell("vendor"),
                firmware=cell("firmware"),
                quantity=_quantity(path, number, cell("quantity")),
                product_type=cell("product_type"),
                source=f"{path.name}:{number}",
            )
        )
    if not lines:
        raise ModelListError(f"{path}: no model numbers below the header row")
    return tuple(lines)


def _quantity(path: Path, number: int, value: str | None) -> int:
    if value is None:
        return 1
    text = unicodedata.normalize("NFKC", value).replace(",", "")
    try:
        quantity = int(float(text)) if text.endswith(".0") else int(text)
    except ValueError:
        raise ModelListError(
            f"{path}:{number}: quantity: {value!r} is not a whole number"
        ) from None
    if quantity < 0:
        raise ModelListError(f"{path}:{number}: quantity: {value!r} is negative")
    return quantity
