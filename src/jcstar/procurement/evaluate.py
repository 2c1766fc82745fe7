"""Does each line of a model list meet a procurement policy on a given day? Pure: no I/O.

``check_lines`` takes the lines, the ``Lookup`` a ``client.status.StatusSource`` answered and
the policy, and gives one ``LineResult`` per line and a summary. For a line, in this order:

1. The rules that apply: the policy's rules whose importance, product type and period match
   (a rule restricted to an importance or product type applies only when told that one).
   None applies → ``unknown``.
2. The labels found for the model number (matched in the registry's normal form). The source
   did not answer for it → ``unknown``; none → ``not_met`` ("no label found").
3. A vendor on the line keeps only that vendor's labels (normal form); none left →
   ``not_met``, naming the vendors whose labels were found.
4. A label not yet issued on the day does not count.
5. A superseded label is followed to its successor when the lookup holds it, and the result
   says so; a successor it does not hold leaves the superseded label (which fails).
6. Labels of two or more vendors remain → ``ambiguous``: every one is reported, none chosen.
7. Each remaining label is judged against every applicable rule: valid on the day (not
   expired, suspended, revoked or superseded) and at least the rule's level; an ended support
   period or a security notice is a warning unless the rule requires otherwise. The first
   label that meets every rule is chosen (highest level first) → ``met``; else the best
   candidate's reasons → ``not_met``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jcstar.client.status import Lookup
from jcstar.labels.standing import LabelRecord, Standing, model_key, standing_on
from jcstar.procurement.models import Importance, Policy, Rule

Verdict = Literal["met", "not_met", "ambiguous", "unknown"]
VERDICTS: tuple[Verdict, ...] = ("met", "not_met", "ambiguous", "unknown")
RESULT_SCHEMA_VERSION = "1"
#: what every report says, since a buyer may read a label as saying more
PRODUCT_ALONE = (
    "A JC-STAR label covers the product alone: it says nothing of how the system it is built "
    "into is segmented, reached remotely or operated."
)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Why(Frozen):
    """A reason as a stable code and its values, for a reader in another language (the portal
    says it with a translated message); ``reason`` keeps the English sentence for reports,
    the CLI and the JSON. Codes: ``WHY_CODES``."""

    code: str
    values: dict[str, str] = Field(default_factory=dict)


#: every ``Why.code`` with the values it carries
WHY_CODES = {
    "no_rule_applies": ("policy", "on", "importance", "product_type"),
    "no_answer": (),
    "no_label": (),
    "no_label_of_vendor": ("vendor", "others"),
    "none_issued_by": ("on",),
    "several_vendors": ("count", "vendors"),
    "met": ("registration_no", "level", "on"),
    "label_fails": ("registration_no",),  # followed by the label's own reasons
    "under_consideration": ("rules",),
    "expired": ("expires_on", "on"),
    "superseded": ("by", "on"),
    "status": ("status", "on", "reason"),
    "below_level": ("level", "min_level", "rule"),
    "support_ended": ("date",),
    "notices": ("count", "titles"),
    # a line's notes (``LineResult.notes_why``)
    "followed": ("via", "by"),
    "substitutes": ("rule", "scheme", "requirements"),
}
# the codes travel in process only (the portal's pages): the JSON result is unchanged
_IN_PROCESS = Field(default=(), exclude=True)


class ModelLine(Frozen):
    """One line of a model list."""

    model: str = Field(min_length=1)
    vendor: str | None = None
    firmware: str | None = None
    quantity: int = Field(default=1, ge=0)
    #: the line's own product type (a column of the list), over the check's
    product_type: str | None = None
    #: where the line came from (``models.csv:4``), for reports
    source: str | None = None


class RuleOutcome(Frozen):
    rule: str
    met: bool
    under_consideration: bool
    reasons: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    #: ``reasons`` as codes, in the same order
    why: tuple[Why, ...] = _IN_PROCESS
    #: ``warnings`` as codes, in the same order
    warnings_why: tuple[Why, ...] = _IN_PROCESS


class LabelJudgement(Frozen):
    """One label found for a line, as it stood on the day, and how it fared."""

    standing: Standing
    #: the superseded label this one was reached from
    followed_from: str | None = None
    rules: tuple[RuleOutcome, ...] = ()


class LineResult(Frozen):
    line: ModelLine
    verdict: Verdict
    reason: str
    labels: tuple[LabelJudgement, ...]
    #: the registration number of the label that meets the policy (null unless ``met``)
    chosen: str | None = None
    rules: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: ``reason`` as codes: the line's reason first, then (``label_fails``) the label's reasons
    why: tuple[Why, ...] = _IN_PROCESS
    #: ``warnings`` and ``notes`` as codes, each in the same order
    warnings_why: tuple[Why, ...] = _IN_PROCESS
    notes_why: tuple[Why, ...] = _IN_PROCESS


class VerdictCount(Frozen):
    lines: int = 0
    quantity: int = 0


class CheckSummary(Frozen):
    lines: int
    quantity: int
    by_verdict: dict[Verdict, VerdictCount]

    @property
    def all_met(self) -> bool:
        return self.by_verdict["met"].lines == self.lines


class CheckResult(Frozen):
    """A whole check: what was asked, of what source, and the answers (``--format json``)."""

    schema_version: str = RESULT_SCHEMA_VERSION
    policy: str
    policy_name: str
    policy_version: str
    source: str
    on: dt.date
    importance: Importance | None
    product_type: str | None
    lines: tuple[LineResult, ...]
    summary: CheckSummary
    scope_note: str = PRODUCT_ALONE


def applicable_rules(
    policy: Policy, on: dt.date, importance: Importance | None, product_type: str | None
) -> tuple[Rule, ...]:
    """The policy's rules that apply on ``on`` to a system of ``importance`` and a product of
    ``product_type`` (rule 1 of the module docstring)."""

    def applies(rule: Rule) -> bool:
        when = rule.applies
        if when.importance and importance not in when.importance:
            return False
        if when.product_types and product_type not in when.product_types:
            return False
        if when.effective_from and on < when.effective_from:
            return False
        return not (when.effective_to and on > when.effective_to)

    return tuple(rule for rule in policy.rules if applies(rule))


def judge_rule(rule: Rule, standing: Standing) -> RuleOutcome:
    """One rule against one label's standing on the day (rule 7)."""
    reasons: list[str] = []
    warnings: list[str] = []
    why: list[Why] = []
    warned: list[Why] = []
    if standing.status != "valid":
        reasons.append(_status_reason(standing))
        why.append(_status_why(standing))
    if standing.level < rule.requires.min_level:
        reasons.append(f"★{standing.level} is below the ★{rule.requires.min_level} {rule.id} asks")
        values = {"level": standing.level, "min_level": rule.requires.min_level, "rule": rule.id}
        why.append(_why("below_level", **values))
    if standing.support_ended:
        text = f"support period ended {standing.support_period_end}"
        coded = _why("support_ended", date=standing.support_period_end)
        _sort_why(rule.requires.support_period, coded, why, warned)
        _sort(rule.requires.support_period, text, reasons, warnings)
    if standing.notices:
        titles = "; ".join(n.title for n in standing.notices)
        text = f"{len(standing.notices)} security notice(s): {titles}"
        coded = _why("notices", count=len(standing.notices), titles=titles)
        _sort_why(rule.requires.notices, coded, why, warned)
        _sort(rule.requires.notices, text, reasons, warnings)
    return RuleOutcome(
        rule=rule.id,
        met=not reasons,
        under_consideration=rule.status == "under_consideration",
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        why=tuple(why),
        warnings_why=tuple(warned),
    )


def check_line(
    line: ModelLine,
    lookup: Lookup,
    policy: Policy,
    on: dt.date,
    importance: Importance | None = None,
    product_type: str | None = None,
) -> LineResult:
    """One line's verdict (the rules of the module docstring, in order)."""
    kind = line.product_type or product_type
    rules = applicable_rules(policy, on, importance, kind)
    rule_ids = tuple(rule.id for rule in rules)
    if not rules:
        asked = f"importance {importance or '-'}, product type {kind or '-'}"
        values = {"policy": policy.id, "on": on, "importance": importance, "product_type": kind}
        coded = _why("no_rule_applies", **values)
        reason = f"no rule of {policy.id} applies on {on} ({asked})"
        return _result(line, "unknown", reason, (), why=(coded,))
    if line.model not in lookup.by_model:
        reason = "the source gave no answer for this model number"
        return _result(line, "unknown", reason, (), why=(_why("no_answer"),))
    records = list(lookup.by_model[line.model])
    if not records:
        return _result(line, "not_met", "no label found", (), rule_ids, why=(_why("no_label"),))
    if line.vendor:
        wanted = model_key(line.vendor)
        mine = [r for r in records if model_key(r.vendor) == wanted]
        if not mine:
            others = ", ".join(sorted({r.vendor for r in records}))
            reason = (
                f"no label of vendor {line.vendor!r} for this model (labels found of: {others})"
            )
            coded = _why("no_label_of_vendor", vendor=line.vendor, others=others)
            return _result(line, "not_met", reason, (), rule_ids, why=(coded,))
        records = mine
    found = _followed(records, lookup, on)
    found = [(s, via) for s, via in found if s.status != "not_issued"]
    if not found:
        coded = _why("none_issued_by", on=on)
        return _result(line, "not_met", f"no label issued by {on}", (), rule_ids, why=(coded,))
    notes = tuple(
        f"{via} is superseded by {s.registration_no}: judged on {s.registration_no}"
        for s, via in found
        if via
    )
    notes_why = tuple(_why("followed", via=via, by=s.registration_no) for s, via in found if via)
    vendors = sorted({s.vendor for s, _ in found}, key=model_key)
    if len({model_key(v) for v in vendors}) > 1:
        plain = [LabelJudgement(standing=s, followed_from=via) for s, via in found]
        reason = f"labels of {len(vendors)} vendors ({', '.join(vendors)}): give the vendor"
        coded = _why("several_vendors", count=len(vendors), vendors=", ".join(vendors))
        return _result(
            line,
            "ambiguous",
            reason,
            tuple(plain),
            rule_ids,
            notes=notes,
            why=(coded,),
            notes_why=notes_why,
        )
    judged = [
        LabelJudgement(
            standing=s, followed_from=via, rules=tuple(judge_rule(rule, s) for rule in rules)
        )
        for s, via in sorted(found, key=lambda f: (f[0].status != "valid", -f[0].level))
    ]
    winner = next((j for j in judged if all(o.met for o in j.rules)), None)
    pending = _pending(rules)
    considered = _pending_why(rules)
    if winner is not None:
        warnings = tuple(w for o in winner.rules for w in o.warnings)
        warned = tuple(w for o in winner.rules for w in o.warnings_why)
        reason = f"{winner.standing.registration_no} ★{winner.standing.level} valid on {on}"
        chosen = winner.standing
        met = _why("met", registration_no=chosen.registration_no, level=chosen.level, on=on)
        return _result(
            line,
            "met",
            reason + pending,
            tuple(judged),
            rule_ids,
            chosen=winner.standing.registration_no,
            warnings=warnings,
            notes=notes + _substitution_notes(rules),
            why=(met, *considered),
            warnings_why=warned,
            notes_why=notes_why + _substitution_whys(rules),
        )
    best = judged[0]
    reasons = "; ".join(dict.fromkeys(r for o in best.rules for r in o.reasons))
    why = f"{best.standing.registration_no}: {reasons}{pending}"
    fails = _why("label_fails", registration_no=best.standing.registration_no)
    own: list[Why] = []  # each reason once, as ``reasons`` (a Why holds a dict: no hash)
    for coded in (w for o in best.rules for w in o.why):
        if coded not in own:
            own.append(coded)
    coding = (fails, *own, *considered)
    return _result(
        line, "not_met", why, tuple(judged), rule_ids, notes=notes, why=coding, notes_why=notes_why
    )


def check_lines(
    lines: Sequence[ModelLine],
    lookup: Lookup,
    policy: Policy,
    on: dt.date,
    source: str,
    importance: Importance | None = None,
    product_type: str | None = None,
) -> CheckResult:
    """Every line's verdict and the summary."""
    results = tuple(check_line(x, lookup, policy, on, importance, product_type) for x in lines)
    return CheckResult(
        policy=policy.id,
        policy_name=policy.name_en,
        policy_version=policy.version,
        source=source,
        on=on,
        importance=importance,
        product_type=product_type,
        lines=results,
        summary=summarise(results),
    )


def summarise(results: Sequence[LineResult]) -> CheckSummary:
    """Counts of lines and of units (quantity-weighted) per verdict."""
    counts = {verdict: [0, 0] for verdict in VERDICTS}
    for result in results:
        counts[result.verdict][0] += 1
        counts[result.verdict][1] += result.line.quantity
    return CheckSummary(
        lines=len(results),
        quantity=sum(r.line.quantity for r in results),
        by_verdict={v: VerdictCount(lines=n, quantity=q) for v, (n, q) in counts.items()},
    )


def registrations_to_follow(lookup: Lookup) -> tuple[str, ...]:
    """Successors of superseded labels the lookup does not hold yet: ask the source for these
    too, so rule 5 can follow them."""
    held = {r.registration_no for rs in lookup.by_model.values() for r in rs}
    held |= {n for n, r in lookup.by_registration.items() if r is not None}
    wanted = {
        r.superseded_by
        for rs in lookup.by_model.values()
        for r in rs
        if r.superseded_by and r.superseded_by not in held
    }
    return tuple(sorted(wanted))


def _followed(
    records: list[LabelRecord], lookup: Lookup, on: dt.date
) -> list[tuple[Standing, str | None]]:
    """Each record's standing on the day; a superseded one replaced by its successor's when
    the lookup holds it (rule 5), remembering where it came from."""
    out: dict[str, tuple[Standing, str | None]] = {}
    for record in records:
        standing, via, seen = standing_on(record, on), None, {record.registration_no}
        while standing.status == "superseded" and standing.superseded_by:
            successor = _held(standing.superseded_by, records, lookup)
            if successor is None:
                break
            if successor.registration_no in seen:
                break  # a loop in the data: judge the label where it stands
            seen.add(successor.registration_no)
            via = via or record.registration_no
            standing = standing_on(successor, on)
        out.setdefault(standing.registration_no, (standing, via))
    return list(out.values())


def _held(number: str, records: list[LabelRecord], lookup: Lookup) -> LabelRecord | None:
    """The record numbered ``number`` if the lookup holds it: among the line's own records
    (a renewal keeps the model numbers) or the successors asked for by number, else anywhere
    in the lookup. Looked for in that order so a whole list costs one pass over the lookup
    per line that needs it, not per line (a 10,000-line list took 24 s when every line
    indexed the whole lookup)."""
    for record in records:
        if record.registration_no == number:
            return record
    found = lookup.by_registration.get(number)
    if found is not None:
        return found
    return next(
        (r for rs in lookup.by_model.values() for r in rs if r.registration_no == number), None
    )


def _status_reason(standing: Standing) -> str:
    on = standing.on
    if standing.status == "expired":
        return f"expired on {standing.expires_on} (before {on})"
    if standing.status == "superseded":
        return f"superseded by {standing.superseded_by or 'another label'} by {on}"
    why = f": {standing.reason}" if standing.reason else ""
    return f"{standing.status} on {on}{why}"


def _status_why(standing: Standing) -> Why:
    if standing.status == "expired":
        return _why("expired", expires_on=standing.expires_on, on=standing.on)
    if standing.status == "superseded":
        return _why("superseded", by=standing.superseded_by or "", on=standing.on)
    return _why("status", status=standing.status, on=standing.on, reason=standing.reason or "")


def _why(code: str, **values: object) -> Why:
    return Why(code=code, values={k: "" if v is None else str(v) for k, v in values.items()})


def _pending_why(rules: Sequence[Rule]) -> tuple[Why, ...]:
    considered = [rule.id for rule in rules if rule.status == "under_consideration"]
    return (_why("under_consideration", rules=", ".join(considered)),) if considered else ()


def _sort(strictness: str, text: str, reasons: list[str], warnings: list[str]) -> bool:
    """File ``text`` as a reason or a warning by the rule's strictness; True if a reason."""
    if strictness == "require":
        reasons.append(text)
        return True
    if strictness == "warn":
        warnings.append(text)
    return False


def _sort_why(strictness: str, coded: Why, why: list[Why], warned: list[Why]) -> None:
    """``_sort`` for the reason's code."""
    if strictness == "require":
        why.append(coded)
    elif strictness == "warn":
        warned.append(coded)


def _pending(rules: Sequence[Rule]) -> str:
    considered = [rule.id for rule in rules if rule.status == "under_consideration"]
    if not considered:
        return ""
    return f" (under consideration, not yet in force: {', '.join(considered)})"


def _substitution_notes(rules: Sequence[Rule]) -> tuple[str, ...]:
    return tuple(
        f"{rule.id}: the label substitutes for checking {rule.substitutes_scheme} "
        f"{', '.join(rule.substitutes_for)}"
        for rule in rules
        if rule.substitutes_for
    )


def _substitution_whys(rules: Sequence[Rule]) -> tuple[Why, ...]:
    """``_substitution_notes`` as codes."""
    return tuple(
        _why(
            "substitutes",
            rule=rule.id,
            scheme=rule.substitutes_scheme,
            requirements=", ".join(rule.substitutes_for),
        )
        for rule in rules
        if rule.substitutes_for
    )


def _result(
    line: ModelLine,
    verdict: Verdict,
    reason: str,
    labels: tuple[LabelJudgement, ...],
    rules: tuple[str, ...] = (),
    chosen: str | None = None,
    warnings: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
    why: tuple[Why, ...] = (),
    warnings_why: tuple[Why, ...] = (),
    notes_why: tuple[Why, ...] = (),
) -> LineResult:
    return LineResult(
        line=line,
        verdict=verdict,
        reason=reason,
        labels=labels,
        chosen=chosen,
        rules=rules,
        warnings=warnings,
        notes=notes,
        why=why,
        warnings_why=warnings_why,
        notes_why=notes_why,
    )
