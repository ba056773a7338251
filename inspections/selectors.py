"""Reads of the inspections app: rectification lists and overdue days, inspection lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Case, QuerySet, Value, When

from inspections import calculations, rules
from inspections.models import Inspection, RectificationOrder
from logistics.access import scoped
from logistics.quarters import local_date
from logistics.quarters import today as local_today

if TYPE_CHECKING:
    from logistics.models import User


@dataclass(frozen=True)
class Overdue:
    order: RectificationOrder
    days: int


def rectification_overdue_days(order: RectificationOrder, as_of: dt.date) -> int:
    stopped = rules.clock_stopped_at(order.status, order.answered_at, order.resolved_at, order.deadline)
    resolved = local_date(stopped) if stopped else None
    return calculations.overdue_days(local_date(order.deadline), resolved, as_of)


def overdue_rectifications(*, as_of: dt.date | None = None, queryset: QuerySet | None = None) -> list[Overdue]:
    """Orders overdue as of a date, with the days overdue (verified late ones count up to their answer)."""
    as_of = as_of or local_today()
    queryset = RectificationOrder.objects.all() if queryset is None else queryset
    candidates = queryset.filter(deadline__date__lt=as_of + dt.timedelta(days=1)).select_related("contract__vendor")
    out = []
    for order in candidates:
        days = rectification_overdue_days(order, as_of)
        if days > 0:
            out.append(Overdue(order, days))
    return out


def rectifications_for(user: User) -> QuerySet:
    """Orders the user may see, annotated with ``is_overdue`` (now), newest deadlines last."""
    return (
        scoped(user, RectificationOrder.objects.all())
        .select_related("contract__vendor", "contract__category", "site")
        .annotate(
            is_overdue=Case(When(rules.late_q(), then=Value(True)), default=Value(False)),
        )
    )


def inspections_for(user: User) -> QuerySet:
    return scoped(user, Inspection.objects.all()).select_related(
        "contract__vendor", "contract__category", "site", "template", "created_by"
    )


# --- complaints and surveys -----------------------------------------------------------------------------
def complaints_for(user: User) -> QuerySet:
    from inspections.models import Complaint

    return scoped(user, Complaint.objects.filter(quarantined=False)).select_related(
        "category", "site", "key_point", "contract__vendor"
    )


@dataclass(frozen=True)
class QuestionResult:
    question: Any
    answers: int
    satisfied: int
    rate: Any  # Decimal or None


@dataclass(frozen=True)
class SurveyResults:
    invitations: int
    responses: int
    response_rate: Any
    overall_rate: Any
    questions: list[QuestionResult]
    by_contract: list[tuple[Any, int, int, Any]]  # (contract, invitations, responses, satisfaction rate)


def survey_results(survey: Any) -> SurveyResults:
    """Per question and overall: satisfaction rate (share of answers rated 4 or 5), responses and response rate."""
    from django.db.models import Count

    from contracts.models import Contract
    from inspections.models import SurveyAnswer, SurveyInvitation, SurveyResponse
    from inspections.satisfaction import answer_counts, rate_from_counts

    invitations = SurveyInvitation.objects.filter(survey=survey).count()
    responses = SurveyResponse.objects.filter(survey=survey).count()
    per_question = {
        row["question_id"]: row
        for row in SurveyAnswer.objects.filter(response__survey=survey)
        .values("question_id")
        .annotate(**answer_counts())
    }
    questions = []
    all_total = all_satisfied = 0
    for question in survey.questions.all():
        row = per_question.get(question.pk, {"total": 0, "satisfied": 0})
        all_total += row["total"]
        all_satisfied += row["satisfied"]
        questions.append(
            QuestionResult(question, row["total"], row["satisfied"], rate_from_counts(row["satisfied"], row["total"]))
        )
    invited = dict(SurveyInvitation.objects.filter(survey=survey).values_list("contract").annotate(n=Count("pk")))
    answered = dict(SurveyResponse.objects.filter(survey=survey).values_list("contract").annotate(n=Count("pk")))
    rates = {
        row["response__contract"]: rate_from_counts(row["satisfied"], row["total"])
        for row in SurveyAnswer.objects.filter(response__survey=survey)
        .values("response__contract")
        .annotate(**answer_counts())
    }
    contracts = Contract.objects.filter(pk__in=set(invited) | set(answered)).select_related("vendor").order_by("number")
    return SurveyResults(
        invitations=invitations,
        responses=responses,
        response_rate=rate_from_counts(responses, invitations),
        overall_rate=rate_from_counts(all_satisfied, all_total),
        questions=questions,
        by_contract=[(c, invited.get(c.pk, 0), answered.get(c.pk, 0), rates.get(c.pk)) for c in contracts],
    )
