"""Satisfaction surveys: questions, invitations, public links, responses and answers.

A response comes through one of two channels: a single-use invitation (one response each), or the public link
of a survey and contract, which a group chat can share: anyone may answer there, once per device (a random id
kept in a long-lived signed cookie, stored hashed on the response, and unique per survey and contract).
"""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from logistics.models import AuditedManager, TimeStampedModel
from logistics.models.base import check, given_together, in_language_property, optional_ref, unique, user_ref

__all__ = (
    "Survey",
    "SurveyAnswer",
    "SurveyInvitation",
    "SurveyPublicLink",
    "SurveyQuestion",
    "SurveyResponse",
)


# No 0/O, 1/I/L: a code read aloud or typed from a screenshot is not mistaken.
def new_invitation_token() -> str:
    return secrets.token_urlsafe(18)  # 144 bits


class Survey(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    quarter = models.CharField(_("quarter"), max_length=6, db_index=True)
    contracts = models.ManyToManyField(
        "contracts.Contract", related_name="surveys", blank=True, verbose_name=_("contracts")
    )
    category = optional_ref(
        "logistics.ServiceCategory", _("or every contract of a service"), on_delete=models.PROTECT, related_name="+"
    )
    opens_at = models.DateTimeField(_("opens at"), default=timezone.now)
    deadline = models.DateTimeField(_("closes at"))
    created_by = user_ref(_("created by"), optional=False)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-quarter", "-created_at"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            check("closes_after_opening", Q(deadline__gt=models.F("opens_at"))),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} · {self.title}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.deadline


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey"))
    text = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["survey", "sort_order", "pk"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def __str__(self) -> str:
        return self.display_text

    display_text = in_language_property("text")


class SurveyLink(models.Model):
    """A link that answers a survey for a contract, found by its random ``token``. The subclass adds the
    survey's key (``survey``)."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="+", verbose_name=_("contract")
    )
    token = models.CharField(_("token"), max_length=40, unique=True, default=new_invitation_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.survey_id} · {self.contract_id}"


class SurveyInvitation(SurveyLink):
    """A single-use link (often printed as a QR code): one response per invitation."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("survey"))

    class Meta:
        ordering = ["survey", "contract", "pk"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")


class SurveyPublicLink(SurveyLink):
    """The shareable link (and QR code) of a survey and contract: anyone who has it may answer, once per device.
    The office turns it on and off; turned on again, it keeps its address (what was shared works again)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="public_links", verbose_name=_("survey"))
    is_active = models.BooleanField(_("turned on"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["survey", "contract", "pk"]
        verbose_name = _("public survey link")
        verbose_name_plural = _("public survey links")
        constraints = [
            unique("one_per_contract", "survey", "contract"),
        ]


class SurveyResponse(models.Model):
    # exactly one of the two channels: a single-use invitation, or the public link (then with the device)
    invitation = models.OneToOneField(
        SurveyInvitation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="response",
        verbose_name=_("invitation"),
    )
    public_link = optional_ref(SurveyPublicLink, _("public link"), on_delete=models.PROTECT, related_name="responses")
    device = models.CharField(
        _("device (hashed)"),
        max_length=64,
        blank=True,
        help_text=_("A keyed hash of the answering browser's random id (public link only): one answer per device."),
    )
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("survey"))
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="survey_responses", verbose_name=_("contract")
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)

    class Meta:
        ordering = ["survey", "submitted_at"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            check(
                "one_channel",
                Q(invitation__isnull=False, public_link__isnull=True)
                | Q(invitation__isnull=True, public_link__isnull=False),
            ),
            given_together("device_with_public_link", "public_link", "device"),
            unique("one_per_device", "survey", "contract", "device", condition=Q(public_link__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} · {self.pk}"

    @property
    def from_public_link(self) -> bool:
        return self.public_link_id is not None


class SurveyAnswer(models.Model):
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    value = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        ordering = ["response", "question"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            unique("one_per_question", "response", "question"),
            check("value_range", Q(value__gte=1, value__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value}"
