"""The QR code on a label, in one of two forms:

- the compact seal (issued now, ``labels.seal``): ``<registry URL>/L/<digits>``, the link in
  a byte-mode segment and the digits in a numeric-mode one;
- the JWS label (issued before the seal, kept until renewal): ``<product_url>#<compact JWS>``.
  The URL opens the product page; the fragment is never sent to a server, so the signed
  label rides along for offline checking.

Error correction M (about 15% of the symbol may be damaged) and the 4-module quiet zone
ISO/IEC 18004 asks for.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import segno
import zxingcpp
from PIL import Image, UnidentifiedImageError
from segno import consts as segno_consts
from segno import encoder as segno_encoder

from jcstar.labels.errors import LabelFormatError

# A realistic label's QR text is about 760 bytes: version 22 (105 modules a side) at level M.
# Our own judgement: past version 25 (117 modules) the modules of a QR a few centimetres wide
# get too small for a phone to read reliably, so a larger label is refused, not printed.
MAX_QR_VERSION = 25
# anything longer is not a label; refuse before any parsing work
MAX_INPUT_CHARS = 4096
ERROR_CORRECTION = "m"
_ERROR_M = segno_consts.ERROR_LEVEL_M
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

_B64URL_SEGMENT = r"[A-Za-z0-9_-]+"
# the signature part may be empty so an unsigned ("alg": "none") label is refused by name
_COMPACT_JWS = re.compile(rf"^{_B64URL_SEGMENT}\.{_B64URL_SEGMENT}\.[A-Za-z0-9_-]*$")
# the seal's link and digits (labels.seal.SEAL_PATH); the digits go in numeric mode
_SEAL_PARTS = re.compile(r"^(.+/L/)([0-9]+)$")


def qr_text(product_url: str, jws: str) -> str:
    """The text a label's QR code carries; refuses one too large to scan."""
    text = f"{product_url}#{jws}"
    parse_qr_text(text)
    size = len(text.encode("utf-8"))
    hint = "(too many model numbers or too long names?)"
    try:
        version = qr_version(text)
    except segno.DataOverflowError:
        raise LabelFormatError(
            f"QR text is {size} bytes, more than any QR code holds {hint}"
        ) from None
    if version > MAX_QR_VERSION:
        raise LabelFormatError(
            f"QR text is {size} bytes and needs QR version {version}; a scannable label "
            f"allows at most version {MAX_QR_VERSION} {hint}"
        )
    return text


def is_compact_jws(text: str) -> bool:
    return bool(_COMPACT_JWS.match(text))


def parse_qr_text(text: str) -> tuple[str, str]:
    """Split QR text into (product_url, jws); raises LabelFormatError naming what is wrong."""
    text = text.strip()
    if len(text) > MAX_INPUT_CHARS:
        raise LabelFormatError(
            f"QR text is {len(text)} characters; a label is at most {MAX_INPUT_CHARS}"
        )
    url, sep, jws = text.partition("#")
    if not sep:
        raise LabelFormatError("QR text has no '#': expected <product page URL>#<signed label>")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LabelFormatError(
            f"QR text does not start with an http(s) product page URL: {url[:80]!r}"
        )
    if not is_compact_jws(jws):
        raise LabelFormatError(
            "the part after '#' is not a compact JWS (base64url parts separated by '.')"
        )
    return url, jws


def segments(text: str) -> str | list[tuple[str, int]]:
    """What segno encodes: seal text as a byte-mode link and numeric-mode digits (segno
    would otherwise put the whole text in byte mode, 8 bits a digit instead of 3.3)."""
    parts = _SEAL_PARTS.match(text)
    if parts is None:
        return text
    return [(parts[1], segno_consts.MODE_BYTE), (parts[2], segno_consts.MODE_NUMERIC)]


@lru_cache(maxsize=128)
def _make(text: str) -> segno.QRCode:
    # building the symbol (mask selection in pure Python) takes ~0.1 s for a label; the
    # registry renders the same label's artwork again and again, so keep recent ones
    content: Any = segments(text)  # segno's stubs omit the list of (text, mode) it accepts
    return segno.make_qr(content, error=ERROR_CORRECTION, boost_error=False, encoding="utf-8")


def qr_version(text: str) -> int:
    """The QR symbol version (1-40) that holds ``text``: 17 + 4 × version modules a side.

    Asks segno's encoder for the version alone (under a millisecond) rather than building
    the symbol; raises segno.DataOverflowError when no QR code holds ``text``."""
    # segno's encoder module is untyped; these are the two steps segno.make_qr itself runs
    prepared = segno_encoder.prepare_data(  # type: ignore[no-untyped-call]
        segments(text), None, "utf-8"
    )
    version = segno_encoder.find_version(  # type: ignore[no-untyped-call]
        prepared, _ERROR_M, eci=False, micro=False
    )
    return int(version)


def qr_svg(text: str, scale: int = 4) -> str:
    """A standalone SVG of the QR code (no XML declaration, so it can be embedded)."""
    buf = io.BytesIO()
    _make(text).save(buf, kind="svg", scale=scale, xmldecl=False, svgclass=None, lineclass=None)
    return buf.getvalue().decode("utf-8")


def qr_image(text: str, scale: int = 4) -> Image.Image:
    """The QR code as a Pillow image (black on white, quiet zone included)."""
    buf = io.BytesIO()
    _make(text).save(buf, kind="png", scale=scale)
    buf.seek(0)
    return Image.open(buf).convert("L")


def qr_png(text: str, scale: int = 4) -> bytes:
    """The QR code as PNG bytes."""
    buf = io.BytesIO()
    _make(text).save(buf, kind="png", scale=scale)
    return buf.getvalue()


def read_qr(image: Image.Image, source: str = "image") -> str:
    """The text of the QR code in ``image``; one-line error if there is none.

    With several QR codes the one that looks like a label wins (a photo of packaging may
    show others)."""
    results = zxingcpp.read_barcodes(image, formats=_QR_ONLY)
    texts = [r.text for r in results if r.valid and r.text]
    if not texts:
        raise LabelFormatError(f"no readable QR code found in {source}")
    for text in texts:
        if "#" in text or _SEAL_PARTS.match(text):
            return text
    return texts[0]


def read_qr_bytes(data: bytes, source: str = "image") -> str:
    """The text of the QR code in an encoded image (PNG, JPEG, …)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return read_qr(image.convert("L"), source)
    except (UnidentifiedImageError, OSError) as exc:
        raise LabelFormatError(f"{source} is not an image Pillow can read ({exc})") from exc


def read_qr_image(path: Path) -> str:
    """The text of the QR code in the image file at ``path``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LabelFormatError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return read_qr_bytes(data, str(path))
