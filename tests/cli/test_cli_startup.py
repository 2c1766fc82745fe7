"""The CLI starts light: help and the catalog import none of the heavy parts, a command whose
optional extra is missing says which one in one line, and errors never wrap."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jcstar.checks.registry import CHECK_CLASSES, check_module
from jcstar.cli.extras import MODULE_EXTRAS
from jcstar.cli.lazy_group import load_command
from jcstar.cli.main import JcstarGroup
from jcstar.reports.formats import FORMATS

# what `jcstar --help` used to import (about a second of CPU): the engine, every check, the
# label library, the registry and the libraries behind them
HEAVY = (
    "jcstar.assessment",
    "jcstar.checks",
    "jcstar.targets",
    "jcstar.reports",
    "jcstar.labels",
    "jcstar.client",
    "jcstar.registry",
    "asyncssh",
    "telnetlib3",
    "aiomqtt",
    "unblob",
    "cyclonedx",
    "univers",
    "joserfc",
    "nacl",
    "PIL",
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "httpx",
    "trestle",
    "openpyxl",
    "sectxt",
)

# runs jcstar with some modules made unimportable (as when their extra is not installed) and
# writes the modules it imported to a file
RUNNER = """
import json, sys
blocked, args, modules_file = json.loads(sys.argv[1])
for name in blocked:
    sys.modules[name] = None
sys.argv = ["jcstar", *args]
from jcstar.cli.main import run
try:
    run()
finally:
    with open(modules_file, "w") as out:
        json.dump(sorted(sys.modules), out)
"""


def run_jcstar(
    tmp_path: Path, *args: str, blocked: tuple[str, ...] = (), columns: int = 200
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    modules_file = tmp_path / "modules.json"
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps([list(blocked), list(args), str(modules_file)])],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    return result, set(json.loads(modules_file.read_text()))


#: the list of report formats: a command's --help shows it, and it imports no renderer
LIGHT = frozenset({"jcstar.reports", "jcstar.reports.formats"})


def imported(modules: set[str], package: str) -> bool:
    return any(
        name == package or name.startswith(package + ".") for name in modules if name not in LIGHT
    )


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (("--help",), ()),
        ((), ()),  # no arguments shows the help
        (("catalog", "--help"), ()),
        (("catalog", "list"), ()),
        (("report", "--help"), ()),
        (("label", "--help"), ()),
        (("log", "--help"), ()),
        (("registry", "--help"), ()),
        (("admin", "--help"), ()),
        (("plan", "--help"), ()),
        (("review", "--help"), ()),
        # the settings module only (stdlib): the server itself is imported when it runs
        (("serve", "--help"), ("jcstar.registry",)),
    ],
)
def test_help_and_catalog_import_nothing_heavy(
    tmp_path: Path, args: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    result, modules = run_jcstar(tmp_path, *args)
    assert result.returncode in (0, 2), result.stderr  # no arguments: help with exit 2
    assert result.stdout  # it printed the help or the catalog
    heavy = [name for name in HEAVY if name not in allowed and imported(modules, name)]
    assert heavy == []


def test_report_help_lists_every_format_without_importing_a_renderer(tmp_path: Path) -> None:
    result, modules = run_jcstar(tmp_path, "report", "render", "--help")
    assert result.returncode == 0, result.stderr
    assert f"One of: {', '.join(FORMATS)}" in " ".join(result.stdout.split())
    assert "jcstar.reports.formats" in modules  # the light list, and nothing behind it
    assert not imported(modules, "jcstar.reports")
    assert not imported(modules, "jcstar.assessment")


def test_catalog_list_still_lists_the_schemes(tmp_path: Path) -> None:
    result, modules = run_jcstar(tmp_path, "catalog", "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    schemes = {scheme["id"]: scheme for scheme in json.loads(result.stdout)}
    assert {"jcstar-1", "etsi-en-303-645", "psti"} <= set(schemes)
    assert schemes["etsi-en-303-645"]["requirements"] > 0
    assert not imported(modules, "jcstar.checks")


def test_help_lists_every_command_with_its_own_first_line() -> None:
    """The names and lines `jcstar --help` shows without importing a command are the ones the
    command itself carries."""
    for entry in JcstarGroup.lazy_commands:
        command = load_command(entry)
        assert command.name == entry.name
        own = inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\n", " ")
        assert own == entry.help, entry.name


def test_help_shows_each_command(tmp_path: Path) -> None:
    result, _ = run_jcstar(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    listed = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("│ ")]
    assert [entry.name for entry in JcstarGroup.lazy_commands] == [
        name for name in listed if not name.startswith("-")
    ]


def test_a_mistyped_command_is_suggested(tmp_path: Path) -> None:
    result, _ = run_jcstar(tmp_path, "catalg")
    assert result.returncode == 2
    assert "No such command 'catalg'. Did you mean 'catalog'?" in result.stderr


def test_serve_without_the_registry_extra_names_it_in_one_line(tmp_path: Path) -> None:
    result, _ = run_jcstar(tmp_path, "serve", "--demo", blocked=("uvicorn", "sqlalchemy"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: jcstar serve: needs the registry extra: pip install 'jcstar[registry]'"
    ]
    assert list(tmp_path.iterdir()) == [tmp_path / "modules.json"]  # no database, no keys


def test_label_verify_without_the_labels_extra_names_it(tmp_path: Path) -> None:
    result, _ = run_jcstar(
        tmp_path, "label", "verify", "x", "--jwks", "keys.json", blocked=("joserfc",)
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: jcstar label: needs the labels extra: pip install 'jcstar[labels]'"
    ]


def test_a_command_that_cannot_load_names_the_missing_extra(tmp_path: Path) -> None:
    # the network checks are imported when a probe runs (its help needs none of them); the
    # run stops there, before any check contacts the device
    result, _ = run_jcstar(tmp_path, "probe", "127.0.0.1", blocked=("asyncssh",))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: jcstar probe: needs the probe extra: pip install 'jcstar[probe]'"
    ]


def test_a_missing_module_of_no_extra_keeps_its_traceback(tmp_path: Path) -> None:
    # a module every install has: its absence is a broken install, not a missing extra
    result, _ = run_jcstar(tmp_path, "serve", blocked=("jcstar.registry.app",))
    assert result.returncode == 1
    assert "ModuleNotFoundError" in result.stderr
    assert "extra" not in result.stderr


def test_errors_stay_one_line_at_a_narrow_terminal(tmp_path: Path) -> None:
    report = tmp_path / ("a-long-folder-name-that-is-wider-than-the-terminal" * 2) / "r.json"
    result, _ = run_jcstar(tmp_path, "report", "render", str(report), "--format", "md", columns=40)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {report}")


def test_error_text_is_printed_as_written_not_as_markup(tmp_path: Path) -> None:
    result, _ = run_jcstar(tmp_path, "serve", blocked=("uvicorn",), columns=40)
    assert result.stderr.splitlines() == [
        "error: jcstar serve: needs the registry extra: pip install 'jcstar[registry]'"
    ]


# the libraries of the extras that run checks: probing devices and inspecting firmware
CHECK_EXTRAS = tuple(
    module for module, extra in MODULE_EXTRAS.items() if extra in {"probe", "firmware"}
)


@pytest.mark.parametrize("command", ["assess", "probe", "firmware"])
def test_a_commands_help_imports_no_check(tmp_path: Path, command: str) -> None:
    """The checks are imported when a run needs them (checks/registry.py maps ids to modules),
    so a command's help loads none, nor the libraries of the probe and firmware extras."""
    result, modules = run_jcstar(tmp_path, command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    checks = [check_id for check_id in CHECK_CLASSES if check_module(check_id) in modules]
    assert checks == []
    assert [name for name in CHECK_EXTRAS if imported(modules, name)] == []


@pytest.mark.parametrize(
    ("command", "blocked"),
    [("probe", ("unblob", "passlib", "cyclonedx")), ("firmware", ("asyncssh", "telnetlib3"))],
)
def test_a_commands_help_needs_no_other_commands_extra(
    tmp_path: Path, command: str, blocked: tuple[str, ...]
) -> None:
    result, _ = run_jcstar(tmp_path, command, "--help", blocked=blocked)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_a_documents_only_assessment_runs_without_the_probe_and_firmware_extras(
    tmp_path: Path,
) -> None:
    """With only the core installed, a profile with only ``documents:`` is assessed: the
    network and firmware checks are skipped without being imported, for the reasons the
    checks give themselves."""
    example = Path(__file__).parents[2] / "examples" / "conformant-gateway"
    report = tmp_path / "report.json"
    result, modules = run_jcstar(
        tmp_path,
        "assess",
        str(example / "profile.yaml"),
        "--answers",
        str(example / "answers.yaml"),
        "-o",
        str(report),
        blocked=CHECK_EXTRAS,
    )
    assert result.returncode == 0, result.stderr
    attempts = {a["check"]: a for a in json.loads(report.read_text())["attempts"]}
    assert attempts["network.tls"]["status"] == "skipped"
    assert attempts["network.tls"]["reason"] == "profile names no device address (device.address)"
    assert (
        attempts["firmware.update"]["reason"] == "profile names no firmware image (firmware.image)"
    )
    assert attempts["documents.vdp"]["status"] == "completed"
    unimported = [c for c in CHECK_CLASSES if not c.startswith("documents.")]
    assert [c for c in unimported if check_module(c) in modules] == []
