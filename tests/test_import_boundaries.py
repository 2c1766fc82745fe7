"""Which package may import which, read from the source (AST, so a name in a string or a
comment does not count): the registry's applications and labels domains do not import each
other (``registry.issuance`` joins them), and the report renderers read only assessment
models."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import jcstar

SRC = Path(jcstar.__file__).parent


def imported_modules(path: Path, root: Path = SRC.parent) -> Iterator[str]:
    """Every module ``path`` (under ``root``) imports, absolute (relative imports resolved),
    at any depth (an import inside a function counts)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _under(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def crossings(package: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    """``file: module`` for each import in ``package`` of a module under ``forbidden`` (and
    not under ``allowed``)."""
    found = []
    for path in sorted((SRC.parent / package.replace(".", "/")).rglob("*.py")):
        for module in imported_modules(path):
            if _under(module, forbidden) and not _under(module, allowed):
                found.append(f"{path.relative_to(SRC.parent)}: {module}")
    return sorted(set(found))


@pytest.mark.parametrize(
    ("package", "forbidden", "allowed"),
    [
        # an application does not read labels: what they forbid comes in as ``LabelRules``
        ("jcstar.registry.applications", ("jcstar.registry.labels",), ()),
        # a label does not know applications: issuing takes a ``Grant`` of plain values
        (
            "jcstar.registry.labels",
            ("jcstar.registry.applications", "jcstar.registry.issuance"),
            (),
        ),
        # renderers take an assessment report: no catalog, checks, registry or CLI (the
        # report's check attempts are ``checks.base.CheckAttempt``, part of its model)
        (
            "jcstar.reports",
            ("jcstar.catalog", "jcstar.checks", "jcstar.registry", "jcstar.cli", "jcstar.client"),
            ("jcstar.checks.base.CheckAttempt", "jcstar.checks.base"),
        ),
        # the buyer's side reads labels through the client and the catalog's data: never the
        # registry's internals, the CLI, or the assessment engine
        (
            "jcstar.procurement",
            (
                "jcstar.registry",
                "jcstar.cli",
                "jcstar.assessment",
                "jcstar.checks",
                "jcstar.reports",
            ),
            (),
        ),
        # declarations read a report, the catalog and the label's public record: never the
        # registry, the CLI, the client or the buyer's side
        (
            "jcstar.declarations",
            ("jcstar.registry", "jcstar.cli", "jcstar.client", "jcstar.procurement"),
            (),
        ),
        # the catalog is the bottom layer: the policies that cite it sit above it
        ("jcstar.catalog", ("jcstar.procurement",), ()),
        # the label decision is the library's: nothing above it
        (
            "jcstar.assessment",
            ("jcstar.registry", "jcstar.cli", "jcstar.labels", "jcstar.reports"),
            (),
        ),
    ],
)
def test_no_import_crosses_the_boundary(
    package: str, forbidden: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    assert crossings(package, forbidden, allowed) == []


def test_the_walk_sees_imports_in_functions_and_relative_ones(tmp_path: Path) -> None:
    # the check itself: an import hidden in a function, or written relatively, is still seen
    fake = tmp_path / "jcstar" / "registry" / "applications" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from ..labels import service\n", "utf-8")
    modules = set(imported_modules(fake, tmp_path))
    assert "jcstar.registry.labels.service" in modules
    assert _under("jcstar.registry.labels.service", ("jcstar.registry.labels",))
