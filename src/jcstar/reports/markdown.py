"""Markdown report.

The wording helpers here (verdict labels, evidence lines, short reasons) are also
used by the HTML and workbook renderers so every format says the same thing.
"""

from __future__ import annotations

import re

from jcstar.assessment.also import VerdictGroup, verdict_groups
from jcstar.assessment.consumer import CATEGORIES, UPDATE_MODES
from jcstar.assessment.models import (
    VERDICTS,
    AssessmentReport,
    EvidenceItem,
    RequirementVerdict,
)
from jcstar.checks.base import CheckAttempt

VERDICT_JA: dict[str, str] = {
    "MET": "適合",
    "NOT_MET": "不適合",
    "NOT_APPLICABLE": "対象外",
    "INCONCLUSIVE": "判定不能",
    "NEEDS_REVIEW": "要確認",
}
OVERALL_JA: dict[str, str] = {
    "CONFORMANT": "適合",
    "NOT_CONFORMANT": "不適合",
    "INCOMPLETE": "未完了",
}
SHORT_REASON_CHARS = 80


NOT_RECORDED = "記録なし / not recorded"


def criteria_label(report: AssessmentReport) -> str:
    """The criteria version the report was assessed against; a report from before it was
    recorded says so rather than guess."""
    return report.criteria_version or NOT_RECORDED


def level_label(level: int) -> str:
    return f"★{level}"


def short_reason(verdict: RequirementVerdict) -> str:
    """The first reason, cut to fit a table cell."""
    if not verdict.reasons:
        return ""
    first = " ".join(verdict.reasons[0].split())
    if len(first) <= SHORT_REASON_CHARS:
        return first
    return first[: SHORT_REASON_CHARS - 1].rstrip() + "…"


def evidence_source(item: EvidenceItem) -> str:
    """Where an evidence item came from: ``check documents.vdp (pass)`` or ``vendor``."""
    if item.source == "check":
        check = item.check or "?"
        return f"check {check} ({item.outcome})" if item.outcome else f"check {check}"
    return "vendor"


def evidence_ref_parts(item: EvidenceItem) -> list[tuple[str, str]]:
    """The vendor's document reference as (label, value) pairs, in a fixed order."""
    pairs = (
        ("文書", item.document),
        ("節", item.section),
        ("URL", item.url),
        ("試験 / test", item.test),
        ("結果 / result", item.result),
    )
    return [(label, value) for label, value in pairs if value]


def evidence_refs(item: EvidenceItem) -> str:
    return ", ".join(f"{label}: {value}" for label, value in evidence_ref_parts(item))


def evidence_text(item: EvidenceItem) -> str:
    """One line per evidence item, shared by every format."""
    refs = evidence_refs(item)
    text = f"[{evidence_source(item)}] {item.summary}"
    return f"{text} — {refs}" if refs else text


def observations_text(attempt: CheckAttempt) -> str:
    return "\n".join(f"{o.topic}: {o.outcome} — {o.message}" for o in attempt.observations)


def inline(text: str) -> str:
    """Escape ``<`` so text from the vendor cannot become raw HTML when the
    Markdown is rendered; everything else stays readable in a terminal."""
    return text.replace("<", "\\<")


def cell(text: str | None) -> str:
    """Escape a value for a Markdown table cell: pipes split cells, newlines end rows."""
    if not text:
        return ""
    return inline(" ".join(text.split())).replace("|", "\\|")


def fence(text: str) -> list[str]:
    """A code fence longer than any backtick run in ``text``, so vendor text is
    shown verbatim and never rendered as Markdown or HTML."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    marker = "`" * max(3, longest + 1)
    return [f"{marker}text", *text.splitlines(), marker]


def consumer_facts(report: AssessmentReport) -> list[tuple[str, str]]:
    """The product's consumer information (profile ``consumer:``) as bilingual
    (label, value) pairs, only what the vendor gave."""
    info = report.product.consumer
    if info is None:
        return []
    facts = []
    if info.product_name_ja:
        facts.append(("製品名（日本語） / Product name (Japanese)", info.product_name_ja))
    if info.product_name_en:
        facts.append(("製品名（英語） / Product name (English)", info.product_name_en))
    if info.category:
        named = CATEGORIES[info.category]
        facts.append(("製品分類 / Product category", f"{named.ja} / {named.en}"))
    if info.update_mode:
        mode = UPDATE_MODES[info.update_mode]
        facts.append(("ソフトウェア更新 / Software updates", f"{mode.ja} / {mode.en}"))
    if info.default_password:
        how = [info.default_password.how_to_change, info.default_password.url]
        text = " — ".join(part for part in how if part)
        facts.append(("初期パスワードの変更方法 / Changing the default password", text))
    return facts


#: over a report whose category profile nobody has published (``catalog.draft``)
DRAFT_BANNER = (
    "ドラフト基準（当方の判断）: IPA が公表した適合基準ではありません / "
    "Draft criteria (our own judgement), not published by IPA"
)


def profile_facts(report: AssessmentReport, with_criteria: bool = True) -> list[tuple[str, str]]:
    """The category profile a ★2+ report was assessed against (category, profile, criteria
    version, the operator's requirement files; the level is in every header), as bilingual
    (label, value) pairs; none for a report on a level's own scheme (★1)."""
    if report.product.category is None and not report.catalog.draft:
        return []
    facts = [
        ("製品カテゴリ（適合基準） / Criteria category", report.product.category or NOT_RECORDED),
        ("カテゴリプロファイル / Category profile", report.catalog.scheme),
    ]
    if with_criteria:
        facts.append(("適合基準版 / Criteria version", criteria_label(report)))
    facts += [
        ("運用者の要件ファイル / Operator's requirements file", f"{f.name} (SHA-256 {f.sha256})")
        for f in report.catalog.operator_files
    ]
    return facts


def _profile(report: AssessmentReport) -> list[str]:
    facts = profile_facts(report)
    if not facts:
        return []
    lines = ["## 評価基準 / Assessed against", ""]
    lines += [f"- {label}: {inline(value)}" for label, value in facts]
    return [*lines, ""]


def _header(report: AssessmentReport) -> list[str]:
    p = report.product
    lines = [
        f"# JC-STAR {level_label(report.level)} 評価レポート: {inline(p.product)}",
        "",
    ]
    if report.catalog.draft:  # first, before anything reads as a published level's result
        lines += [f"> **{DRAFT_BANNER}**", ""]
    lines += [
        f"- ベンダー / Vendor: {inline(p.vendor)}",
        f"- 製品 / Product: {inline(p.product)}",
        f"- 型式番号 / Model numbers: {inline(', '.join(p.model_numbers))}",
        f"- 製品種別 / Product type: {inline(p.product_type)}",
        f"- ファームウェア版数 / Firmware version: {inline(p.firmware_version)}",
    ]
    lines += [f"- {label}: {inline(value)}" for label, value in consumer_facts(report)]
    if p.support_period_end:
        lines.append(f"- サポート期間終了 / Support period end: {p.support_period_end.isoformat()}")
    if p.vulnerability_contact:
        lines.append(f"- 脆弱性報告窓口 / Vulnerability contact: {inline(p.vulnerability_contact)}")
    lines.append(f"- 評価レベル / Level: {level_label(report.level)}")
    return [*lines, ""]


def _overall(report: AssessmentReport) -> list[str]:
    label = OVERALL_JA[report.overall]
    return ["## 総合判定 / Overall result", "", f"**{report.overall}** ({label})", ""]


def _summary(report: AssessmentReport) -> list[str]:
    lines = [
        "## 判定の集計 / Summary",
        "",
        "| 判定 / Verdict | 件数 / Count |",
        "| --- | ---: |",
    ]
    for verdict in VERDICTS:
        count = getattr(report.summary, verdict)
        lines.append(f"| {verdict} ({VERDICT_JA[verdict]}) | {count} |")
    return [*lines, ""]


def also_heading(group: VerdictGroup) -> str:
    """The heading over the requirements a ``--also`` scheme added to the report."""
    return f"{group.heading} の追加要件 / Also assessed for {group.heading} (--also)"


def _requirements_table(report: AssessmentReport) -> list[str]:
    lines = ["## 要件一覧 / Requirements", ""]
    # the scheme's own requirements, then each --also scheme's under its own heading
    for group in verdict_groups(report):
        if group.added_by is not None:
            lines += [f"### {inline(also_heading(group))}", ""]
        lines += [
            "| ID | 要件 / Requirement | 判定 / Verdict | 理由 / Reason |",
            "| --- | --- | --- | --- |",
        ]
        for v in group.verdicts:
            title = " / ".join(t for t in (v.title_ja, v.title_en) if t)
            lines.append(
                f"| {cell(v.requirement)} | {cell(title)} | {v.verdict} | {cell(short_reason(v))} |"
            )
        lines.append("")
    return lines


def _details(v: RequirementVerdict) -> list[str]:
    lines = [f"### {v.requirement} {v.title_ja or ''}".rstrip(), ""]
    if v.title_en:
        lines += [v.title_en, ""]
    lines += [f"- 判定 / Verdict: **{v.verdict}** ({VERDICT_JA[v.verdict]})", ""]
    lines += ["#### 判定理由 / Reasons", ""]
    lines += [f"- {inline(r)}" for r in v.reasons] or ["- (なし / none)"]
    lines += ["", "#### 根拠・証跡 / Evidence", ""]
    lines += [f"- {inline(evidence_text(e))}" for e in v.evidence] or ["- (なし / none)"]
    lines += ["", "#### ベンダー記述 / Vendor statement", ""]
    lines += fence(v.vendor_statement) if v.vendor_statement else ["(なし / none)"]
    return [*lines, ""]


def _attempts(report: AssessmentReport) -> list[str]:
    lines = [
        "## チェック実行記録 / Check attempts",
        "",
        "| チェック / Check | 版 / Version | 状態 / Status | 対象 / Target | 理由 / Reason |",
        "| --- | --- | --- | --- | --- |",
    ]
    if not report.attempts:
        return [*lines[:2], "(なし / none)", ""]
    for a in report.attempts:
        lines.append(
            f"| {cell(a.check)} | {cell(a.check_version)} | {a.status} "
            f"| {cell(a.target)} | {cell(a.stated_reason)} |"
        )
    return [*lines, ""]


def _footer(report: AssessmentReport) -> list[str]:
    c = report.catalog
    scheme = f"{c.scheme} {c.scheme_version}" if c.scheme_version else c.scheme
    lines = [
        "---",
        "",
        f"- ツール / Tool: {report.tool.name} {report.tool.version}",
        f"- カタログ / Catalog: {c.version} ({c.digest})",
        f"- スキーム / Scheme: {scheme}",
        f"- 適合基準版 / Criteria version: {inline(criteria_label(report))}",
        f"- レポート形式 / Report schema version: {report.schema_version}",
        f"- レポートID / Report ID: {report.report_id}",
        "- 入力 / Inputs:",
    ]
    lines += [f"  - {inline(i.role)}: {inline(i.name)} (SHA-256 {i.sha256})" for i in report.inputs]
    lines.append(f"- 生成日時 / Generated at: {report.generated_at.isoformat()}")
    return lines


def render_markdown(report: AssessmentReport) -> str:
    lines = [
        *_header(report),
        *_profile(report),
        *_overall(report),
        *_summary(report),
        *_requirements_table(report),
        "## 要件ごとの詳細 / Details",
        "",
    ]
    for group in verdict_groups(report):
        if group.added_by is not None:
            lines += [f"## {inline(also_heading(group))}", ""]
        for verdict in group.verdicts:
            lines += _details(verdict)
    lines += _attempts(report) + _footer(report)
    return "\n".join(lines) + "\n"
