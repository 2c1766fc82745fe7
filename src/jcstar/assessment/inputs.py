"""Read a product profile and questionnaire answers from YAML.

Bad input becomes one :class:`InputError` line naming the file and the field,
so the CLI can print it and exit 2 without a traceback.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from jcstar.assessment.models import Answers, InputDigest, ProductProfile
from jcstar.checks.firmware.collect.inputs import check_files

Model = TypeVar("Model", bound=BaseModel)


class InputError(Exception):
    """An input file is unreadable, malformed or does not match what is expected."""


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def parse_yaml(path: Path, raw: bytes) -> Any:
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputError(f"{path}: malformed YAML{where}: {problem}") from None


def validation_message(path: Path, exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(top level)"
    others = [".".join(str(p) for p in e["loc"]) for e in exc.errors()[1:]]
    more = f" and {len(others) - 3} more" if len(others) > 3 else ""
    extra = f" (also: {', '.join(others[:3])}{more})" if others else ""
    hint = ""
    if first["type"] == "string_type" and isinstance(first.get("input"), int | float):
        # YAML reads 6.00 as the number 6.0; a version must be quoted to keep its text
        hint = f' (got the number {first["input"]!r}; quote it in YAML, e.g. "6.00")'
    return f"{path}: field '{field}': {first['msg']}{hint}{extra}"


def load_model(path: Path, model: type[Model], raw: bytes | None = None) -> Model:
    raw = read_bytes(path) if raw is None else raw
    data = parse_yaml(path, raw)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_message(path, exc)) from None


def digest(role: str, path: Path, raw: bytes) -> InputDigest:
    return InputDigest(role=role, name=path.name, sha256=hashlib.sha256(raw).hexdigest())


def unnamed_profile(product: str) -> ProductProfile:
    """The profile a probe or firmware run uses when none is given: only what is tested is
    known (``product`` names it), everything the vendor would say is left unknown."""
    return ProductProfile(
        vendor="(not given)",
        product=product,
        model_numbers=("(unknown)",),
        product_type="(unknown)",
        firmware_version="(unknown)",
    )


def load_profile(path: Path) -> tuple[ProductProfile, InputDigest]:
    raw = read_bytes(path)
    profile = load_model(path, ProductProfile, raw)
    if profile.firmware is not None:  # a missing image or malformed feed is bad input
        try:
            check_files(profile.firmware.resolved(path.parent))
        except ValueError as exc:
            raise InputError(f"{path}: field 'firmware': {exc}") from None
    return profile, digest("profile", path, raw)


def load_answers(path: Path, known_ids: set[str]) -> tuple[Answers, InputDigest]:
    raw = read_bytes(path)
    answers = load_model(path, Answers, raw)
    for requirement_id in answers.answers:
        if requirement_id not in known_ids:
            raise InputError(f"{path}: field 'answers.{requirement_id}': unknown requirement id")
    return answers, digest("answers", path, raw)
