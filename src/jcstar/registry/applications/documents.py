"""What an uploaded document may be: its kind, and a media type recognised from its bytes.

The type is read from the content, never from the file name or the client's header, so a
renamed executable is refused whatever it claims to be.
"""

from __future__ import annotations

import io
import json
import zipfile

from jcstar.assessment.application_rules import DOCUMENT_KINDS, DocumentKind

__all__ = ["DOCUMENT_KINDS", "DocumentKind", "sniff_media_type"]

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    # the ★1 checklist workbook (xlsx is a zip); other zip archives are refused below
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff_media_type(content: bytes) -> str | None:
    """The media type of an accepted document, or ``None`` for anything else."""
    for magic, media_type in _MAGIC:
        if content.startswith(magic):
            if magic == b"PK\x03\x04" and not _is_workbook(content):
                return None  # a zip, but not a spreadsheet
            return media_type
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    try:
        json.loads(text)
    except ValueError:
        return "text/plain"
    return "application/json"


def _is_workbook(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return {"[Content_Types].xml", "xl/workbook.xml"} <= names
