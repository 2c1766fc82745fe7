"""Errors the label layer raises; each message is one line a user can act on."""

from __future__ import annotations


class LabelError(ValueError):
    """Base for every label error (a ValueError, so callers may treat it as bad input)."""


class LabelFormatError(LabelError):
    """Text, an image, a JWKS or a key directory is not in the form a label needs."""
