"""Tendering (招投标): tenders, sealed bids, qualification at opening, committee scoring, award."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from logistics.choices import QualificationCheck
from logistics.models.base import (
    Attachment,
    AuditedManager,
    TimeStampedModel,
    check,
    choice_check,
    given_together,
    private_file,
    ruled_with_reasons,
    unique,
    user_ref,
)
from logistics.transitions import Flow

__all__ = [
    "TENDER_FLOW",
    "AwardObjection",
    "Bid",
    "BidAttachment",
    "BidCheck",
    "BidScore",
    "ObjectionRuling",
    "QualificationCheck",
    "ScoreSheet",
    "Tender",
    "TenderAttachment",
    "TenderCriterion",
    "TenderQuestion",
    "TenderRegistration",
    "TenderStatus",
]


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed for bids")
    EVALUATING = "evaluating", _("Evaluating")
    PUBLICITY = "publicity", _("Award in publicity")
    AWARDED = "awarded", pgettext_lazy("tender", "Awarded")
    FAILED = "failed", pgettext_lazy("tender", "Failed")


#: a tender's way: published, opened for evaluation at the opening time (bids closed), the proposed award
#: published for its objection period (中标公示), then awarded; or failed (fewer than three qualified bids).
#: An objection upheld during the publicity withdraws the proposed award: back to evaluation.
TENDER_FLOW = Flow(
    TenderStatus,
    {
        TenderStatus.DRAFT: {TenderStatus.PUBLISHED},
        TenderStatus.PUBLISHED: {TenderStatus.CLOSED, TenderStatus.EVALUATING},
        TenderStatus.CLOSED: {TenderStatus.EVALUATING},
        TenderStatus.EVALUATING: {TenderStatus.PUBLICITY, TenderStatus.FAILED},
        TenderStatus.PUBLICITY: {TenderStatus.AWARDED, TenderStatus.EVALUATING},
    },
    noun=_("A tender"),
)


class Tender(TimeStampedModel):
    class Method(models.TextChoices):
        OPEN = "open", _("Open tendering")
        INVITED = "invited", _("Invited tendering")

    number = models.CharField(_("number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        "logistics.ServiceCategory",
        on_delete=models.PROTECT,
        related_name="tenders",
        verbose_name=_("service category"),
    )
    sites = models.ManyToManyField("logistics.Site", blank=True, related_name="tenders", verbose_name=_("sites"))
    scope = models.TextField(_("scope of services"))
    service_standards = models.TextField(_("service standards"), blank=True)
    period_start = models.DateField(_("contract period from"))
    period_end = models.DateField(_("contract period to"))
    budget_ceiling = models.DecimalField(
        _("budget ceiling (CNY per year)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    min_registered_capital = models.DecimalField(
        _("minimum registered capital (CNY)"),
        max_digits=16,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    required_certificate_types = models.ManyToManyField(
        "logistics.CertificateType",
        blank=True,
        related_name="+",
        limit_choices_to={"holder": "company"},
        verbose_name=_("required certificate types"),
    )
    min_similar_projects = models.PositiveSmallIntegerField(_("minimum similar past projects"), default=0)
    bad_record_lookback_months = models.PositiveSmallIntegerField(
        _("bad-record look-back (months)"),
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("A serious bad record dated within this many months before the bid deadline disqualifies a bid."),
    )
    publicity_days = models.PositiveSmallIntegerField(
        _("award publicity (days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("The proposed award is published for this many days; bidders may object until it ends."),
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.OPEN)
    invited_vendors = models.ManyToManyField(
        "logistics.Vendor", blank=True, related_name="tender_invitations", verbose_name=_("invited vendors")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    bid_deadline = models.DateTimeField(_("bid deadline"))
    opening_at = models.DateTimeField(_("bid opening"))
    price_weight = models.DecimalField(
        _("price weight (points)"),
        max_digits=5,
        decimal_places=2,
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Points of the price score; the technical criteria share the rest of 100."),
    )
    renewal_bonus = models.DecimalField(
        _("renewal preference bonus (points)"),
        max_digits=4,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_(
            "Points added to the total of a bidder preferred for renewal by its latest final annual appraisal; "
            "0: no bonus."
        ),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TenderStatus.choices, default=TenderStatus.DRAFT, db_index=True
    )
    qualification_confirmed_at = models.DateTimeField(_("qualification confirmed at"), null=True, blank=True)
    failure_reason = models.TextField(_("reason the tender failed"), blank=True)
    awarded_bid = models.OneToOneField(
        "logistics.Bid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("awarded bid"),
    )
    award_reason = models.TextField(_("award reason"), blank=True)
    publicity_started_at = models.DateTimeField(_("publicity started at"), null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("publicity ends at"), null=True, blank=True)
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    awarded_by = user_ref(_("awarded by"))
    committee = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="tender_committees", verbose_name=_("evaluation committee")
    )

    objects = AuditedManager()
    history = HistoricalRecords(m2m_fields=[committee])

    class Meta:
        ordering = ["-bid_deadline"]
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        constraints = [
            check("period_ordered", models.Q(period_end__gt=models.F("period_start"))),
            check("opening_after_deadline", models.Q(opening_at__gte=models.F("bid_deadline"))),
            check("price_weight_range", models.Q(price_weight__gte=0, price_weight__lte=100)),
            check("renewal_bonus_range", models.Q(renewal_bonus__gte=0, renewal_bonus__lte=10)),
            check("amounts_not_negative", models.Q(budget_ceiling__gte=0, min_registered_capital__gte=0)),
            check("awarded_has_bid", ~models.Q(status=TenderStatus.AWARDED) | models.Q(awarded_bid__isnull=False)),
            check(
                "publicity_has_bid_and_end",
                ~models.Q(status=TenderStatus.PUBLICITY)
                | models.Q(awarded_bid__isnull=False, publicity_ends_at__isnull=False),
            ),
            check("periods_positive", models.Q(bad_record_lookback_months__gte=1, publicity_days__gte=1)),
            check("failed_has_reason", ~models.Q(status=TenderStatus.FAILED) | ~models.Q(failure_reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def is_open_for_bids(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == TenderStatus.PUBLISHED and now < self.bid_deadline

    def bids_are_sealed(self, now=None) -> bool:
        """Before the opening time nobody but the bidder sees a bid's price or content."""
        return (now or timezone.now()) < self.opening_at

    def in_publicity(self, now=None) -> bool:
        return self.status == TenderStatus.PUBLICITY and (now or timezone.now()) < self.publicity_ends_at


class TenderCriterion(models.Model):
    """A technical evaluation criterion with its weight in points."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("tender"))
    name = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("what earns the points"), blank=True)
    weight = models.DecimalField(
        _("points"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["tender", "sort_order", "id"]
        verbose_name = _("technical criterion")
        verbose_name_plural = _("technical criteria")
        constraints = [
            check("weight_range", models.Q(weight__gt=0, weight__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class TenderAttachment(Attachment):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("tender"))
    file = private_file("tenders")

    class Meta:
        ordering = ["tender", "id"]
        verbose_name = _("tender document")
        verbose_name_plural = _("tender documents")


class Bid(TimeStampedModel):
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids", verbose_name=_("tender"))
    vendor = models.ForeignKey(
        "logistics.Vendor", on_delete=models.PROTECT, related_name="bids", verbose_name=_("vendor")
    )
    price = models.DecimalField(
        _("price (CNY per year)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    proposal = models.TextField(_("technical proposal"))
    past_projects = models.PositiveSmallIntegerField(_("similar past projects"), default=0)
    past_projects_description = models.TextField(_("past projects"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_by = user_ref(_("submitted by"))
    auto_qualified = models.BooleanField(_("qualified (automatic checks)"), null=True, blank=True)
    qualified = models.BooleanField(
        _("qualified"),
        null=True,
        blank=True,
        help_text=_("Every check passes, by the data or by the office's override."),
    )
    renewal_bonus = models.DecimalField(
        _("renewal preference bonus (points)"),
        max_digits=4,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Set at the opening from the tender's bonus and the vendor's latest final annual appraisal."),
    )
    #: why the bid got its bonus or none, as stored reasons (``logistics.reasons``); empty: the tender gives none
    renewal_basis = models.JSONField(_("basis of the renewal bonus"), default=list, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["tender", "submitted_at"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            unique("one_per_vendor", "tender", "vendor"),
            check("price_positive", models.Q(price__gt=0)),
            check("renewal_bonus_not_negative", models.Q(renewal_bonus__gte=0)),
            check(
                "checked_both_or_neither",
                models.Q(auto_qualified__isnull=True, qualified__isnull=True)
                | models.Q(auto_qualified__isnull=False, qualified__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender.number} · {self.vendor}"

    @property
    def is_qualified(self) -> bool | None:
        """None until the bids are opened and checked."""
        return self.qualified


class BidAttachment(Attachment):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("bid"))
    file = private_file("bids")

    class Meta:
        ordering = ["bid", "id"]
        verbose_name = _("bid document")
        verbose_name_plural = _("bid documents")


class ScoreSheet(TimeStampedModel):
    """One committee member's scores for a tender; others' sheets stay hidden until this one is submitted."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="score_sheets", verbose_name=_("tender"))
    member = user_ref(_("member"), optional=False, related_name="score_sheets")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["tender", "member"]
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            unique("one_per_member", "tender", "member"),
        ]

    def __str__(self) -> str:
        return f"{self.tender.number} · {self.member}"


class BidScore(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores", verbose_name=_("sheet"))
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="scores", verbose_name=_("bid"))
    criterion = models.ForeignKey(
        TenderCriterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)])

    history = HistoricalRecords()

    class Meta:
        ordering = ["sheet", "bid", "criterion"]
        verbose_name = _("bid score")
        verbose_name_plural = _("bid scores")
        constraints = [
            unique("unique", "sheet", "bid", "criterion"),
            check("not_negative", models.Q(score__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class BidCheck(models.Model):
    """One qualification check of a bid: what the institution's records say, and the office's override with its
    written reason (kept in the history)."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="checks", verbose_name=_("bid"))
    item = models.CharField(_("check"), max_length=20, choices=QualificationCheck.choices)
    passed = models.BooleanField(_("passed (by the records)"))
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    override_passed = models.BooleanField(_("office's override"), null=True, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    overridden_by = user_ref(_("overridden by"))
    overridden_at = models.DateTimeField(_("overridden at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["bid", "id"]
        verbose_name = _("qualification check")
        verbose_name_plural = _("qualification checks")
        constraints = [
            unique("one_per_check", "bid", "item"),
            choice_check("item", QualificationCheck),
            given_together("override_has_reason", "override_passed", "override_reason"),
        ]

    def __str__(self) -> str:
        return self.get_item_display()

    @property
    def result(self) -> bool:
        return self.override_passed if self.override_passed is not None else self.passed


class TenderRegistration(models.Model):
    """A vendor registered for a tender (报名): it hears every published answer and every change of the
    deadline. Asking a question or bidding registers too."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("tender"))
    vendor = models.ForeignKey(
        "logistics.Vendor", on_delete=models.CASCADE, related_name="tender_registrations", verbose_name=_("vendor")
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    registered_by = user_ref(_("registered by"))

    class Meta:
        ordering = ["tender", "registered_at"]
        verbose_name = _("tender registration")
        verbose_name_plural = _("tender registrations")
        constraints = [
            unique("once_per_vendor", "tender", "vendor"),
        ]

    def __str__(self) -> str:
        return f"{self.tender.number} · {self.vendor}"


class TenderQuestion(TimeStampedModel):
    """A clarification question (答疑) before the bid deadline; the office's answer is published to every registered
    bidder at once, without the asker's name."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="questions", verbose_name=_("tender"))
    vendor = models.ForeignKey(
        "logistics.Vendor", on_delete=models.PROTECT, related_name="tender_questions", verbose_name=_("asked by")
    )
    asked_by = user_ref(_("asked by (user)"))
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = user_ref(_("answered by"))

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["tender", "created_at"]
        verbose_name = _("tender question")
        verbose_name_plural = _("tender questions")
        constraints = [
            given_together("answered_with_text", "answered_at", "answer"),
        ]

    def __str__(self) -> str:
        return self.question[:60]


class ObjectionRuling(models.TextChoices):
    PENDING = "pending", pgettext_lazy("objection", "Awaiting a ruling")
    UPHELD = "upheld", pgettext_lazy("objection", "Upheld")
    DISMISSED = "dismissed", pgettext_lazy("objection", "Dismissed")


class AwardObjection(TimeStampedModel):
    """A bidder's objection to the proposed award during its publicity (中标公示异议), ruled by the office with
    reasons. An upheld objection withdraws the proposed award."""

    Ruling = ObjectionRuling

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="objections", verbose_name=_("tender"))
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="objections", verbose_name=_("objector's bid"))
    objected_bid = models.ForeignKey(
        Bid, on_delete=models.PROTECT, related_name="+", verbose_name=_("the proposed award objected to")
    )
    filed_by = user_ref(_("filed by"))
    grounds = models.TextField(_("grounds"))
    ruling = models.CharField(
        _("ruling"), max_length=10, choices=ObjectionRuling.choices, default=ObjectionRuling.PENDING
    )
    ruling_reason = models.TextField(_("reasons for the ruling"), blank=True)
    ruled_at = models.DateTimeField(_("ruled at"), null=True, blank=True)
    ruled_by = user_ref(_("ruled by"))

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["tender", "created_at"]
        verbose_name = _("award objection")
        verbose_name_plural = _("award objections")
        constraints = [
            choice_check("ruling", ObjectionRuling),
            ruled_with_reasons("ruling", ObjectionRuling.PENDING, "ruling_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.tender.number} · {self.bid.vendor}"
