"""Reads of the inspections app: rectification lists and overdue days, inspection lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from inspections import calculations, rules
from inspections.choices import InspectionKind, RoundStatus
from inspections.models import ChecklistTemplate, Inspection, RectificationOrder, Round
from inspections.services.inspections import contracts_for_inspection, kinds_for
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


def tablet_checklists(user: User, contracts: list[Any] | None = None) -> QuerySet:
    """The checklists the tablet offers ``user``: the current versions, of the kinds ``user`` inspects (a
    vendor's self-check uses the daily checklist), for the categories of the contracts ``user`` may inspect.
    One rule for the page's list of checklists and for the endpoint that serves their items; ``contracts``
    (those ``user`` may inspect, when the caller has read them already) saves a subquery."""
    kinds = kinds_for(user)
    template_kinds = set(kinds) | ({InspectionKind.DAILY} if InspectionKind.SELF in kinds else set())
    categories = (
        {c.category_id for c in contracts}
        if contracts is not None
        else contracts_for_inspection(user).values("category_id")
    )
    return ChecklistTemplate.objects.filter(is_current=True, category_id__in=categories, kind__in=template_kinds)


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
class ContractSurveyResult:
    contract: Any
    invitations: int
    invitation_responses: int
    public_responses: int
    rate: Any  # Decimal or None

    @property
    def responses(self) -> int:
        return self.invitation_responses + self.public_responses


@dataclass(frozen=True)
class SurveyResults:
    invitations: int
    invitation_responses: int  # answers through the single-use invitations
    public_responses: int  # answers through the public links (one per device)
    response_rate: Any  # of the invitations (the public links have no number of people asked)
    overall_rate: Any
    questions: list[QuestionResult]
    by_contract: list[ContractSurveyResult]

    @property
    def responses(self) -> int:
        return self.invitation_responses + self.public_responses


def survey_results(survey: Any) -> SurveyResults:
    """Per question and overall: satisfaction rate (share of answers rated 4 or 5, whatever the channel); the
    responses per channel (invitation, public link) and the invitations' response rate; per contract the same.
    Six queries, whatever the numbers of questions, contracts and answers."""
    from contracts.models import Contract
    from inspections.models import SurveyAnswer, SurveyInvitation, SurveyResponse
    from inspections.satisfaction import answer_counts, rate_from_counts

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
    invited = dict(
        SurveyInvitation.objects.filter(survey=survey).values_list("contract").annotate(n=Count("pk")).order_by()
    )
    answered = {
        row["contract"]: (row["invitation"], row["public"])
        for row in SurveyResponse.objects.filter(survey=survey)
        .values("contract")
        .annotate(
            invitation=Count("pk", filter=Q(public_link__isnull=True)),
            public=Count("pk", filter=Q(public_link__isnull=False)),
        )
        .order_by()
    }
    rates = {
        row["response__contract"]: rate_from_counts(row["satisfied"], row["total"])
        for row in SurveyAnswer.objects.filter(response__survey=survey)
        .values("response__contract")
        .annotate(**answer_counts())
        .order_by()
    }
    contracts = Contract.objects.filter(pk__in=set(invited) | set(answered)).select_related("vendor").order_by("number")
    by_contract = [
        ContractSurveyResult(c, invited.get(c.pk, 0), *answered.get(c.pk, (0, 0)), rates.get(c.pk)) for c in contracts
    ]
    invitations = sum(invited.values())
    invitation_responses = sum(n for n, _public in answered.values())
    return SurveyResults(
        invitations=invitations,
        invitation_responses=invitation_responses,
        public_responses=sum(public for _n, public in answered.values()),
        response_rate=rate_from_counts(invitation_responses, invitations),
        overall_rate=rate_from_counts(all_satisfied, all_total),
        questions=questions,
        by_contract=by_contract,
    )


def survey_public_links(survey: Any) -> dict[int, Any]:
    """contract id -> the survey's public link for it (on or off); a contract without one is missing."""
    from inspections.models import SurveyPublicLink

    return {link.contract_id: link for link in SurveyPublicLink.objects.filter(survey=survey)}


def answered_from_device(link: Any, device_id: str | None) -> bool:
    """Whether the browser whose random id is ``device_id`` has answered through the public link's survey and
    contract already (False without an id)."""
    from inspections.models import SurveyResponse
    from inspections.services.surveys import device_key

    if not device_id:
        return False
    return SurveyResponse.objects.filter(
        survey_id=link.survey_id, contract_id=link.contract_id, device=device_key(device_id), public_link__isnull=False
    ).exists()


# --- coverage (ARCHITECTURE.md, "Inspection plans, rounds and coverage") ---------------------------------
@dataclass(frozen=True)
class Coverage:
    """Rounds of a group: due (its window passed, or done already), done (on time or late), late, missed."""

    due: int = 0
    done: int = 0
    late: int = 0
    missed: int = 0

    @property
    def percent(self) -> Decimal | None:
        """done / due in percent, one decimal (None: nothing was due)."""
        if not self.due:
            return None
        return (Decimal(100) * self.done / self.due).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(
            self.due + other.due, self.done + other.done, self.late + other.late, self.missed + other.missed
        )

    def as_dict(self) -> dict[str, Any]:
        percent = self.percent
        return {
            "due": self.due,
            "done": self.done,
            "late": self.late,
            "missed": self.missed,
            "coverage": str(percent) if percent is not None else None,
        }


def _coverage_counts(now: dt.datetime) -> dict[str, Count]:
    done = Q(status__in=[RoundStatus.DONE, RoundStatus.LATE])
    # an excused round is not due (nor missed)
    return {
        "due": Count("pk", filter=done | (Q(closes_at__lte=now) & ~Q(status=RoundStatus.EXCUSED))),
        "done": Count("pk", filter=done),
        "late": Count("pk", filter=Q(status=RoundStatus.LATE)),
        "missed": Count("pk", filter=Q(status=RoundStatus.MISSED)),
    }


def _rounds_in(first: dt.date, last: dt.date, contract_ids: list[int] | None) -> QuerySet:
    rows = Round.objects.filter(due_on__gte=first, due_on__lte=last)
    return rows if contract_ids is None else rows.filter(contract_id__in=contract_ids)


def coverage_by_contract(
    first: dt.date, last: dt.date, contract_ids: list[int] | None = None, now: dt.datetime | None = None
) -> dict[int, dict[str, Coverage]]:
    """contract id -> inspection kind -> coverage of the rounds due between two days (one query)."""
    now = now or timezone.now()
    out: dict[int, dict[str, Coverage]] = {}
    for row in (
        _rounds_in(first, last, contract_ids)
        .values("contract_id", "kind")
        .annotate(**_coverage_counts(now))
        .order_by("contract_id", "kind")
    ):
        out.setdefault(row["contract_id"], {})[row["kind"]] = Coverage(
            row["due"], row["done"], row["late"], row["missed"]
        )
    return out


def coverage_by_site(
    first: dt.date, last: dt.date, contract_ids: list[int] | None = None, now: dt.datetime | None = None
) -> dict[tuple[int, str, int | None], Coverage]:
    """(contract id, kind, site id or None) -> coverage (one query)."""
    now = now or timezone.now()
    return {
        (row["contract_id"], row["kind"], row["plan__site_id"]): Coverage(
            row["due"], row["done"], row["late"], row["missed"]
        )
        for row in _rounds_in(first, last, contract_ids)
        .values("contract_id", "kind", "plan__site_id")
        .annotate(**_coverage_counts(now))
        .order_by("contract_id", "kind", "plan__site_id")
    }


def coverage_by_inspector(
    first: dt.date, last: dt.date, contract_ids: list[int] | None = None, now: dt.datetime | None = None
) -> dict[int, Coverage]:
    """The office's own duty: user id -> coverage of the rounds their plans gave them (one query). A round
    given to two inspectors counts for each of them."""
    now = now or timezone.now()
    return {
        row["plan__inspectors"]: Coverage(row["due"], row["done"], row["late"], row["missed"])
        for row in _rounds_in(first, last, contract_ids)
        .exclude(kind=InspectionKind.SELF)
        .filter(plan__inspectors__isnull=False)
        .values("plan__inspectors")
        .annotate(**_coverage_counts(now))
        .order_by("plan__inspectors")
    }
