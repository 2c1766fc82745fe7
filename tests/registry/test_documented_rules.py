"""What the documentation promises implementers and scripts: the transparency log's hash rule
(docs/registry-api.md) as both the server and the client compute it, and the commands' exit
codes, defined with every other in ``jcstar.cli.common`` and listed in docs/registry-client.md."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

from typer.testing import CliRunner

from jcstar.cli import common
from jcstar.cli.common import EXIT_DENIED, EXIT_UNAVAILABLE
from jcstar.cli.main import app
from jcstar.client.log_chain import check_chain
from jcstar.registry.log.chain import GENESIS, canonical, entry_hash, sha256_hex

DOCS = Path(__file__).resolve().parents[2] / "docs"
DOC = DOCS / "registry-client.md"


def worked_example() -> dict[str, str]:
    """The log's worked example in docs/registry-api.md, line by line."""
    text = (DOCS / "registry-api.md").read_text("utf-8")
    block = text.split("A worked example, the first entry of a log", 1)[1]
    block = block.split("```text\n", 1)[1].split("```", 1)[0]
    rows = (re.match(r"^(\S.*?)\s{2,}(\S.*)$", line) for line in block.splitlines())
    return {m.group(1): m.group(2) for m in rows if m}


def test_documented_log_hash_rule_is_what_server_and_client_compute() -> None:
    doc = worked_example()
    seq, at, kind, subject = (part.strip() for part in doc["seq, at, kind, subject"].split(","))
    payload = json.loads(doc["payload"])
    # the server's rule
    assert canonical(payload).decode() == doc["canonical payload"]
    assert sha256_hex(canonical(payload)) == doc["payload_sha256"]
    assert doc["prev_hash"] == GENESIS
    hashed = {
        "seq": int(seq),
        "at": at,
        "kind": kind,
        "subject": subject,
        "payload_sha256": doc["payload_sha256"],
        "prev_hash": doc["prev_hash"],
    }
    assert canonical(hashed).decode() == doc["hashed object"]
    assert entry_hash(int(seq), at, kind, subject, doc["payload_sha256"], GENESIS) == doc["hash"]
    # the client's own implementation accepts exactly that entry, and nothing else
    entry = {**hashed, "payload": payload, "hash": doc["hash"]}
    assert check_chain([entry]).ok
    assert not check_chain([{**entry, "hash": "f" * 64}]).ok


def closed_loopback_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_registry_exits_unavailable_and_a_bad_url_is_usage(cli: CliRunner) -> None:
    url = f"http://127.0.0.1:{closed_loopback_port()}"
    result = cli.invoke(app, ["label", "show", "JC1-2026-000001", "--registry", url])
    assert result.exit_code == EXIT_UNAVAILABLE == 5
    assert "cannot connect" in result.output
    bad = cli.invoke(app, ["label", "show", "JC1-2026-000001", "--registry", "ftp://x"])
    assert bad.exit_code == common.EXIT_USAGE
    assert EXIT_DENIED == 4  # the value scripts rely on (401/403; test_registry_cli drives it)


def test_every_exit_code_is_documented_with_its_value() -> None:
    defined = {
        name: value
        for name, value in vars(common).items()
        if name.startswith("EXIT_") and isinstance(value, int)
    }
    assert set(defined) >= {"EXIT_OK", "EXIT_DENIED", "EXIT_UNAVAILABLE"}
    rows = dict(re.findall(r"^\| (\d+) \| `(EXIT_\w+)` \|", DOC.read_text("utf-8"), re.M))
    documented = {name: int(value) for value, name in rows.items()}
    assert documented == defined
