"""One definition per kind of reward and penalty clause (ARCHITECTURE.md, "Contract terms in force").

Each kind says, in one entry: its label, the parameters it needs (the ``Clause`` columns it uses), how it
prices a quarter's facts (ledger lines, a cap, a warning or a flag), how a line or a warning explains itself
in both languages, how the clause reads in a contract, and its default for a new contract. The model's
choices and database constraint, the admin and API validation, the clause engine, the ledger's wording
and the reports are all read from here, so a new kind is one new entry (plus the migration
``makemigrations`` writes for the constraint).

Pure: no ORM and no settings; the texts are lazy translations, worded when they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

#: every parameter column of ``Clause``, with what it holds (the database checks these ranges)
PARAMETERS: dict[str, str] = {
    "threshold": "score",  # 0..100 points
    "percent": "percent",  # 0..100 % of the quarter's fee
    "amount": "money",  # >= 0 CNY
    "amount_minor": "money",
    "amount_major": "money",
    "amount_serious": "money",
    "count": "count",  # >= 1
    "window": "count",  # >= 1 quarters
}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def explain(code: str, **params: Any) -> dict[str, Any]:
    """A ledger line's or a warning's explanation, stored as data and worded at display time."""
    return {"code": code, "params": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in params.items()}}


@dataclass(frozen=True, slots=True)
class Priced:
    """What a clause adds to a quarter (the engine turns it into a ledger line)."""

    kind: str  # deduction / bonus
    amount: Decimal
    evidence_type: str  # item_result / complaint / rectification / score
    evidence_id: int | None
    evidence_key: str
    evidence_ref: str
    explanation: dict[str, Any]


@dataclass(frozen=True)
class ClauseKind:
    """One kind of clause.

    ``role`` tells the engine what the kind gives: ``event`` kinds price each fact by the terms version in
    force on the fact's date (``lines``); ``score`` kinds price the quarter once, by the version in force on
    the contract's last day in force (``lines``); ``cap`` bounds the quarter's deductions (``cap``);
    ``warning`` issues a formal warning (``warning``); ``flag`` sets a flag of the office's (``flag``).
    """

    code: str
    label: Any  # lazy text
    role: str
    required: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()  # exactly one of these is given
    one_per_version: bool = False
    lines: Callable[[Any, Any], Iterator[Priced]] | None = None  # (clause, facts) -> what it prices
    cap: Callable[[Any, Any], Decimal] | None = None  # (clause, facts) -> the cap in CNY
    warning: Callable[[Any, Any], dict[str, Any] | None] | None = None  # (clause, facts) -> reason or None
    flag: Callable[[Any, Any, int], tuple[str, dict[str, Any]] | None] | None = None  # -> (flag, reason)
    explanations: Mapping[str, Any] = field(default_factory=dict)  # explanation code -> lazy text
    summary: Callable[[Any], str] | None = None  # (clause) -> one line in the reader's language
    default: Mapping[str, Any] | None = None  # parameters and wording of a new contract's clause

    @property
    def parameters(self) -> tuple[str, ...]:
        return (*self.required, *self.one_of)


_KINDS: dict[str, ClauseKind] = {}


def register(kind: ClauseKind) -> ClauseKind:
    unknown = set(kind.parameters) - set(PARAMETERS)
    if unknown:
        raise ValueError(f"{kind.code}: unknown parameters {sorted(unknown)}")
    _KINDS[kind.code] = kind
    return kind


def unregister(code: str) -> None:
    _KINDS.pop(code, None)


def get(code: str) -> ClauseKind | None:
    return _KINDS.get(code)


def all_kinds() -> list[ClauseKind]:
    return list(_KINDS.values())


def choices() -> list[tuple[str, Any]]:
    """The model field's choices (a callable: Django reads it when it needs it)."""
    return [(kind.code, kind.label) for kind in _KINDS.values()]


def label(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.label) if kind else code


def missing_parameters(code: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Field -> message for what a clause of this kind lacks or has too much of (empty when valid)."""
    kind = _KINDS.get(code)
    if kind is None:
        return {"kind": _("Choose a kind of clause.")}
    errors: dict[str, Any] = {
        name: _("Required for this kind of clause.") for name in kind.required if values.get(name) is None
    }
    if kind.one_of:
        given = [name for name in kind.one_of if values.get(name) is not None]
        names = " / ".join(kind.one_of)
        if not given:
            errors[kind.one_of[0]] = _("Give one of %(names)s for this kind of clause.") % {"names": names}
        elif len(given) > 1:
            errors[given[1]] = _("Give only one of %(names)s, not both.") % {"names": names}
    return errors


def explanation_texts() -> dict[str, Any]:
    texts: dict[str, Any] = {}
    for kind in _KINDS.values():
        texts.update(kind.explanations)
    return texts


def defaults() -> list[dict[str, Any]]:
    """The clause set a new contract starts with, in the registry's order."""
    return [{"kind": kind.code, **kind.default} for kind in _KINDS.values() if kind.default is not None]


# --- the kinds ------------------------------------------------------------------------------------------
SEVERITY_FIELD = {"minor": "amount_minor", "major": "amount_major", "serious": "amount_serious"}


def _deduction(evidence_type: str, fact: Any, amount: Decimal, explanation: dict[str, Any]) -> Priced:
    """A deduction for one fact (a failed item, a complaint, ...), its evidence keyed ``<type>:<id>``."""
    return Priced("deduction", amount, evidence_type, fact.id, f"{evidence_type}:{fact.id}", fact.ref, explanation)


def _failed_items(clause: Any, facts: Any) -> Iterator[Priced]:
    prices: dict[str, tuple[str, Decimal]] = {}  # per severity, shared by its lines
    for item in facts.failed_items:
        price = prices.get(item.severity)
        if price is None:
            rate = getattr(clause, SEVERITY_FIELD.get(item.severity, "amount_minor")) or ZERO
            price = prices[item.severity] = (str(rate), money(rate))
        rate, amount = price
        if amount > 0:
            detail = explain("per_failed_item", ref=item.ref, severity=item.severity, rate=rate)
            yield _deduction("item_result", item, amount, detail)


def _complaints(clause: Any, facts: Any) -> Iterator[Priced]:
    amount = money(clause.amount or ZERO)
    if amount <= 0:
        return
    for complaint in facts.upheld_complaints:
        if complaint.carried_from:  # upheld after its own quarter was final (ARCHITECTURE.md)
            detail = explain(
                "per_upheld_complaint_late",
                ref=complaint.ref,
                rate=clause.amount,
                filed=complaint.carried_from,
                upheld=complaint.on.isoformat() if complaint.on else "",
            )
        else:
            detail = explain("per_upheld_complaint", ref=complaint.ref, rate=clause.amount)
        yield _deduction("complaint", complaint, amount, detail)


def _overdue_days(clause: Any, facts: Any) -> Iterator[Priced]:
    for order in facts.overdue_rectifications:
        amount = money((clause.amount or ZERO) * order.days)
        if amount > 0:
            detail = explain("per_overdue_day", ref=order.ref, days=order.days, rate=clause.amount)
            yield _deduction("rectification", order, amount, detail)


def _missed_self_checks(clause: Any, facts: Any) -> Iterator[Priced]:
    amount = money(clause.amount or ZERO)
    if amount <= 0:
        return
    for check in getattr(facts, "missed_self_checks", ()):
        day = check.on.isoformat() if check.on else ""
        detail = explain("per_missed_self_check", ref=check.ref, day=day, rate=clause.amount)
        yield _deduction("round", check, amount, detail)


def _late_work_orders(clause: Any, facts: Any) -> Iterator[Priced]:
    amount = money(clause.amount or ZERO)
    if amount <= 0:
        return
    for job in getattr(facts, "late_work_orders", ()):
        reference, _sep, number = job.ref.partition(" #")
        if job.completed:
            detail = explain(
                "per_late_work_order",
                ref=reference,
                round=number,
                due=job.due,
                completed=job.completed,
                rate=clause.amount,
            )
        else:
            detail = explain("per_late_work_order_open", ref=reference, round=number, due=job.due, rate=clause.amount)
        yield _deduction("work_order", job, amount, detail)


def _score_below(clause: Any, facts: Any) -> Iterator[Priced]:
    if facts.score is not None and facts.score < clause.threshold:
        amount = money(facts.fee * clause.percent / HUNDRED)
        if amount > 0:
            yield Priced(
                "deduction",
                amount,
                "score",
                None,
                f"score:{facts.quarter}",
                facts.quarter,
                explain(
                    "score_below", score=facts.score, threshold=clause.threshold, percent=clause.percent, fee=facts.fee
                ),
            )


def _score_at_least(clause: Any, facts: Any) -> Iterator[Priced]:
    if facts.score is None or facts.score < clause.threshold:
        return
    if clause.amount is not None:
        amount = money(clause.amount)
        detail = explain("score_at_least_amount", score=facts.score, threshold=clause.threshold, amount=amount)
    else:
        amount = money(facts.fee * clause.percent / HUNDRED)
        detail = explain(
            "score_at_least_percent",
            score=facts.score,
            threshold=clause.threshold,
            percent=clause.percent,
            fee=facts.fee,
        )
    if amount > 0:
        yield Priced("bonus", amount, "score", None, f"score:{facts.quarter}", facts.quarter, detail)


def _warning_below(clause: Any, facts: Any) -> dict[str, Any] | None:
    if facts.score is not None and facts.score < clause.threshold:
        return explain("warning_below", score=facts.score, threshold=clause.threshold)
    return None


def _cap(clause: Any, facts: Any) -> Decimal:
    return money(facts.fee * clause.percent / HUNDRED)


def _window(facts: Any, size: int | None) -> list[str]:
    """The last ``size`` consecutive quarter keys, this one included, oldest first."""
    from logistics.quarters import Quarter  # pure date arithmetic

    return [q.key for q in Quarter.parse(facts.quarter).back(max(1, size or 1))]


def _raised(flag: str, code: str, clause: Any, window: list[str], count: int) -> tuple[str, dict[str, Any]] | None:
    """``flag`` when ``count`` (within the quarters of ``window``) reaches the clause's count; ``code`` explains it."""
    if count < clause.count:
        return None
    return flag, explain(
        code,
        count=count,
        needed=clause.count,
        window=clause.window,
        quarters=f"{window[0]}–{window[-1]}",
    )


def _terminate(clause: Any, facts: Any, warnings_now: int) -> tuple[str, dict[str, Any]] | None:
    window = _window(facts, clause.window)
    # the earlier quarters' warnings, the office's own of this quarter (warnings_by_quarter) and the clauses' now
    count = sum(facts.warnings_by_quarter.get(q, 0) for q in window) + warnings_now
    return _raised("termination", "terminate_after_warnings", clause, window, count)


def _renewal(clause: Any, facts: Any, warnings_now: int) -> tuple[str, dict[str, Any]] | None:
    window = _window(facts, clause.window)
    grades = [facts.grades_by_quarter.get(q) for q in window[:-1]] + [facts.grade]
    return _raised("renewal", "renewal_preference", clause, window, sum(1 for g in grades if g == "A"))


def _text(template: Any, **values: Any) -> str:
    return str(template) % values


def _per_fact(
    code: str,
    label: Any,
    lines: Callable[[Any, Any], Iterator[Priced]],
    explanations: Mapping[str, Any],
    summary: Any,
    default: Mapping[str, Any] | None = None,
) -> ClauseKind:
    """A kind that deducts its ``amount`` for each fact ``lines`` finds (a complaint, a day overdue, ...);
    ``summary`` words the amount."""
    return ClauseKind(
        code=code,
        label=label,
        role="event",
        required=("amount",),
        lines=lines,
        explanations=explanations,
        summary=lambda c: _text(summary, amount=c.amount),
        default=default,
    )


def _in_window(
    code: str,
    label: Any,
    flag: Callable[[Any, Any, int], tuple[str, dict[str, Any]] | None],
    explanation: Any,
    summary: Any,
    default: Mapping[str, Any],
) -> ClauseKind:
    """A kind that raises a flag after ``count`` quarters of something within ``window`` consecutive quarters;
    ``explanation`` is its code's, ``summary`` words the count and the window."""
    return ClauseKind(
        code=code,
        label=label,
        role="flag",
        required=("count", "window"),
        flag=flag,
        explanations={code: explanation},
        summary=lambda c: _text(summary, count=c.count, window=c.window),
        default=default,
    )


register(
    ClauseKind(
        code="per_failed_item",
        label=_("Deduction per failed checklist item"),
        role="event",
        required=("amount_minor", "amount_major", "amount_serious"),
        lines=_failed_items,
        explanations={"per_failed_item": _("Failed checklist item %(ref)s (%(severity)s): %(rate)s CNY per item.")},
        summary=lambda c: _text(
            _("%(minor)s / %(major)s / %(serious)s CNY per failed item (minor / major / serious)"),
            minor=c.amount_minor,
            major=c.amount_major,
            serious=c.amount_serious,
        ),
        default={
            "amount_minor": Decimal("100.00"),
            "amount_major": Decimal("300.00"),
            "amount_serious": Decimal("1000.00"),
            "description": "检查不合格项按严重程度扣减服务费",
        },
    )
)
register(
    _per_fact(
        "per_upheld_complaint",
        _("Deduction per upheld complaint"),
        _complaints,
        explanations={
            "per_upheld_complaint": _("Upheld complaint %(ref)s: %(rate)s CNY per complaint."),
            "per_upheld_complaint_late": _(
                "Upheld complaint %(ref)s: %(rate)s CNY per complaint. Filed in %(filed)s and upheld on "
                "%(upheld)s, after %(filed)s was final: it counts in this quarter."
            ),
        },
        summary=_("%(amount)s CNY per upheld complaint"),
        default={"amount": Decimal("500.00"), "description": "经核实的有效投诉每件扣减服务费"},
    )
)
register(
    _per_fact(
        "per_overdue_rectification_day",
        _("Deduction per day a rectification is overdue"),
        _overdue_days,
        explanations={"per_overdue_day": _("Rectification %(ref)s overdue %(days)s day(s) × %(rate)s CNY per day.")},
        summary=_("%(amount)s CNY per day a rectification order is overdue"),
        default={"amount": Decimal("200.00"), "description": "整改逾期每日扣减服务费"},
    )
)
# the next two are not in a new contract's clause set: the office adds them where the contract prices
# self-checks or the service desk
register(
    _per_fact(
        "per_missed_self_check",
        _("Deduction per missed self-check round"),
        _missed_self_checks,
        explanations={
            "per_missed_self_check": _(
                "Self-check round %(ref)s of %(day)s missed (its plan made it due; none was done in its window or "
                "late): %(rate)s CNY per round."
            )
        },
        summary=_("%(amount)s CNY per missed self-check round"),
    )
)
register(
    _per_fact(
        "per_late_work_order",
        _("Deduction per work order completed late"),
        _late_work_orders,
        explanations={
            "per_late_work_order": _(
                "Work order %(ref)s, round %(round)s: to be completed by %(due)s, completed %(completed)s: "
                "%(rate)s CNY per round completed late."
            ),
            "per_late_work_order_open": _(
                "Work order %(ref)s, round %(round)s: to be completed by %(due)s, not completed by then: "
                "%(rate)s CNY per round completed late."
            ),
        },
        summary=_("%(amount)s CNY per work order round completed late"),
    )
)
register(
    ClauseKind(
        code="score_below",
        label=_("Deduction when the quarterly score is below a threshold"),
        role="score",
        required=("threshold", "percent"),
        lines=_score_below,
        explanations={
            "score_below": _(
                "Quarterly score %(score)s is below %(threshold)s: %(percent)s%% of the quarter's fee %(fee)s CNY."
            )
        },
        summary=lambda c: _text(
            _("Score below %(threshold)s: deduct %(percent)s%% of the quarter's fee"),
            threshold=c.threshold,
            percent=c.percent,
        ),
        default={
            "threshold": Decimal("80.00"),
            "percent": Decimal("5.00"),
            "description": "季度考评得分低于 80 分，扣减当季服务费的 5%",
        },
    )
)
register(
    ClauseKind(
        code="score_at_least",
        label=_("Bonus when the quarterly score reaches a threshold"),
        role="score",
        required=("threshold",),
        one_of=("amount", "percent"),
        lines=_score_at_least,
        explanations={
            "score_at_least_amount": _("Quarterly score %(score)s reaches %(threshold)s: bonus of %(amount)s CNY."),
            "score_at_least_percent": _(
                "Quarterly score %(score)s reaches %(threshold)s: bonus of %(percent)s%% of the quarter's fee "
                "%(fee)s CNY."
            ),
        },
        summary=lambda c: (
            _text(_("Score at least %(threshold)s: bonus of %(amount)s CNY"), threshold=c.threshold, amount=c.amount)
            if c.amount is not None
            else _text(
                _("Score at least %(threshold)s: bonus of %(percent)s%% of the quarter's fee"),
                threshold=c.threshold,
                percent=c.percent,
            )
        ),
        default={
            "threshold": Decimal("95.00"),
            "percent": Decimal("2.00"),
            "description": "季度考评得分达到 95 分，奖励当季服务费的 2%",
        },
    )
)
register(
    ClauseKind(
        code="warning_below",
        label=_("Formal warning when the score is below a threshold"),
        role="warning",
        required=("threshold",),
        warning=_warning_below,
        explanations={"warning_below": _("Quarterly score %(score)s is below %(threshold)s: formal warning.")},
        summary=lambda c: _text(_("Score below %(threshold)s: formal warning"), threshold=c.threshold),
        default={"threshold": Decimal("70.00"), "description": "季度考评得分低于 70 分，给予书面警告"},
    )
)
register(
    _in_window(
        "terminate_after_warnings",
        _("Termination recommended after repeated warnings"),
        _terminate,
        explanation=_(
            "%(count)s warning(s) in the %(window)s quarters %(quarters)s (the clause "
            "allows fewer than %(needed)s): termination is recommended."
        ),
        summary=_("%(count)s warnings within %(window)s consecutive quarters: termination recommended"),
        default={"count": 2, "window": 4, "description": "连续四个季度内受到两次警告，建议解除合同"},
    )
)
register(
    ClauseKind(
        code="deduction_cap",
        label=_("Cap on a quarter's deductions"),
        role="cap",
        required=("percent",),
        one_per_version=True,
        cap=_cap,
        summary=lambda c: _text(_("Deductions of a quarter at most %(percent)s%% of its fee"), percent=c.percent),
        default={"percent": Decimal("10.00"), "description": "每季度扣减总额不超过当季服务费的 10%"},
    )
)
register(
    _in_window(
        "renewal_preference",
        _("Renewal preference after excellent grades"),
        _renewal,
        explanation=_(
            "Grade A in %(count)s of the %(window)s quarters %(quarters)s (at least %(needed)s "
            "needed): preferred for renewal."
        ),
        summary=_("Grade A in at least %(count)s of the last %(window)s quarters: preferred for renewal"),
        default={"count": 3, "window": 4, "description": "连续四个季度中至少三个季度评为优秀，同等条件下优先续签"},
    )
)


def in_order(clauses: Iterable[Any]) -> list[Any]:
    """Clauses in the registry's order (the order a contract lists them in), each kind's by id."""
    order = {code: index for index, code in enumerate(_KINDS)}
    return sorted(clauses, key=lambda c: (order.get(c.kind, len(order)), c.pk or 0))
