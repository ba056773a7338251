"""Tendering (招投标): tenders, sealed bids, qualification at opening, committee scoring, award."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from logistics.models.base import AuditedManager, TimeStampedModel, user_ref
from logistics.transitions import Flow
from logistics.uploads import RandomName, private_storage


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed for bids")
    EVALUATING = "evaluating", _("Evaluating")
    AWARDED = "awarded", _("Awarded")
    FAILED = "failed", _("Failed")


#: a tender's way: published, opened for evaluation at the opening time (bids closed), then awarded or failed
#: (fewer than three qualified bids)
TENDER_FLOW = Flow(
    TenderStatus,
    {
        TenderStatus.DRAFT: {TenderStatus.PUBLISHED},
        TenderStatus.PUBLISHED: {TenderStatus.CLOSED, TenderStatus.EVALUATING},
        TenderStatus.CLOSED: {TenderStatus.EVALUATING},
        TenderStatus.EVALUATING: {TenderStatus.AWARDED, TenderStatus.FAILED},
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
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="%(app_label)s_%(class)s_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(opening_at__gte=models.F("bid_deadline")),
                name="%(app_label)s_%(class)s_opening_after_deadline",
            ),
            models.CheckConstraint(
                condition=models.Q(price_weight__gte=0, price_weight__lte=100),
                name="%(app_label)s_%(class)s_price_weight_range",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_ceiling__gte=0, min_registered_capital__gte=0),
                name="%(app_label)s_%(class)s_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=TenderStatus.AWARDED) | models.Q(awarded_bid__isnull=False),
                name="%(app_label)s_%(class)s_awarded_has_bid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=TenderStatus.FAILED) | ~models.Q(failure_reason=""),
                name="%(app_label)s_%(class)s_failed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def is_open_for_bids(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == TenderStatus.PUBLISHED and now < self.bid_deadline

    def bids_are_sealed(self, now=None) -> bool:
        """Before the opening time nobody but the bidder sees a bid's price or content."""
        return (now or timezone.now()) < self.opening_at


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
            models.CheckConstraint(
                condition=models.Q(weight__gt=0, weight__lte=100), name="%(app_label)s_%(class)s_weight_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class TenderAttachment(TimeStampedModel):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("tender"))
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), storage=private_storage, upload_to=RandomName("tenders"))

    class Meta:
        ordering = ["tender", "id"]
        verbose_name = _("tender document")
        verbose_name_plural = _("tender documents")

    def __str__(self) -> str:
        return self.title


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
    auto_qualified = models.BooleanField(_("qualified (automatic check)"), null=True, blank=True)
    qualification_reasons = models.JSONField(_("qualification check"), default=list, blank=True)
    qualified_override = models.BooleanField(_("qualified (office's override)"), null=True, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    overridden_by = user_ref(_("overridden by"))

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["tender", "submitted_at"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.UniqueConstraint(fields=["tender", "vendor"], name="%(app_label)s_%(class)s_one_per_vendor"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="%(app_label)s_%(class)s_price_positive"),
            models.CheckConstraint(
                condition=models.Q(qualified_override__isnull=True) | ~models.Q(override_reason=""),
                name="%(app_label)s_%(class)s_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender.number} · {self.vendor}"

    @property
    def is_qualified(self) -> bool | None:
        return self.qualified_override if self.qualified_override is not None else self.auto_qualified


class BidAttachment(TimeStampedModel):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("bid"))
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), storage=private_storage, upload_to=RandomName("bids"))

    class Meta:
        ordering = ["bid", "id"]
        verbose_name = _("bid document")
        verbose_name_plural = _("bid documents")

    def __str__(self) -> str:
        return self.title


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
            models.UniqueConstraint(fields=["tender", "member"], name="%(app_label)s_%(class)s_one_per_member"),
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
            models.UniqueConstraint(fields=["sheet", "bid", "criterion"], name="%(app_label)s_%(class)s_unique"),
            models.CheckConstraint(condition=models.Q(score__gte=0), name="%(app_label)s_%(class)s_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"
