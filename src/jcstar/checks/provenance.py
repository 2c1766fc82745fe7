"""What each check is made of, and the versions recorded for it.

A check's behaviour is its module, every module of ours it imports (its collectors, the
shared credential list, the target readers: the transitive closure within
``jcstar.checks`` and ``jcstar.targets``, found by walking the imports in the source, not
by importing it) and the data files it declares in ``data_files``. ``versions.lock.json``
records, for each check, its version and the SHA-256 of each of those files.
``tests/checks/test_provenance.py`` recomputes them: a file that changed while the version did
not fails the test, naming the check and the file, and so does a version bump that was
not recorded. After a deliberate bump, re-record with::

    python -m jcstar.checks.provenance --record

``base.py`` and ``registry.py`` are left out: they are the runner's contract and the list
of checks, not what any one check observes (a change there is the tool's version).
"""

from __future__ import annotations

import ast
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import jcstar
from jcstar.checks.base import Check, data_path

LOCK = Path(__file__).with_name("versions.lock.json")
ROOT = Path(jcstar.__file__).parent
#: packages whose modules make up a check's behaviour
OWN = ("jcstar.checks", "jcstar.targets")
#: modules of those packages that belong to no one check
FRAMEWORK = frozenset({"jcstar.checks.base", "jcstar.checks.registry"})
RECORD_HINT = "python -m jcstar.checks.provenance --record"

Record = dict[str, Any]


def _own(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in OWN)


def module_file(module: str) -> Path | None:
    """The source file of one of our modules, or None when there is none by that name
    (``from package import name`` where the name is not a module)."""
    parts = module.split(".")[1:]
    base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import in the tree, also those inside functions (a lazily imported collector
    is as much a part of the check), except the ones only type checkers see."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _type_checking(child):
            yield from (n for part in child.orelse for n in _import_nodes_of(part))
        else:
            yield from _import_nodes(child)


def _import_nodes_of(node: ast.stmt) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _import_nodes(node)


def imported_modules(module: str) -> set[str]:
    """Our modules (not the framework's) that ``module`` imports directly, with the
    packages they sit in (importing a module runs its packages' ``__init__``)."""
    path = module_file(module)
    if path is None:
        return set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for name in names:
            if _own(name) and module_file(name) is not None:
                parts = name.split(".")
                found.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
    return {name for name in found if _own(name) and name not in FRAMEWORK} - {module}


def closure(module: str) -> tuple[str, ...]:
    """``module`` and every module of ours it imports, directly or not, sorted."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(imported_modules(current) - seen)
    return tuple(sorted(seen))


def file_digest(path: Path) -> str:
    # line endings normalised: a checkout with CRLF is the same source
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def source_digests(check: type[Check]) -> dict[str, str]:
    """SHA-256 of each source file the check is made of, by path under ``jcstar/``."""
    digests: dict[str, str] = {}
    for module in closure(check.__module__):
        path = module_file(module)
        if path is not None:
            digests[path.relative_to(ROOT).as_posix()] = file_digest(path)
    return digests


def data_reads(check: type[Check]) -> set[str]:
    """The data files the check's code names in ``data_path("...")`` calls."""
    names: set[str] = set()
    for module in closure(check.__module__):
        path = module_file(module)
        assert path is not None
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == data_path.__name__
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names.add(node.args[0].value)
    return names


def check_record(check: type[Check]) -> Record:
    return {
        "version": check.version,
        "sources": source_digests(check),
        "data": {name: file_digest(data_path(name)) for name in sorted(check.data_files)},
    }


def current_records(checks: Mapping[str, type[Check]] | None = None) -> dict[str, Record]:
    if checks is None:
        from jcstar.checks.registry import CHECKS  # registry imports every check

        checks = CHECKS
    return {check_id: check_record(check) for check_id, check in sorted(checks.items())}


def recorded(path: Path | None = None) -> dict[str, Record]:
    path = path or LOCK
    if not path.is_file():
        return {}
    data: dict[str, Record] = json.loads(path.read_text(encoding="utf-8"))["checks"]
    return data


def _changed(now: Mapping[str, str], then: Mapping[str, str]) -> list[str]:
    return sorted(name for name in now.keys() | then.keys() if now.get(name) != then.get(name))


def problems(now: Mapping[str, Record], then: Mapping[str, Record]) -> list[str]:
    """One line per check whose recorded provenance is no longer true."""
    lines: list[str] = []
    for check_id in sorted(now.keys() | then.keys()):
        current, old = now.get(check_id), then.get(check_id)
        if old is None:
            lines.append(f"{check_id} is not recorded; run {RECORD_HINT}")
            continue
        if current is None:
            lines.append(f"{check_id} is recorded but is no longer a check; run {RECORD_HINT}")
            continue
        if current["version"] != old["version"]:
            lines.append(
                f"{check_id} is version {current['version']} but {old['version']} is "
                f"recorded; run {RECORD_HINT}"
            )
            continue
        sources = _changed(current["sources"], old["sources"])
        data = _changed(current["data"], old["data"])
        if sources or data:
            what = "; ".join(
                f"{kind} {', '.join(names)}"
                for kind, names in (("source", sources), ("data", data))
                if names
            )
            lines.append(
                f"{check_id} changed ({what}) but is still version {current['version']}; "
                f"bump its version, then run {RECORD_HINT}"
            )
    return lines


def write_lock(records: Mapping[str, Record], path: Path | None = None) -> None:
    text = json.dumps({"checks": records}, indent=2, sort_keys=True)
    (path or LOCK).write_text(text + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args not in ([], ["--record"]):
        print("usage: python -m jcstar.checks.provenance [--record]", file=sys.stderr)
        return 2
    now = current_records()
    if args == ["--record"]:
        write_lock(now)
        print(f"recorded {len(now)} checks in {LOCK.name}")
        return 0
    found = problems(now, recorded())
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
