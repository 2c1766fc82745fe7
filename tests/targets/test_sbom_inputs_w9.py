"""The report names every SBOM file the assessment read: ``jcstar assess`` of a profile whose
``sbom.file`` is Yocto's directory of SPDX documents, its index, or a tar of them lists each
file with its SHA-256 in ``inputs[]`` (the directory's and the index's documents one by
one, the tar as itself), so each verdict can be traced to the bytes behind it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.checks.sbom.test_spdx import (
    yocto_directory,
    yocto_documents,
    yocto_index,
    yocto_recipe,
    yocto_tar,
)
from tests.conftest import FIXTURES, invoke

FEED = FIXTURES / "firmware" / "osv-feed.json"
PROFILE = """\
vendor: Example Corp
product: Example gateway
model_numbers: [EG-1]
product_type: router
firmware_version: "1.0"
sbom:
  file: {sbom}
  vuln_feed: {feed}
"""


def _assess(cli, tmp_path: Path, sbom: Path) -> dict:
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE.format(sbom=sbom, feed=FEED), encoding="utf-8")
    code, out, err = invoke(cli, "assess", str(profile))
    assert code == 3, err  # no answers: incomplete, as any assessment without them
    return json.loads(out)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sbom_inputs(report: dict) -> list[tuple[str, str, str]]:
    return [
        (i["role"], i["name"], i["sha256"])
        for i in report["inputs"]
        if i["role"] in ("sbom", "sbom_document")
    ]


def _components(report: dict) -> dict:
    (found,) = [a for a in report["attempts"] if a["check"] == "sbom.components"]
    return found


def test_a_directory_sbom_names_each_document_it_read(cli, tmp_path: Path) -> None:
    spdx = yocto_directory(tmp_path / "spdx", yocto_documents())
    (spdx / "README.txt").write_text("not a document", encoding="utf-8")
    report = _assess(cli, tmp_path, spdx)
    assert _components(report)["status"] == "completed"
    documents = sorted(p for p in spdx.rglob("*.spdx.json"))
    assert len(documents) == 5
    expected = sorted(
        ("sbom_document", f"spdx/{p.relative_to(spdx).as_posix()}", _sha(p)) for p in documents
    )
    assert sorted(_sbom_inputs(report)) == expected  # every document, nothing else
    # the feed is still named beside them
    feeds = [i for i in report["inputs"] if i["role"] == "vulnerability_feed"]
    assert feeds and feeds[0]["sha256"] == _sha(FEED)


def test_an_index_sbom_names_the_index_and_every_document_it_lists(cli, tmp_path: Path) -> None:
    index = yocto_index(tmp_path / "deploy", yocto_documents())
    (index.parent / "unlisted.spdx.json").write_text("{}", encoding="utf-8")  # not read
    report = _assess(cli, tmp_path, index)
    assert _components(report)["status"] == "completed"
    listed = [e["filename"] for e in json.loads(index.read_text())["documents"]]
    expected = [("sbom", index.name, _sha(index))] + [
        ("sbom_document", name, _sha(index.parent / name)) for name in listed
    ]
    assert _sbom_inputs(report) == expected


def test_an_index_whose_document_is_missing_names_what_was_read(cli, tmp_path: Path) -> None:
    index = yocto_index(tmp_path / "deploy", yocto_documents())
    listed = [e["filename"] for e in json.loads(index.read_text())["documents"]]
    (index.parent / listed[2]).unlink()  # the third document is gone
    report = _assess(cli, tmp_path, index)
    attempt = _components(report)
    assert attempt["status"] == "error" and attempt["kind"] == "unreachable"
    assert listed[2] in attempt["reason"]
    names = [name for _, name, _ in _sbom_inputs(report)]
    assert names == [index.name, *listed[:2]]  # what the reader read before it stopped


def test_a_tar_sbom_is_named_by_its_own_digest(cli, tmp_path: Path) -> None:
    bundle = yocto_tar(tmp_path / "image.spdx.tar", yocto_documents())
    report = _assess(cli, tmp_path, bundle)
    assert _components(report)["status"] == "completed"
    assert _sbom_inputs(report) == [("sbom", bundle.name, _sha(bundle))]


def test_a_single_document_is_named_once(cli, tmp_path: Path) -> None:
    document = tmp_path / "recipe-busybox.spdx.json"
    document.write_text(json.dumps(yocto_recipe("busybox", "1.35.0")), encoding="utf-8")
    report = _assess(cli, tmp_path, document)
    assert _sbom_inputs(report) == [("sbom", document.name, _sha(document))]
