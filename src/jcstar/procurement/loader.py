"""Load a procurement policy: a shipped one by name, or a file a sector body or procurer wrote.

Both are read and validated the same way; a bad file stops with one line naming the file and
the first field that is wrong.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jcstar.catalog.loader import SAFE_LOADER, one_line
from jcstar.procurement.models import Policy


class PolicyError(ValueError):
    """A policy is unknown, unreadable or does not match the policy model."""


def policies_dir() -> Path:
    return Path(str(resources.files("jcstar.procurement") / "policies"))


def shipped_policy_files() -> tuple[Path, ...]:
    return tuple(sorted(policies_dir().glob("*.yaml")))


def shipped_policy_names() -> tuple[str, ...]:
    return tuple(path.stem for path in shipped_policy_files())


def load_policy_file(path: Path) -> Policy:
    """Read and validate one policy file."""
    try:
        data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not YAML: {one_line(str(exc))}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: a policy is a YAML mapping (id, name_en, rules, …)")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "policy"
        raise PolicyError(f"{path}: {where}: {first['msg']}") from None


def load_policy(name_or_file: str) -> Policy:
    """A shipped policy by name (``government``), or a policy file by path."""
    path = Path(name_or_file)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise PolicyError(f"{path}: no such policy file")
        return load_policy_file(path)
    shipped = policies_dir() / f"{name_or_file}.yaml"
    if not shipped.is_file():
        known = ", ".join(shipped_policy_names())
        raise PolicyError(f"unknown policy {name_or_file!r} (shipped: {known}; or give a FILE)")
    return load_policy_file(shipped)
