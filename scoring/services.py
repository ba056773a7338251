"""Quarterly evaluation use cases: compute, review, finalize (with the clause engine), reopen, quarter close."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts import notices
from contracts import services as contract_services
from contracts.choices import LedgerKind, NoticeKind
from contracts.explanations import describe
from contracts.models import Contract, FormalWarning, LedgerLine, Settlement
from logistics import advisory, bulk, outbox
from logistics.immutability import allow_locked_changes
from logistics.models import stamp
from logistics.notify import notify_later, notify_office, notify_vendor
from logistics.policy import may
from logistics.quarters import Quarter, institution_tz, local_date
from scoring import calculations, components, selectors
from scoring.models import (
    EVALUATION_FLOW,
    QUARTER_WEIGHT_FIELDS,
    Evaluation,
    EvaluationComponent,
    EvaluationReopening,
    EvaluationScheme,
    EvaluationStatus,
    ObjectionStatus,
    QuarterRun,
)

if TYPE_CHECKING:
    from logistics.models import User


logger = logging.getLogger(__name__)
SIX = Decimal("0.000001")
TEN = Decimal("0.0000000001")


def _q6(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(SIX, rounding=ROUND_HALF_UP)


def locked_evaluation(pk: int, *related: str) -> Evaluation:
    """The evaluation read again, its row (not its related rows) locked until the transaction ends."""
    evaluations = Evaluation.objects.select_for_update(of=("self",))
    return (evaluations.select_related(*related) if related else evaluations).get(pk=pk)


# --- compute --------------------------------------------------------------------------------------------
COMPARED = ("scheme_id", "raw_score", "score", "grade", "explanation", "facts")


def _values(
    contract: Contract, scheme: EvaluationScheme, facts: selectors.ContractFacts, adjustment: Decimal, now: dt.datetime
) -> tuple[dict[str, Any], calculations.Result]:
    data = selectors.scheme_data(scheme)
    result = calculations.compute(facts.facts, data, adjustment)
    explanation = calculations.explain(result)
    detail = calculations.satisfaction_detail(facts.facts, data)
    if detail is not None:
        explanation["satisfaction"] = detail
    desk = calculations.desk_detail(facts.facts, data)
    if desk is not None:
        explanation["desk"] = desk
    values = {
        "scheme_id": scheme.pk,
        "raw_score": _q6(result.raw_score),
        "score": result.score,
        "grade": result.grade,
        "explanation": explanation,
        "facts": selectors.facts_summary(facts),
        "computed_at": now,
    }
    return values, result


def _component_values(component: calculations.Component) -> dict[str, Any]:
    return {
        "value": _q6(component.value),
        "n": component.n,
        "weight": component.weight,
        "effective_weight": component.effective_weight.quantize(TEN, rounding=ROUND_HALF_UP),
    }


@transaction.atomic
def evaluations_compute(
    *,
    quarter: Quarter,
    contracts: list[Contract] | None = None,
    include_reviewed: bool = False,
) -> list[Evaluation]:
    """Compute (or recompute) the evaluations of a quarter: same data, same numbers, same rows.

    Final evaluations are never touched; reviewed ones only when asked (their review is kept). The
    contracts' clauses are applied to the same facts, as draft settlements the evaluation meeting reviews
    (finalizing applies them again, for good): the facts an evaluation stores are always the ones its money
    was priced from. Reads and writes are batched, so the number of queries does not depend on the number of
    contracts.
    """
    contracts = list(contracts if contracts is not None else selectors.evaluable_contracts(quarter))
    existing = {
        e.contract_id: e
        for e in Evaluation.objects.select_for_update()
        .filter(quarter=quarter.key, contract__in=contracts)
        .prefetch_related("components")
    }
    kept = {EvaluationStatus.REVIEWED, EvaluationStatus.PUBLISHED}  # the meeting's (and the vendor's) version
    skip = {EvaluationStatus.FINAL} | (set() if include_reviewed else kept)
    todo = [c for c in contracts if c.pk not in existing or existing[c.pk].status not in skip]
    if not todo:
        return []
    schemes = selectors.current_schemes()
    schemes_by_id = {s.pk: s for s in (schemes.default, *schemes.by_category.values())}
    facts = selectors.quarter_facts(quarter, todo)
    now = timezone.now()
    created, changed, results = [], [], {}
    for contract in todo:
        evaluation = existing.get(contract.pk)
        if evaluation is not None and evaluation.status in kept:
            scheme = schemes_by_id.get(evaluation.scheme_id) or evaluation.scheme
        else:
            scheme = schemes.for_contract(contract)
        adjustment = evaluation.adjustment if evaluation else Decimal("0.00")
        values, result = _values(contract, scheme, facts[contract.pk], adjustment, now)
        results[contract.pk] = result
        if evaluation is None:
            created.append(Evaluation(contract=contract, quarter=quarter.key, **values))
        elif any(getattr(evaluation, name) != values[name] for name in COMPARED):
            for name, value in values.items():
                setattr(evaluation, name, value)
            changed.append(evaluation)
    bulk.create_with_history(Evaluation, created, reason="computed")
    bulk.update_with_history(Evaluation, changed, [*COMPARED, "computed_at", "updated_at"], reason="recomputed")
    new_components, updated_components = [], []
    for evaluation in [*created, *changed]:
        rows = {c.code: c for c in evaluation.components.all()} if evaluation in changed else {}
        for component in results[evaluation.contract_id].components:
            if not components.shown(component.code, component.weight):
                continue  # self-checks are evidence, not part of the score, unless a scheme weighs them
            data = _component_values(component)
            row = rows.get(component.code)
            if row is None:
                new_components.append(EvaluationComponent(evaluation=evaluation, code=component.code, **data))
            elif any(getattr(row, k) != v for k, v in data.items()):
                for k, v in data.items():
                    setattr(row, k, v)
                updated_components.append(row)
    if new_components:
        EvaluationComponent.objects.bulk_create(new_components, batch_size=bulk.BATCH)
    if updated_components:
        models.QuerySet(model=EvaluationComponent).bulk_update(
            updated_components, ["value", "n", "weight", "effective_weight"], batch_size=bulk.UPDATE_BATCH
        )
    by_contract = {e.contract_id: e for e in [*existing.values(), *created]}
    _draft_settlements(quarter, [by_contract[c.pk] for c in todo], facts)
    return [by_contract[c.pk] for c in todo]


def _draft_settlements(
    quarter: Quarter, evaluations: list[Evaluation], facts: dict[int, selectors.ContractFacts]
) -> None:
    contract_services.settlements_apply(  # a final settlement stays as it is (its locked read tells)
        quarter=quarter,
        skip_final=True,
        savepoint=False,  # inside the close's transaction, which fails as a whole
        items=[_settlement_input(facts[e.contract_id], e.score, e.grade) for e in evaluations],
    )


# --- review ---------------------------------------------------------------------------------------------
@transaction.atomic
def evaluation_review(
    *,
    evaluation: Evaluation,
    meeting_date: dt.date,
    attendees: str,
    minutes: str = "",
    adjustment: Decimal | str = Decimal(0),
    reason: str = "",
    by: User,
) -> Evaluation:
    """Record the joint evaluation meeting, with an optional manual adjustment within the scheme's bound."""
    evaluation = locked_evaluation(evaluation.pk, "scheme")
    if evaluation.is_final:  # the flow's final -> reviewed is the audited reopening's, not a new meeting's
        raise ValidationError(_("This evaluation is final; reopen it first, with a reason."))
    EVALUATION_FLOW.check(
        evaluation.status,
        EvaluationStatus.REVIEWED,
        _("The result has been published to the vendor: rule on its objections, then finalize."),
    )
    try:
        adjustment = Decimal(str(adjustment or 0)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError({"adjustment": _("Enter the adjustment as a number of points.")})
    bound = evaluation.scheme.adjustment_bound
    if abs(adjustment) > bound:
        raise ValidationError(
            {"adjustment": _("The adjustment must be between -%(bound)s and +%(bound)s points.") % {"bound": bound}}
        )
    if adjustment != 0 and not reason.strip():
        raise ValidationError({"reason": _("An adjustment needs a written reason.")})
    if not attendees.strip():
        raise ValidationError({"attendees": _("List who attended the evaluation meeting.")})
    EVALUATION_FLOW.advance(evaluation, EvaluationStatus.REVIEWED)
    evaluation.meeting_date = meeting_date
    evaluation.attendees = attendees.strip()
    evaluation.minutes = minutes.strip()
    evaluation.adjustment = adjustment
    evaluation.adjustment_reason = reason.strip() if adjustment else ""
    evaluation.reviewed_at = timezone.now()
    evaluation.reviewed_by = by
    stamp(evaluation, by=by, reason=reason.strip())
    evaluation.save()
    # the adjustment changes the score and the grade: recompute with the same scheme, same facts
    return evaluations_compute(
        quarter=Quarter.parse(evaluation.quarter), contracts=[evaluation.contract], include_reviewed=True
    )[0]


# --- publish to the vendor: the objection period ------------------------------------------------------------
def objection_deadline(published_at: dt.datetime, days: int) -> dt.datetime:
    """The end of the objection period: midnight at the end of the ``days``-th calendar day after publication,
    in the institution's time zone (published on 10 October with 5 days: until 15 October, 24:00)."""
    last_day = local_date(published_at) + dt.timedelta(days=days)
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=institution_tz())


@transaction.atomic
def evaluation_publish(
    *, evaluation: Evaluation, by: User, now: dt.datetime | None = None, again: bool = False
) -> Evaluation:
    """Send the vendor its quarter's result after the evaluation meeting: the score, the components, the
    settlement and every ledger line with its evidence, open to objections until the deadline. ``again``: a
    published result is sent once more with a new objection period (its figures changed since); the objections
    already filed stay as they are."""
    evaluation = locked_evaluation(evaluation.pk, "scheme", "contract__vendor")
    if not may(by, "evaluation.publish", evaluation):
        raise ValidationError(_("Only the logistics office publishes a result to the vendor."))
    if evaluation.status == EvaluationStatus.PUBLISHED and not again:
        return evaluation
    EVALUATION_FLOW.check(
        evaluation.status, EvaluationStatus.PUBLISHED, _("Record the evaluation meeting before publishing the result.")
    )
    now = now or timezone.now()
    EVALUATION_FLOW.advance(evaluation, EvaluationStatus.PUBLISHED)
    evaluation.published_at = now
    evaluation.published_by = by
    evaluation.objection_deadline = objection_deadline(now, evaluation.scheme.objection_days)
    evaluation.accepted_at = None
    evaluation.accepted_by = None
    stamp(evaluation, by=by, reason="published")
    evaluation.save()
    quarter = Quarter.parse(evaluation.quarter)
    contract_services.settlement_publish(contract=evaluation.contract, quarter=quarter, by=by)
    notify_vendor(
        evaluation.contract.vendor,
        subject=_("%(quarter)s result of contract %(number)s: objections until %(deadline)s")
        % {
            "quarter": evaluation.quarter,
            "number": evaluation.contract.number,
            "deadline": evaluation.objection_deadline_text,
        },
        body=_(
            "The logistics office has published the quarter's score (%(score)s, grade %(grade)s) and its money "
            "with every deduction and its evidence. Check them in the vendor portal; you may object to a ledger "
            "line, an inspection result, a complaint ruling, a rectification order or the score until the "
            "deadline, with your reasons and files. The result becomes final after that."
        )
        % {"score": evaluation.score, "grade": evaluation.grade},
        dedup_key=f"evaluation-published:{evaluation.pk}:{evaluation.published_at.isoformat()}",
    )
    return evaluation


def deadline_text(evaluation: Evaluation) -> str:
    return evaluation.objection_deadline_text


@transaction.atomic
def evaluation_accept(*, evaluation: Evaluation, by: User) -> Evaluation:
    """The vendor declares it has no (further) objection: its objection period ends now (those it filed keep
    waiting for their rulings)."""
    evaluation = locked_evaluation(evaluation.pk, "contract")
    if not may(by, "evaluation.accept", evaluation):
        raise ValidationError(_("Only the vendor's staff can accept its result."))
    if not evaluation.objection_period_open():
        raise ValidationError(_("The objection period of this result is over."))
    evaluation.accepted_at = timezone.now()
    evaluation.accepted_by = by
    stamp(evaluation, by=by, reason="accepted by the vendor")
    evaluation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    notify_office(
        subject=_("%(number)s %(quarter)s: the vendor accepts the result")
        % {"number": evaluation.contract.number, "quarter": evaluation.quarter},
        body=_("The vendor has no further objection; the evaluation can be finalized once every objection is ruled."),
        dedup_key=f"evaluation-accepted:{evaluation.pk}:{evaluation.accepted_at.isoformat()}",
    )
    return evaluation


def finalize_blockers(evaluation: Evaluation, now: dt.datetime | None = None) -> list[str]:
    """Why the evaluation cannot be finalized yet (empty: it can): the pages show these beside the button."""
    if evaluation.status != EvaluationStatus.PUBLISHED:
        if evaluation.status == EvaluationStatus.FINAL:
            return []
        return [str(_("Publish the result to the vendor before finalizing: the vendor may object to it first."))]
    reasons = []
    if evaluation.objection_period_open(now):
        reasons.append(
            _("The vendor may object until %(deadline)s; finalize after that, or once the vendor accepts the result.")
            % {"deadline": deadline_text(evaluation)}
        )
    waiting = evaluation.objections.filter(status=ObjectionStatus.OPEN).count()
    if waiting:
        reasons.append(
            ngettext("%(count)d objection awaits a ruling.", "%(count)d objections await a ruling.", waiting)
            % {"count": waiting}
        )
    return reasons


# --- finalize -------------------------------------------------------------------------------------------
SEAL_VERSION = 2  # what a new seal covers; older seals are checked with the canonical form they were made with


def canonical(evaluation: Evaluation) -> dict[str, Any]:
    """The inputs and outputs a final evaluation is sealed with (from stored rows only).

    Version 1 (before terms versions): the components, the score, the facts, the settlement's amounts and the
    ledger lines (each with its clause, which belongs to one terms version). Version 2 adds the settlement's
    terms version and fee basis (the days and annual fee of each version). A seal is always checked in the
    form it was made with (``Evaluation.seal_version``), so an upgrade never breaks an existing seal.
    """
    version = evaluation.seal_version or 1
    settlement = Settlement.objects.filter(contract_id=evaluation.contract_id, quarter=evaluation.quarter).first()
    lines = (
        LedgerLine.objects.filter(contract_id=evaluation.contract_id, quarter=evaluation.quarter)
        .exclude(kind=LedgerKind.ADJUSTMENT)
        .order_by("clause_id", "evidence_key")
        .values_list("clause_id", "kind", "amount", "evidence_key")
    )
    money = None
    if settlement is not None:
        money = [str(settlement.fee), str(settlement.deductions), str(settlement.cap_applied), str(settlement.bonuses)]
        if version >= 2:
            money += [settlement.terms_id, settlement.fee_basis]
    data = {
        "contract": evaluation.contract.number,
        "quarter": evaluation.quarter,
        "scheme": [evaluation.scheme.family, evaluation.scheme.version],
        "components": [
            [c.code, str(c.value), c.n, str(c.weight), str(c.effective_weight)]
            for c in evaluation.components.order_by("code")
        ],
        "raw_score": str(evaluation.raw_score),
        "adjustment": str(evaluation.adjustment),
        "score": str(evaluation.score),
        "grade": evaluation.grade,
        "facts": evaluation.facts,
        "settlement": money,
        "ledger": [[clause, kind, str(amount), key] for clause, kind, amount, key in lines],
    }
    if version >= 2:
        data["seal"] = version
    return data


def seal(evaluation: Evaluation) -> str:
    payload = json.dumps(canonical(evaluation), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _refuse_unseen_money(evaluation: Evaluation, quarter: Quarter, facts: selectors.ContractFacts) -> None:
    """The money finalized is the money the vendor was shown: when the quarter's facts changed since its draft
    was last computed (a fact amended or ruled outside an objection, an order answered late), finalizing
    waits for a recompute, which shows the vendor the new figures (and, if the office wants, a new period)."""
    draft = Settlement.objects.filter(contract_id=evaluation.contract_id, quarter=evaluation.quarter).first()
    if draft is None:
        return
    outcome = contract_services.settlements_preview(
        quarter=quarter, items=[_settlement_input(facts, evaluation.score, evaluation.grade)]
    )[evaluation.contract_id]
    shown = set(
        LedgerLine.objects.filter(settlement=draft)
        .exclude(kind=LedgerKind.ADJUSTMENT)
        .values_list("clause_id", "evidence_key", "amount")
    )
    priced = {(line.clause_id, line.evidence_key, line.amount) for line in outcome.lines}
    amounts = (draft.fee, draft.deductions, draft.cap_applied, draft.bonuses)
    if shown != priced or amounts != (outcome.fee, outcome.deductions, outcome.cap_applied, outcome.bonuses):
        raise ValidationError(
            _(
                "The quarter's facts have changed since its figures were last computed and shown to the vendor "
                "(payable now %(now)s, shown %(shown)s). Recompute it first, so the vendor sees what becomes "
                "final; publish it again if it should have a new objection period."
            )
            % {"now": outcome.payable + draft.adjustments, "shown": draft.payable}
        )


@transaction.atomic
def evaluation_finalize(*, evaluation: Evaluation, by: User, as_of: dt.date | None = None) -> Evaluation:
    """Lock the evaluation and apply the contract's clauses to the quarter's facts (ledger, settlement,
    warnings, termination recommendation, renewal flag); the report is queued. Twice is once."""
    evaluation = locked_evaluation(evaluation.pk, "contract")
    if evaluation.is_final:
        return evaluation
    blockers = finalize_blockers(evaluation)
    if blockers:
        raise ValidationError(blockers)
    quarter = Quarter.parse(evaluation.quarter)
    facts = selectors.quarter_facts(quarter, [evaluation.contract], as_of=as_of)[evaluation.contract_id]
    _refuse_unseen_money(evaluation, quarter, facts)
    # the same input as the preview (``_refuse_unseen_money``)
    priced = _settlement_input(facts, evaluation.score, evaluation.grade)
    contract_services.settlement_apply_input(priced, quarter=quarter, finalize=True, by=by)
    evaluation.facts = selectors.facts_summary(facts)  # the facts the final money was priced from
    EVALUATION_FLOW.advance(evaluation, EvaluationStatus.FINAL)
    evaluation.finalized_at = timezone.now()
    evaluation.finalized_by = by
    evaluation.seal_version = SEAL_VERSION
    evaluation.inputs_hash = seal(evaluation)
    stamp(evaluation, by=by)
    evaluation.save()
    outbox.enqueue(
        "scoring.tasks.render_report_task",
        kwargs={"evaluation_id": evaluation.pk},
        dedup_key=f"report:{evaluation.pk}:{evaluation.inputs_hash}",
    )
    _issue_notices(evaluation, by)
    return evaluation


def _issue_notices(evaluation: Evaluation, by: User) -> None:
    """The result notice (考评结果通知书) and a notice for each warning the clauses issued (书面警告). A
    reopened and finalized again quarter keeps its first result notice (its PDF shows the final figures of the
    time it was rendered; the evaluation page and the report are the current ones)."""
    contract = evaluation.contract
    notices.notice_issue(
        kind=NoticeKind.RESULT,
        contract=contract,
        quarter=evaluation.quarter,
        title=_("Quarterly evaluation result %(quarter)s: %(contract)s")
        % {"quarter": evaluation.quarter, "contract": contract.number},
        by=by,
    )
    for warning in FormalWarning.objects.filter(
        contract=contract, quarter=evaluation.quarter, clause__isnull=False, notice__isnull=True
    ).select_related("contract__vendor"):
        notices.warning_notice_issue(warning=warning, by=by)


@transaction.atomic
@allow_locked_changes()  # the one audited way to change a final evaluation (past the PostgreSQL trigger)
def evaluation_reopen(*, evaluation: Evaluation, reason: str, by: User) -> Evaluation:
    """The one way to correct a final evaluation: an office action with a reason, kept on record. The
    settlement goes back to draft and is re-applied at the next finalization."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if not evaluation.is_final:
        raise ValidationError(_("Only a final evaluation can be reopened."))
    if not may(by, "evaluation.reopen", evaluation):
        raise ValidationError(_("Only the logistics office can reopen a final evaluation."))
    if not reason.strip():
        raise ValidationError({"reason": _("Reopening a final evaluation needs a written reason.")})
    EvaluationReopening.objects.create(
        evaluation=evaluation,
        reason=reason.strip(),
        previous_score=evaluation.score,
        previous_hash=evaluation.inputs_hash,
        by=by,
    )
    contract_services.settlement_reopen(
        contract=evaluation.contract, quarter=Quarter.parse(evaluation.quarter), reason=reason.strip(), by=by
    )
    EVALUATION_FLOW.advance(evaluation, EvaluationStatus.REVIEWED)
    evaluation.finalized_at = None
    evaluation.finalized_by = None
    evaluation.inputs_hash = ""
    evaluation.reopen_count += 1
    stamp(evaluation, by=by, reason=reason.strip())
    evaluation.save()
    return evaluation


@transaction.atomic
@allow_locked_changes()  # an audited correction of a sealed record: a history row with the reason, a new seal
def evaluation_correct_facts(*, evaluation: Evaluation, reason: str, by: User | None = None) -> bool:
    """A final evaluation whose stored facts disagree with its final ledger takes the ledger's facts (what the
    money was priced from) and is sealed again. Returns whether anything changed; the money never does."""
    evaluation = locked_evaluation(evaluation.pk)
    if not evaluation.is_final:
        raise ValidationError(_("Only a final evaluation is corrected this way; recompute the others."))
    if not reason.strip():
        raise ValidationError({"reason": _("A correction needs a written reason.")})
    settlement = Settlement.objects.filter(contract_id=evaluation.contract_id, quarter=evaluation.quarter).first()
    if settlement is None:
        return False
    facts = selectors.facts_from_ledger(settlement.pk)
    if facts == evaluation.facts:
        return False
    evaluation.facts = facts
    evaluation.seal_version = SEAL_VERSION
    evaluation.inputs_hash = seal(evaluation)
    stamp(evaluation, by=by, reason=reason.strip())
    evaluation.save(update_fields=["facts", "seal_version", "inputs_hash", "updated_at"])
    return True


# --- the quarter close ----------------------------------------------------------------------------------
def _claim_run(quarter: Quarter, trigger: str, owner_gone: bool = False) -> QuarterRun | None:
    """The quarter's run row is the lock: a second close of the same quarter finds it and stops. A run
    still 'running' is taken over when its owner is known to be gone (or after two hours)."""
    try:
        with transaction.atomic():
            return QuarterRun.objects.create(quarter=quarter.key, trigger=trigger)
    except IntegrityError:
        with transaction.atomic():
            run = QuarterRun.objects.select_for_update().get(quarter=quarter.key)
            if run.status == QuarterRun.Status.FAILED:
                run.status, run.error, run.trigger = QuarterRun.Status.RUNNING, "", trigger
                run.save(update_fields=["status", "error", "trigger"])
                return run
            stale = run.started_at < timezone.now() - dt.timedelta(hours=2)
            if run.status == QuarterRun.Status.RUNNING and (owner_gone or stale):
                run.trigger = trigger  # a run that died (worker killed): take it over
                run.save(update_fields=["trigger"])
                return run
        return None


def quarter_close(*, quarter: Quarter, trigger: str = "manual") -> QuarterRun | None:
    """Compute every contract of a closed quarter and tell the office the evaluations await review.

    Runs once per quarter: a second call (a retry, a second beat, the catch-up job) finds the run and does
    nothing. Returns the run, or None when another run has it. On PostgreSQL the close holds a session
    advisory lock while it runs: a run still 'running' while that lock is free was left by a dead worker
    (SIGKILL, OOM), and the redelivered task or the catch-up takes it over at once.
    """
    with advisory.session_lock(f"quarter-close:{quarter.key}") as held:
        if held is False:
            return None  # another close of this quarter is running right now
        return _close(quarter, trigger, owner_gone=held is True)


def _close(quarter: Quarter, trigger: str, owner_gone: bool) -> QuarterRun | None:
    run = _claim_run(quarter, trigger, owner_gone)
    if run is None:
        return None
    try:
        evaluations = evaluations_compute(quarter=quarter)
    except Exception as exc:
        QuarterRun.objects.filter(pk=run.pk).update(
            status=QuarterRun.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    with transaction.atomic():
        run.status, run.finished_at, run.contracts = QuarterRun.Status.DONE, timezone.now(), len(evaluations)
        QuarterRun.objects.filter(pk=run.pk).update(
            status=run.status, finished_at=run.finished_at, contracts=run.contracts
        )
        # made by the worker from one outbox row: the close does not read the office's people and robots
        notify_later(
            {
                "office": True,
                "subject": _("%(quarter)s: %(count)d evaluations await review")
                % {"quarter": quarter.key, "count": len(evaluations)},
                "body": _(
                    "The quarterly evaluations of %(quarter)s have been computed. Hold the joint evaluation "
                    "meeting, record it on each evaluation and finalize them."
                )
                % {"quarter": quarter.key},
                "dedup_key": f"quarter-close:{quarter.key}",
            }
        )
    return run  # as written above (no second read)


def catch_up(*, today: dt.date | None = None) -> QuarterRun | None:
    """Daily: if the last complete quarter was never closed (beat or broker down when it was due), close it."""
    quarter = Quarter.last_complete(today)
    run = QuarterRun.objects.filter(quarter=quarter.key).first()
    if run is not None and run.status == QuarterRun.Status.DONE:
        return None
    return quarter_close(quarter=quarter, trigger="catch-up")


def what_if(*, quarter: Quarter, weights: dict[str, Decimal]) -> list[dict[str, Any]]:
    """Recompute a quarter with other weights, saving nothing."""
    if sum(weights.values(), Decimal(0)) != Decimal(100) or any(w < 0 for w in weights.values()):
        raise ValidationError(_("The weights must be 0 or more and add up to 100%."))
    contracts = list(selectors.evaluable_contracts(quarter))
    facts = selectors.quarter_facts(quarter, contracts)
    schemes = selectors.current_schemes()
    current = {e.contract_id: e for e in Evaluation.objects.filter(quarter=quarter.key)}
    settlements = {s.contract_id: s for s in Settlement.objects.filter(quarter=quarter.key, contract__in=contracts)}
    rows, items = [], []
    for contract in contracts:
        scheme = schemes.for_contract(contract)
        stored = current.get(contract.pk)
        adjustment = stored.adjustment if stored else Decimal(0)
        result = calculations.compute(facts[contract.pk].facts, selectors.scheme_data(scheme, weights), adjustment)
        rows.append(
            {"contract": contract, "result": result, "stored": stored, "settlement": settlements.get(contract.pk)}
        )
        items.append(_settlement_input(facts[contract.pk], result.score, result.grade))
    # the money with these weights: the same clauses on the same facts, with the new score and grade
    outcomes = contract_services.settlements_preview(quarter=quarter, items=items)
    for row in rows:  # the office's corrections after finalization stay as they are
        settlement = row["settlement"]
        row["payable"] = outcomes[row["contract"].pk].payable + (settlement.adjustments if settlement else 0)
        row["payable_change"] = row["payable"] - settlement.payable if settlement else None
    return sorted(rows, key=lambda r: (-r["result"].score, r["contract"].number))


def consequences_to_come(evaluation: Evaluation) -> dict[str, Any]:
    """What finalizing a draft evaluation would add to its money: the formal warnings its clauses would issue
    and the contract's flags (termination recommended, renewal preferred), priced on the quarter's facts now,
    writing nothing. The meeting and, once published, the vendor read them before they happen."""
    quarter = Quarter.parse(evaluation.quarter)
    facts = selectors.quarter_facts(quarter, [evaluation.contract])[evaluation.contract_id]
    outcome = contract_services.settlements_preview(
        quarter=quarter, items=[_settlement_input(facts, evaluation.score, evaluation.grade)]
    )[evaluation.contract_id]
    return {
        "warnings": [describe(w.reason) for w in outcome.warnings],
        "termination": describe(outcome.termination_reason) if outcome.termination_recommended else "",
        "renewal": outcome.renewal_preferred,
    }


def _settlement_input(facts: selectors.ContractFacts, score: Decimal, grade: str) -> contract_services.SettlementInput:
    return contract_services.SettlementInput(
        contract=facts.contract,
        score=score,
        grade=grade,
        failed_items=facts.failed_items,
        upheld_complaints=facts.upheld_complaints,
        overdue_rectifications=facts.overdue_rectifications,
        missed_self_checks=facts.missed_self_checks,
        late_work_orders=facts.late_work_orders,
    )


# --- schemes --------------------------------------------------------------------------------------------
SCHEME_FIELDS = (
    "name",
    "category",
    *components.WEIGHT_FIELDS,
    "bands",
    "complaint_points_normal",
    "complaint_points_serious",
    "adjustment_bound",
    "objection_days",
    "satisfaction_source",
    "satisfaction_forms_share",
    *QUARTER_WEIGHT_FIELDS,
    "renewal_grade",
)


def scheme_is_used(scheme: EvaluationScheme) -> bool:
    return Evaluation.objects.filter(scheme=scheme).exists()


@transaction.atomic
def scheme_save(*, scheme: EvaluationScheme, changes: dict[str, Any], by: User | None = None) -> EvaluationScheme:
    """Change a scheme. A version an evaluation used stays as it was: the changes make the next version."""
    current = EvaluationScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme_is_used(current):
        latest = EvaluationScheme.objects.filter(family=current.family).order_by("-version").first()
        EvaluationScheme.objects.filter(pk=current.pk).update(is_current=False)
        target = EvaluationScheme(
            family=current.family,
            version=latest.version + 1,
            is_current=True,
            **{f: getattr(current, f) for f in SCHEME_FIELDS},
        )
    else:
        target = current
    for name, value in changes.items():
        if name not in SCHEME_FIELDS:
            raise ValidationError(_("Unknown scheme field %(name)s.") % {"name": name})
        setattr(target, name, value)
    target.full_clean()
    stamp(target, by=by)
    target.save()
    return target
