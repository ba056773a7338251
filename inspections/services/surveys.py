"""Satisfaction surveys: creation with a default question set, single-use invitations (one answer each), and
the public link of a survey and contract (turned on and off by the office; one answer per device)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractStatus
from inspections.models import (
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyPublicLink,
    SurveyQuestion,
    SurveyResponse,
)
from logistics.models import stamp
from logistics.quarters import Quarter

if TYPE_CHECKING:
    from logistics.models import User


DEFAULT_QUESTIONS = [
    ("服务人员的态度是否热情、礼貌？", "Are the service staff friendly and polite?"),
    ("服务质量是否达到标准？", "Does the service meet its standards?"),
    ("提出需求或问题后响应是否及时？", "Are requests and problems handled promptly?"),
    ("服务区域是否整洁、有序、安全？", "Are the service areas clean, orderly and safe?"),
    ("您对本项服务的总体满意程度如何？", "Overall, how satisfied are you with this service?"),
]
MAX_INVITATIONS = 2000


class InvitationUsed(ValidationError):
    pass


class SurveyClosed(ValidationError):
    pass


class LinkTurnedOff(ValidationError):
    pass


class AnsweredFromDevice(ValidationError):
    pass


DEVICE_SALT = "inspections.survey-device"


@transaction.atomic
def survey_create(
    *,
    title: str,
    quarter: Quarter,
    contracts: list[Contract] | None = None,
    category: Any = None,
    deadline: dt.datetime,
    questions: list[tuple[str, str]] | None = None,
    opens_at: dt.datetime | None = None,
    by: User,
) -> Survey:
    """A survey for some contracts, or for every active contract of a service category."""
    if not contracts and category is None:
        raise ValidationError(_("Choose the contracts or the service the survey is about."))
    survey = Survey(
        title=title.strip(),
        quarter=quarter.key,
        category=category,
        deadline=deadline,
        opens_at=opens_at or timezone.now(),
        created_by=by,
    )
    survey.full_clean()
    survey.save()
    if category is not None and not contracts:
        contracts = list(Contract.objects.filter(category=category, status=ContractStatus.ACTIVE))
    survey.contracts.set(contracts or [])
    for order, (text, text_en) in enumerate(questions or DEFAULT_QUESTIONS):
        SurveyQuestion.objects.create(survey=survey, text=text, text_en=text_en, sort_order=order)
    return survey


@transaction.atomic
def survey_invite(*, survey: Survey, contract: Contract, count: int) -> list[SurveyInvitation]:
    if not survey.contracts.filter(pk=contract.pk).exists():
        raise ValidationError(_("This contract is not part of the survey."))
    if not 1 <= count <= MAX_INVITATIONS:
        raise ValidationError({"count": _("Between 1 and %(max)d invitations at a time.") % {"max": MAX_INVITATIONS}})
    return SurveyInvitation.objects.bulk_create(
        [SurveyInvitation(survey=survey, contract=contract) for _ in range(count)]
    )


def device_key(device_id: str) -> str:
    """What a response keeps of the answering browser's random id: a keyed hash (64 hex digits)."""
    return salted_hmac(DEVICE_SALT, device_id, algorithm="sha256").hexdigest()


@transaction.atomic
def survey_answer(*, invitation: SurveyInvitation, answers: dict[int, int], comment: str = "") -> SurveyResponse:
    """Record one response for an invitation: every question answered 1 to 5. A second use is refused."""
    survey = invitation.survey
    if not survey.is_open():
        raise SurveyClosed(_("This survey is closed. Thank you all the same."))
    used = InvitationUsed(_("This invitation has already been used. Thank you, your answer was counted."))
    if SurveyResponse.objects.filter(invitation=invitation).exists():
        raise used
    return _record(
        survey=survey,
        contract_id=invitation.contract_id,
        answers=answers,
        comment=comment,
        refused=used,
        invitation=invitation,
    )


@transaction.atomic
def survey_public_answer(
    *, link: SurveyPublicLink, device_id: str, answers: dict[int, int], comment: str = ""
) -> SurveyResponse:
    """Record one response through a public link, for the device ``device_id`` (the random id of the browser's
    cookie): refused when the link is off, the survey closed, or this device has answered already (the
    database's unique constraint decides between two posts at the same moment)."""
    if not device_id:
        raise ValueError("a public answer needs the device's id")
    survey = link.survey
    already = AnsweredFromDevice(_("You have already answered this survey from this device. Thank you!"))
    device = device_key(device_id)
    if SurveyResponse.objects.filter(
        survey=survey, contract_id=link.contract_id, device=device, public_link__isnull=False
    ).exists():
        raise already
    if not link.is_active:
        raise LinkTurnedOff(_("This survey link has been turned off by the logistics office."))
    if not survey.is_open():
        raise SurveyClosed(_("This survey is closed. Thank you all the same."))
    return _record(
        survey=survey,
        contract_id=link.contract_id,
        answers=answers,
        comment=comment,
        refused=already,
        public_link=link,
        device=device,
    )


def _record(
    *,
    survey: Survey,
    contract_id: int,
    answers: dict[int, int],
    comment: str,
    refused: ValidationError,
    **channel: Any,
) -> SurveyResponse:
    """The response and its answers (every question answered 1 to 5), through one channel; ``refused`` is raised
    when the database finds the invitation or the device used already (two posts at the same moment)."""
    questions = list(survey.questions.all())
    errors = {}
    for question in questions:
        value = answers.get(question.pk)
        if value not in (1, 2, 3, 4, 5):
            errors[f"q{question.pk}"] = [_("Choose 1 to 5.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=survey,
                contract_id=contract_id,
                comment=comment.replace("\x00", "").strip()[:1000],
                **channel,
            )
    except IntegrityError:  # the same link (invitation) or device submitted twice at once
        raise refused from None
    SurveyAnswer.objects.bulk_create(
        [SurveyAnswer(response=response, question=q, value=answers[q.pk]) for q in questions]
    )
    return response


@transaction.atomic
def survey_public_link_set(*, survey: Survey, contract: Contract, on: bool, by: User) -> SurveyPublicLink:
    """Turn the public link of a survey and contract on (created the first time) or off. Turned on again, the
    link keeps its address: what was shared in a group works again."""
    if not survey.contracts.filter(pk=contract.pk).exists():
        raise ValidationError(_("This contract is not part of the survey."))
    link = SurveyPublicLink.objects.select_for_update().filter(survey=survey, contract=contract).first()
    if link is None:
        if not on:
            raise ValidationError(_("This contract has no public link to turn off."))
        link = SurveyPublicLink(survey=survey, contract=contract)
    elif link.is_active == on:
        return link
    link.is_active = on
    link.full_clean()
    stamp(link, by=by, reason="public link on" if on else "public link off")
    link.save()
    return link
