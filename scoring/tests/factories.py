"""Helpers to build a quarter's facts directly (fast, and exact)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from inspections.models import (
    Complaint,
    Inspection,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from logistics.quarters import Quarter
from scoring import services
from scoring.models import EvaluationStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")


def inspection(contract, user, kind: str, day: dt.date, score: str | None, status: str = "submitted"):
    started = dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI)
    return Inspection.objects.create(
        kind=kind,
        contract=contract,
        created_by=user,
        started_at=started,
        inspected_on=day,
        status=status,
        submitted_at=started if status == "submitted" else None,
        score=Decimal(score) if score is not None else None,
    )


def complaint(contract, created: dt.datetime, upheld: bool = True, severity: str = "normal", quarantined: bool = False):
    """A closed complaint filed at ``created``; upheld: at once, counting in the quarter it was filed in."""
    item = Complaint.objects.create(
        category=contract.category,
        description="x",
        contract=contract,
        upheld=upheld,
        upheld_at=created if upheld else None,
        counts_in=Quarter.containing(created).key if upheld else "",
        severity=severity,
        status="closed",
        quarantined=quarantined,
    )
    Complaint.objects.filter(pk=item.pk).update(created_at=created)
    return item


def survey(contract, quarter: str, values: list[int], user):
    item = Survey.objects.create(
        title="s",
        quarter=quarter,
        deadline=timezone.now() + dt.timedelta(days=1),
        opens_at=timezone.now() - dt.timedelta(days=90),
        created_by=user,
    )
    item.contracts.add(contract)
    question = SurveyQuestion.objects.create(survey=item, text="满意吗")
    for value in values:
        invitation = SurveyInvitation.objects.create(survey=item, contract=contract)
        response = SurveyResponse.objects.create(invitation=invitation, survey=item, contract=contract)
        SurveyAnswer.objects.create(response=response, question=question, value=value)
    return item


def meeting_review(evaluation, by, *, meeting_date=dt.date(2026, 10, 9), attendees="后勤处", **adjusted):
    """The joint evaluation meeting's review of ``evaluation`` (on 9 October unless told), recorded by ``by``;
    ``adjusted`` may give an ``adjustment`` and its ``reason``."""
    return services.evaluation_review(
        evaluation=evaluation, meeting_date=meeting_date, attendees=attendees, by=by, **adjusted
    )


def publish_past(evaluation, by, days_ago: int = 40):
    """Publish a reviewed evaluation as the meeting would have, ``days_ago`` days ago: its objection period is
    over and it can be finalized (an evaluation already published or final is returned as it is)."""
    evaluation.refresh_from_db()
    if evaluation.status != EvaluationStatus.REVIEWED:
        return evaluation
    return services.evaluation_publish(evaluation=evaluation, by=by, now=timezone.now() - dt.timedelta(days=days_ago))
