"""Model lists as procurement officers export them: CSV in UTF-8 (BOM or not) or Shift_JIS
with Japanese headers, XLSX; and the one-line errors for what cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from jcstar.procurement.model_list import ModelListError, read_model_list


def test_utf8_csv_with_a_bom_and_english_headers(tmp_path: Path):
    path = tmp_path / "models.csv"
    path.write_bytes(
        "\ufeffModel Number,Vendor,Firmware,Quantity\nGW-100,Acme,1.2.3,40\nCAM-300,,,\n".encode()
    )
    lines = read_model_list(path)
    assert [(x.model, x.vendor, x.firmware, x.quantity) for x in lines] == [
        ("GW-100", "Acme", "1.2.3", 40),
        ("CAM-300", None, None, 1),
    ]
    assert lines[0].source == "models.csv:2"


def test_shift_jis_csv_with_japanese_headers(tmp_path: Path):
    path = tmp_path / "調達一覧.csv"
    text = "型番,メーカー,ファームウェア,数量\r\nＧＷ－１００,アクメ電機,1.0,１，２００\r\n"
    path.write_bytes(text.encode("cp932"))
    (line,) = read_model_list(path)
    assert (line.model, line.vendor, line.firmware, line.quantity) == (
        "ＧＷ－１００",
        "アクメ電機",
        "1.0",
        1200,
    )


def test_xlsx_with_japanese_headers(tmp_path: Path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["No.", "ベンダー", "型番", "数量"])
    sheet.append([1, "Acme", "GW-100", 3])
    sheet.append([2, None, "BOX-1", None])
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    lines = read_model_list(path)
    assert [(x.model, x.vendor, x.quantity) for x in lines] == [
        ("GW-100", "Acme", 3),
        ("BOX-1", None, 1),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("models.csv", b"", "models.csv: empty file"),
        (
            "models.csv",
            b"vendor,qty\nAcme,1\n",
            "models.csv: no model column (型番/model/model_number)",
        ),
        ("models.pdf", b"%PDF-1.7\n", "models.pdf: not a CSV or XLSX file"),
        ("models.xlsx", b"model\nGW-1\n", "models.xlsx: not an XLSX workbook"),
        ("models.csv", b"model\n\x00\x01\x02\n", "models.csv: not a CSV or XLSX file"),
        ("models.csv", b"model,quantity\nGW-1,many\n", "models.csv:2: quantity: 'many'"),
        ("models.csv", b"model,vendor\n,Acme\n", "models.csv:2: model: empty"),
        ("models.csv", b"model\n", "models.csv: no model numbers below the header row"),
    ],
)
def test_what_cannot_be_read_is_one_line_naming_file_and_field(
    tmp_path: Path, name: str, content: bytes, message: str
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelListError) as caught:
        read_model_list(path)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(str(tmp_path))
    assert message in text
