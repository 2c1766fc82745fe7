"""Label verification as ``jcstar label verify`` does it: the signature offline against keys the
user names, then (when a registry is named) the label's current status online.

Only keys the user gave are trusted: a JWKS file or URL, or the JWKS of the registry the user
named; never a key or URL the label itself carries.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from jcstar.client.api import RegistryClient, fetch_json
from jcstar.client.errors import RegistryError
from jcstar.labels import LabelFormatError, Verification, seal, verify_offline
from jcstar.labels.qr import is_compact_jws, parse_qr_text, read_qr_bytes
from jcstar.labels.verify import (
    TrustedKeys,
    load_jwks,
    with_registry_models,
    with_registry_status,
)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
#: the largest image file read (a photo of a label is a few MB)
MAX_IMAGE_BYTES = 32 * 1024 * 1024
#: the most pixels decoded: a 48-megapixel phone photo fits; decoding it (RGB, then grey) takes
#: about 200 MB. A PNG of 40,000 x 40,000 pixels is 1.5 MB on disk and gigabytes decoded: it
#: is refused from its header, before any pixel is decoded
MAX_IMAGE_PIXELS = 50_000_000

OFFLINE_NOTE = (
    "status not checked: offline verification cannot know whether the label was suspended"
    " or revoked (give --registry URL to check it online)"
)


class LabelInputError(ValueError):
    """The argument is not a label (unreadable image, no QR code, not QR text, bad JWKS)."""


def read_label_text(argument: str) -> str:
    """The QR text from the argument: the text itself, or the QR code in a PNG/JPEG file.
    Either form: a compact seal (``<registry>/L/<digits>``) or a JWS label (or bare JWS).

    Text that is not even shaped like a label is bad input (exit 2); a well-shaped label that
    fails its checks is invalid (exit 1), decided by ``verify_label``.
    """
    if Path(argument).suffix.lower() in IMAGE_SUFFIXES:
        text = _read_image(Path(argument))
    else:
        text = argument.strip()
    return checked_label_text(text)


def checked_label_text(text: str) -> str:
    """QR text that is shaped like a label (a seal or a JWS label), else ``LabelInputError``;
    never a path (the registry's verify page passes what a visitor pasted)."""
    text = text.strip()
    if seal.is_seal_qr(text):
        _check_seal(text)
        return text
    if not is_compact_jws(text):
        try:
            parse_qr_text(text)
        except LabelFormatError as exc:
            raise LabelInputError(f"not a label: {exc}") from None
    _check_header(text)
    return text


def _check_seal(text: str) -> None:
    """A seal must come apart into a COSE_Sign1; one with a header other than ours is still a
    seal (refused as invalid by ``verify_label``, naming the header)."""
    try:
        seal.parse(seal.split_seal_qr(text)[1])
    except seal.SealHeaderError:
        return
    except seal.SealError as exc:
        raise LabelInputError(f"not a label: {exc}") from None


def _read_image(path: Path) -> str:
    """The QR text in an image file, decoding no image larger than ``MAX_IMAGE_PIXELS``."""
    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            raise LabelInputError(
                f"{path}: {size} bytes; an image of a label is at most {MAX_IMAGE_BYTES}"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise LabelInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return read_image_bytes(data, str(path))


def read_image_bytes(data: bytes, name: str) -> str:
    """The QR text in an image's bytes (``name`` for messages), decoding no image larger than
    ``MAX_IMAGE_PIXELS``: a file here, an upload in the registry's verify page."""
    if len(data) > MAX_IMAGE_BYTES:
        raise LabelInputError(
            f"{name}: {len(data)} bytes; an image of a label is at most {MAX_IMAGE_BYTES}"
        )
    try:
        # the header only: the size is known before any pixel is decoded
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own limit, far past ours
        raise LabelInputError(
            f"{name}: larger than a label's image may be ({MAX_IMAGE_PIXELS:,} pixels)"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise LabelInputError(f"{name} is not an image that can be read ({exc})") from None
    if width * height > MAX_IMAGE_PIXELS:
        raise LabelInputError(
            f"{name}: {width}x{height} pixels is larger than a label's image may be "
            f"({MAX_IMAGE_PIXELS:,} pixels)"
        )
    try:
        return read_qr_bytes(data, name)
    except (LabelFormatError, Image.DecompressionBombError, ValueError) as exc:
        raise LabelInputError(str(exc)) from None


def _check_header(text: str) -> None:
    """A label's JWS header must decode to a JSON object; anything else is not a label."""
    token = text.rpartition("#")[2].strip()
    header = token.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, RecursionError):
        decoded = None
    if not isinstance(decoded, dict):
        raise LabelInputError("not a label: its JWS header is not a JSON object")


def trusted_keys(jwks: str | None, client: RegistryClient | None) -> TrustedKeys:
    """The keys the user trusts: a JWKS file, a URL fetched once, or the named registry's."""
    try:
        if jwks is None:
            if client is None:
                raise LabelInputError("give --jwks FILE_OR_URL or --registry URL")
            return TrustedKeys.from_jwks(client.jwks())
        if jwks.startswith(("http://", "https://")):
            return TrustedKeys.from_jwks(fetch_json(jwks))
        return TrustedKeys.from_jwks(load_jwks(jwks))
    except LabelFormatError as exc:
        raise LabelInputError(f"--jwks {jwks or '(from the registry)'}: {exc}") from None


def verify_label(
    text: str, keys: TrustedKeys, client: RegistryClient | None, today: date
) -> Verification:
    """Offline checks first; then, with a registry, that its model list is the signed one
    and the status it lists now."""
    result = verify_offline(text, keys, today)
    if not result.valid or result.claims is None:
        return result
    if client is None:
        return result.model_copy(update={"reason": f"{result.reason}; {OFFLINE_NOTE}"})
    try:
        label: dict[str, Any] | None = client.label(result.claims.registration_no)
    except RegistryError as exc:
        if exc.status != 404:
            raise
        label = None
    return judged_with_listing(result, label, today)


def judged_with_listing(
    result: Verification, label: dict[str, Any] | None, today: date
) -> Verification:
    """A genuine label (``verify_offline``) judged against the registry's listing of it
    (``LabelPublic`` as JSON; None: not listed): its model list must be the signed one, and
    it is currently valid only while listed as valid and not lapsed."""
    if not result.valid or result.claims is None:
        return result
    if label is None:
        return with_registry_status(result, "unknown", "the registry does not list it")
    listed = label.get("model_numbers")
    models = [str(m) for m in listed] if isinstance(listed, list) else []
    result = with_registry_models(result, models)
    status = str(label.get("status"))
    if not result.valid:
        return result.model_copy(update={"status": status})
    lapse = _criteria_lapse(label, today)
    if status == "valid" and lapse:
        return with_registry_status(result, "lapsed", lapse)
    if status == "valid":
        current = f"{result.reason}; the registry lists it as valid"
        return with_registry_status(result, status).model_copy(update={"reason": current})
    return with_registry_status(result, status, _latest_reason(label))


def _criteria_lapse(label: dict[str, Any], today: date) -> str | None:
    """Why a label the registry lists as valid no longer is: the criteria it was issued
    against were superseded and the registry's lapse date has come (docs/registry-api.md)."""
    criteria = label.get("criteria")
    if not isinstance(criteria, dict) or not criteria.get("lapses_on"):
        return None
    try:
        lapses_on = date.fromisoformat(str(criteria["lapses_on"]))
    except ValueError:
        return None
    if lapses_on > today:
        return None
    return (
        f"issued against criteria {criteria.get('version')}, superseded by "
        f"{criteria.get('current')}: it lapsed on {lapses_on}"
    )


def _latest_reason(label: dict[str, Any]) -> str | None:
    """Why the status changed, with when, from the label's status history."""
    history = label.get("status_history") or []
    if label.get("status") == "expired":
        return f"expired on {label.get('expires_on')}"
    if not history or not isinstance(history[-1], dict):
        return None
    last = history[-1]
    reason, at = last.get("reason"), last.get("at")
    if not reason:
        return f"since {at}" if at else None
    return f"{reason} (since {at})" if at else str(reason)
