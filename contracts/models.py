"""Contracts, their reward and penalty clauses, warnings and the quarterly settlement ledger."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from logistics.immutability import ImmutableError, LockedQuerySet, locked_changes_allowed
from logistics.models import AuditedManager, TimeStampedModel
from logistics.uploads import RandomName, private_storage

ZERO = Decimal("0")
PERCENT = [MinValueValidator(ZERO), MaxValueValidator(Decimal(100))]
NOT_NEGATIVE = [MinValueValidator(ZERO)]


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    EXPIRED = "expired", _("Expired")


class PaymentCycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class Contract(TimeStampedModel):
    number = models.CharField(_("number"), max_length=40, unique=True)
    vendor = models.ForeignKey(
        "logistics.Vendor", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("vendor")
    )
    category = models.ForeignKey(
        "logistics.ServiceCategory",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("service category"),
    )
    sites = models.ManyToManyField("logistics.Site", blank=True, related_name="contracts", verbose_name=_("sites"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    annual_fee = models.DecimalField(_("annual fee (CNY)"), max_digits=14, decimal_places=2, validators=NOT_NEGATIVE)
    payment_cycle = models.CharField(
        _("payment cycle"), max_length=10, choices=PaymentCycle.choices, default=PaymentCycle.QUARTERLY
    )
    service_standards = models.TextField(_("service standards"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT, db_index=True
    )
    renewal_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals", verbose_name=_("renewal of")
    )
    tender = models.ForeignKey(
        "logistics.Tender",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("from tender"),
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_contracts", verbose_name=_("assigned inspectors")
    )
    ended_on = models.DateField(
        _("ended on"), null=True, blank=True, help_text=_("The effective date of termination or expiry.")
    )
    termination_recommended = models.BooleanField(_("termination recommended"), default=False)
    termination_recommended_reason = models.TextField(_("why termination is recommended"), blank=True)
    renewal_preferred = models.BooleanField(_("preferred for renewal"), default=False)

    objects = AuditedManager()
    history = HistoricalRecords(m2m_fields=[sites, inspectors])

    class Meta:
        ordering = ["-start_date", "number"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="%(app_label)s_%(class)s_end_after_start"
            ),
            models.CheckConstraint(condition=Q(annual_fee__gte=0), name="%(app_label)s_%(class)s_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=ContractStatus.values), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def terms_frozen(self) -> bool:
        return self.status != ContractStatus.DRAFT

    @property
    def effective_end(self):
        """The last day the contract was in force: its end date, or the day before it was terminated."""
        return min(self.end_date, self.ended_on) if self.ended_on else self.end_date


class ContractAttachment(TimeStampedModel):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), storage=private_storage, upload_to=RandomName("contracts"))

    class Meta:
        ordering = ["contract", "id"]
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")

    def __str__(self) -> str:
        return self.title


class ContractStatusChange(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=12, choices=ContractStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=ContractStatus.choices)
    effective_date = models.DateField(_("effective date"))
    reason = models.TextField(_("reason"))
    changed_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["contract", "changed_at", "pk"]
        verbose_name = _("contract status change")
        verbose_name_plural = _("contract status changes")

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.from_status} -> {self.to_status}"


class ContractAmendment(models.Model):
    """A change to an active contract's terms: what changed (old and new values), why, from when."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    effective_date = models.DateField(_("effective date"))
    reason = models.TextField(_("reason"))
    changes = models.JSONField(_("changes"), default=dict)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["contract", "effective_date", "pk"]
        verbose_name = _("contract amendment")
        verbose_name_plural = _("contract amendments")

    def __str__(self) -> str:
        return f"{self.contract_id} · {self.effective_date}"


class ClauseKind(models.TextChoices):
    PER_FAILED_ITEM = "per_failed_item", _("Deduction per failed checklist item")
    PER_UPHELD_COMPLAINT = "per_upheld_complaint", _("Deduction per upheld complaint")
    PER_OVERDUE_DAY = "per_overdue_rectification_day", _("Deduction per day a rectification is overdue")
    SCORE_BELOW = "score_below", _("Deduction when the quarterly score is below a threshold")
    SCORE_AT_LEAST = "score_at_least", _("Bonus when the quarterly score reaches a threshold")
    WARNING_BELOW = "warning_below", _("Formal warning when the score is below a threshold")
    TERMINATE_AFTER_WARNINGS = "terminate_after_warnings", _("Termination recommended after repeated warnings")
    DEDUCTION_CAP = "deduction_cap", _("Cap on a quarter's deductions")
    RENEWAL_PREFERENCE = "renewal_preference", _("Renewal preference after excellent grades")


def _needs(kind: str, *fields: str) -> Q:
    condition = Q(kind=kind)
    for field in fields:
        condition &= Q(**{f"{field}__isnull": False})
    return condition


class Clause(TimeStampedModel):
    """A reward or penalty clause. Which parameters a kind needs is enforced by the database too."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="clauses", verbose_name=_("contract"))
    kind = models.CharField(_("kind"), max_length=40, choices=ClauseKind.choices)
    threshold = models.DecimalField(
        _("score threshold"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    percent = models.DecimalField(
        _("percent of the quarter's fee"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    amount_minor = models.DecimalField(
        _("amount for a minor item (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    amount_major = models.DecimalField(
        _("amount for a major item (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    amount_serious = models.DecimalField(
        _("amount for a serious item (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    count = models.PositiveSmallIntegerField(_("count"), null=True, blank=True, validators=[MinValueValidator(1)])
    window = models.PositiveSmallIntegerField(
        _("window (quarters)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    description = models.CharField(_("wording in the contract"), max_length=500, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "kind", "id"]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        constraints = [
            models.CheckConstraint(
                condition=(
                    _needs(ClauseKind.PER_FAILED_ITEM, "amount_minor", "amount_major", "amount_serious")
                    | _needs(ClauseKind.PER_UPHELD_COMPLAINT, "amount")
                    | _needs(ClauseKind.PER_OVERDUE_DAY, "amount")
                    | _needs(ClauseKind.SCORE_BELOW, "threshold", "percent")
                    | (
                        Q(kind=ClauseKind.SCORE_AT_LEAST, threshold__isnull=False)
                        & (Q(amount__isnull=False) | Q(percent__isnull=False))
                    )
                    | _needs(ClauseKind.WARNING_BELOW, "threshold")
                    | _needs(ClauseKind.TERMINATE_AFTER_WARNINGS, "count", "window")
                    | _needs(ClauseKind.DEDUCTION_CAP, "percent")
                    | _needs(ClauseKind.RENEWAL_PREFERENCE, "count", "window")
                ),
                name="%(app_label)s_%(class)s_parameters_of_kind",
            ),
            models.CheckConstraint(
                condition=(
                    (Q(threshold__isnull=True) | Q(threshold__gte=0, threshold__lte=100))
                    & (Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100))
                    & (Q(amount__isnull=True) | Q(amount__gte=0))
                    & (Q(amount_minor__isnull=True) | Q(amount_minor__gte=0))
                    & (Q(amount_major__isnull=True) | Q(amount_major__gte=0))
                    & (Q(amount_serious__isnull=True) | Q(amount_serious__gte=0))
                    & (Q(count__isnull=True) | Q(count__gte=1))
                    & (Q(window__isnull=True) | Q(window__gte=1))
                ),
                name="%(app_label)s_%(class)s_parameter_ranges",
            ),
            models.UniqueConstraint(
                fields=["contract"], condition=Q(kind="deduction_cap"), name="%(app_label)s_%(class)s_one_cap"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    PARAMETERS = {
        "per_failed_item": ("amount_minor", "amount_major", "amount_serious"),
        "per_upheld_complaint": ("amount",),
        "per_overdue_rectification_day": ("amount",),
        "score_below": ("threshold", "percent"),
        "score_at_least": ("threshold",),  # and the amount or the percent
        "warning_below": ("threshold",),
        "terminate_after_warnings": ("count", "window"),
        "deduction_cap": ("percent",),
        "renewal_preference": ("count", "window"),
    }
    ALL_PARAMETERS = (
        "threshold",
        "percent",
        "amount",
        "amount_minor",
        "amount_major",
        "amount_serious",
        "count",
        "window",
    )

    def clean(self) -> None:
        """Each kind names the parameters it needs, with a message on the field that is missing."""
        from django.core.exceptions import ValidationError

        needed = self.PARAMETERS.get(self.kind, ())
        errors = {name: _("Required for this kind of clause.") for name in needed if getattr(self, name) is None}
        if self.kind == ClauseKind.SCORE_AT_LEAST and self.amount is None and self.percent is None:
            errors["amount"] = _("Give either an amount or a percent of the quarter's fee.")
        if self.kind == ClauseKind.SCORE_AT_LEAST and self.amount is not None and self.percent is not None:
            errors["percent"] = _("Give either an amount or a percent, not both.")
        if errors:
            raise ValidationError(errors)
        # parameters the kind does not use are cleared, so that nothing misleading is stored
        used = set(needed) | ({"amount", "percent"} if self.kind == ClauseKind.SCORE_AT_LEAST else set())
        for name in self.ALL_PARAMETERS:
            if name not in used:
                setattr(self, name, None)


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class Settlement(TimeStampedModel):
    """A contract's money for one quarter. payable = fee - deductions + cap_applied + bonuses + adjustments."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="settlements")
    quarter = models.CharField(_("quarter"), max_length=6, db_index=True)
    fee = models.DecimalField(_("quarter's fee"), max_digits=14, decimal_places=2)
    deductions = models.DecimalField(_("deductions before the cap"), max_digits=14, decimal_places=2, default=ZERO)
    cap = models.DecimalField(_("deduction cap"), max_digits=14, decimal_places=2, null=True, blank=True)
    cap_applied = models.DecimalField(_("removed by the cap"), max_digits=14, decimal_places=2, default=ZERO)
    bonuses = models.DecimalField(_("bonuses"), max_digits=14, decimal_places=2, default=ZERO)
    adjustments = models.DecimalField(
        _("corrections after finalization"), max_digits=14, decimal_places=2, default=ZERO
    )
    payable = models.DecimalField(_("payable"), max_digits=14, decimal_places=2)
    score = models.DecimalField(_("quarterly score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=2, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT, db_index=True
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = models.Manager.from_queryset(LockedQuerySet)()
    history = HistoricalRecords()

    LOCK_FIELD = "status"
    LOCKED_VALUES = (SettlementStatus.FINAL,)

    class Meta:
        ordering = ["-quarter", "contract"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.UniqueConstraint(fields=["contract", "quarter"], name="%(app_label)s_%(class)s_one_per_quarter"),
            models.CheckConstraint(
                condition=Q(fee__gte=0, deductions__gte=0, cap_applied__gte=0, bonuses__gte=0)
                & Q(cap_applied__lte=F("deductions")),
                name="%(app_label)s_%(class)s_amounts_valid",
            ),
            models.CheckConstraint(
                # rounded to the cent: SQLite keeps these columns as binary floats, where 308641.97 - 7487.13 is
                # 301154.83999999997; ROUND gives back the exact cent there and changes nothing on PostgreSQL
                condition=Q(
                    payable=Round(F("fee") - F("deductions") + F("cap_applied") + F("bonuses") + F("adjustments"), 2)
                ),
                name="%(app_label)s_%(class)s_payable_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(finalized_at__isnull=False), name="%(app_label)s_%(class)s_final_dated"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SettlementStatus.values), name="%(app_label)s_%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=0), name="%(app_label)s_%(class)s_cap_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="%(app_label)s_%(class)s_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} · {self.quarter}"

    def save(self, *args, **kwargs) -> None:
        """Integrity guard: a final settlement changes only through a correction or its evaluation's reopening."""
        if self.pk and not locked_changes_allowed():
            stored = type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == SettlementStatus.FINAL:
                raise ImmutableError(
                    _("A final settlement is read-only; record a correction or reopen its evaluation.")
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and type(self)._base_manager.filter(pk=self.pk, status=SettlementStatus.FINAL).exists():
            raise ImmutableError(_("A final settlement cannot be deleted."))
        return super().delete(*args, **kwargs)


class LedgerKind(models.TextChoices):
    DEDUCTION = "deduction", _("Deduction")
    BONUS = "bonus", _("Bonus")
    ADJUSTMENT = "adjustment", _("Correction")


class EvidenceType(models.TextChoices):
    ITEM_RESULT = "item_result", _("Failed checklist item")
    COMPLAINT = "complaint", _("Upheld complaint")
    RECTIFICATION = "rectification", _("Overdue rectification")
    SCORE = "score", _("Quarterly score")
    MANUAL = "manual", _("Correction by the office")


class LedgerLine(models.Model):
    """One yuan amount deducted, awarded or corrected, pointing at its clause and its evidence.

    The evidence lives in other apps (inspections), so it is referenced by type and id; ``evidence_key``
    (type:id) makes reapplying the same facts a no-op through the unique constraint.
    """

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="lines")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="ledger_lines")
    quarter = models.CharField(_("quarter"), max_length=6)
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_lines")
    kind = models.CharField(_("kind"), max_length=12, choices=LedgerKind.choices)
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Deductions and bonuses are positive; a correction is signed."),
    )
    evidence_type = models.CharField(_("evidence"), max_length=16, choices=EvidenceType.choices)
    evidence_id = models.BigIntegerField(_("evidence id"), null=True, blank=True)
    evidence_key = models.CharField(_("evidence key"), max_length=80)
    evidence_ref = models.CharField(_("evidence reference"), max_length=200, blank=True)
    explanation = models.JSONField(_("explanation"), default=dict)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = models.Manager.from_queryset(LockedQuerySet)()
    history = HistoricalRecords()

    LOCK_FIELD = "settlement__status"
    LOCKED_VALUES = (SettlementStatus.FINAL,)

    class Meta:
        ordering = ["settlement", "kind", "id"]
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "quarter", "clause", "evidence_key"],
                name="%(app_label)s_%(class)s_one_per_clause_and_evidence",
            ),
            models.CheckConstraint(
                condition=Q(kind="adjustment") | Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_sign"
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | (~Q(reason="") & Q(clause__isnull=True)),
                name="%(app_label)s_%(class)s_adjustment_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(kind="adjustment") | Q(clause__isnull=False),
                name="%(app_label)s_%(class)s_clause_unless_adjustment",
            ),
            models.CheckConstraint(condition=Q(kind__in=LedgerKind.values), name="%(app_label)s_%(class)s_kind_valid"),
            models.CheckConstraint(
                condition=Q(evidence_type__in=EvidenceType.values), name="%(app_label)s_%(class)s_evidence_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} · {self.evidence_ref or self.evidence_key}"

    def save(self, *args, **kwargs) -> None:
        """Integrity guard: a final settlement's ledger takes only corrections (``settlement_adjust``)."""
        if not locked_changes_allowed() and self._in_final_settlement():
            raise ImmutableError(_("The ledger of a final settlement is read-only; record a correction instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and self._in_final_settlement():
            raise ImmutableError(_("A ledger line of a final settlement cannot be deleted."))
        return super().delete(*args, **kwargs)

    def _in_final_settlement(self) -> bool:
        """The line's settlement (as stored, or the one it is being moved to) is final."""
        where = Q(pk=self.settlement_id)
        if self.pk:
            where |= Q(lines__pk=self.pk)
        return Settlement._base_manager.filter(where, status=SettlementStatus.FINAL).exists()


class FormalWarning(TimeStampedModel):
    """A formal warning to the vendor (警告), issued for a quarter by a clause."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="warnings")
    quarter = models.CharField(_("quarter"), max_length=6)
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, null=True, blank=True, related_name="warnings")
    reason = models.JSONField(_("reason"), default=dict)
    note = models.TextField(_("note"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "quarter"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "quarter", "clause"], name="%(app_label)s_%(class)s_one_per_quarter_and_clause"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} · {self.quarter}"
