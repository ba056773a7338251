"""Monthly feedback forms (月度服务质量反馈表, seed 002): the served departments' named respondents score
each contract that serves them on a 100-point form once a month.

- ``FeedbackForm``: one version of a service category's form; a version that has been sent is never edited
  (``feedback.services.form_new_version`` copies it).
- ``FeedbackRespondent``: a department's named person and the contracts serving the department.
- ``FeedbackRequest``: one form for one month, contract and respondent, answered through a signed, single-use,
  expiring link without a login; ``points`` / ``max_points`` are its totals once submitted.
- ``FeedbackAnswer``: the points of one item (never above the item's max, also in the database).
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from feedback.choices import RequestStatus
from logistics.models import AuditedManager, BilingualNameModel, TimeStampedModel
from logistics.models.base import VersionedModel, check, choice_check, in_language_property, unique, version_constraints


def new_key() -> str:
    return secrets.token_urlsafe(18)  # 144 bits; the link carries it signed


class FeedbackForm(VersionedModel, BilingualNameModel):
    category = models.ForeignKey(
        "logistics.ServiceCategory", on_delete=models.PROTECT, related_name="+", verbose_name=_("service category")
    )
    introduction = models.TextField(_("introduction (Chinese)"), blank=True)
    introduction_en = models.TextField(_("introduction (English)"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["category__sort_order", "-version"]
        verbose_name = _("monthly feedback form")
        verbose_name_plural = _("monthly feedback forms")
        constraints = [
            *version_constraints("category"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} v{self.version}"

    display_introduction = in_language_property("introduction")


class FeedbackItem(models.Model):
    form = models.ForeignKey(FeedbackForm, on_delete=models.CASCADE, related_name="items", verbose_name=_("form"))
    text = models.CharField(_("item (Chinese)"), max_length=300)
    text_en = models.CharField(_("item (English)"), max_length=300, blank=True)
    guidance = models.CharField(_("what full points mean (Chinese)"), max_length=300, blank=True)
    guidance_en = models.CharField(_("what full points mean (English)"), max_length=300, blank=True)
    max_points = models.PositiveSmallIntegerField(_("max points"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["form", "sort_order", "pk"]
        verbose_name = _("feedback form item")
        verbose_name_plural = _("feedback form items")
        constraints = [
            check("max_points_positive", Q(max_points__gt=0)),
        ]

    def __str__(self) -> str:
        return self.display_text

    display_text = in_language_property("text")
    display_guidance = in_language_property("guidance")


class FeedbackRespondent(TimeStampedModel):
    """The person of a served department who fills in its monthly forms, one active per department."""

    department = models.ForeignKey(
        "logistics.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    contracts = models.ManyToManyField(
        "contracts.Contract",
        related_name="+",
        blank=True,
        verbose_name=_("contracts serving the department"),
        help_text=_("Each month the respondent gets one form for each of these contracts that is in force."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = AuditedManager()
    history = HistoricalRecords(m2m_fields=[contracts])

    class Meta:
        ordering = ["department__code"]
        verbose_name = _("feedback respondent")
        verbose_name_plural = _("feedback respondents")
        constraints = [
            unique("one_per_department", "department", condition=Q(is_active=True)),
            check("reachable", ~Q(mobile="", email="")),
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.name}"


class FeedbackRequest(models.Model):
    month = models.CharField(_("month"), max_length=7, db_index=True)
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="feedback_requests", verbose_name=_("contract")
    )
    respondent = models.ForeignKey(
        FeedbackRespondent, on_delete=models.PROTECT, related_name="requests", verbose_name=_("respondent")
    )
    form = models.ForeignKey(FeedbackForm, on_delete=models.PROTECT, related_name="requests", verbose_name=_("form"))
    key = models.CharField(_("link key"), max_length=40, unique=True, default=new_key)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN, db_index=True
    )
    issued_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("link valid until"))
    saved_at = models.DateTimeField(_("last saved at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    comment = models.TextField(_("comments"), max_length=2000, blank=True)
    points = models.PositiveIntegerField(_("points"), null=True, blank=True)
    max_points = models.PositiveIntegerField(_("max points"))
    reminders = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_sent_at = models.DateTimeField(_("last sent or reminded at"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "contract__number", "respondent__department__code"]
        verbose_name = _("monthly feedback request")
        verbose_name_plural = _("monthly feedback requests")
        constraints = [
            unique("one_per_month", "month", "contract", "respondent"),
            choice_check("status", RequestStatus),
            check(
                "submitted_has_points",
                (Q(status=RequestStatus.SUBMITTED) & Q(points__isnull=False, submitted_at__isnull=False))
                | (~Q(status=RequestStatus.SUBMITTED) & Q(points__isnull=True, submitted_at__isnull=True)),
            ),
            check("points_within_max", Q(points__isnull=True) | Q(points__lte=F("max_points"))),
            check("max_positive", Q(max_points__gt=0)),
            check("expires_after_sending", Q(expires_at__gt=F("issued_at"))),
        ]

    def __str__(self) -> str:
        return f"{self.month} · {self.contract_id} · {self.respondent_id}"

    @property
    def score(self):
        """100 x points / max, 2 decimals (None until submitted)."""
        from feedback.scores import percent

        return None if self.points is None else percent(self.points, self.max_points)


class FeedbackAnswer(models.Model):
    request = models.ForeignKey(
        FeedbackRequest, on_delete=models.CASCADE, related_name="answers", verbose_name=_("feedback request")
    )
    item = models.ForeignKey(FeedbackItem, on_delete=models.PROTECT, related_name="answers", verbose_name=_("item"))
    points = models.PositiveSmallIntegerField(_("points"))
    max_points = models.PositiveSmallIntegerField(_("max points"))

    class Meta:
        ordering = ["request", "item__sort_order", "item"]
        verbose_name = _("feedback answer")
        verbose_name_plural = _("feedback answers")
        constraints = [
            unique("one_per_item", "request", "item"),
            check("points_within_max", Q(points__lte=F("max_points"))),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.points}/{self.max_points}"
