"""Contracts, their reward and penalty clauses, warnings and the quarterly settlement ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts import clause_kinds
from contracts.choices import (
    ApprovalDecision,
    ApprovalStep,
    ContractStatus,
    EvidenceType,
    InstalmentStatus,
    LedgerKind,
    NoticeKind,
    PaymentCycle,
    PaymentRequestState,
    PostShift,
    SettlementStatus,
)
from contracts.payments import parse_payment_dates
from logistics.immutability import LockedModel
from logistics.models import AuditedManager, TimeStampedModel
from logistics.models.base import (
    Attachment,
    StatusChange,
    check,
    choice_check,
    given_together,
    in_language,
    optional_ref,
    private_file,
    unique,
    user_ref,
)
from logistics.models.documents import RenderedFile, RenderStatus
from logistics.text import join_names
from logistics.transitions import Flow

ZERO = Decimal("0")
PERCENT = [MinValueValidator(ZERO), MaxValueValidator(Decimal(100))]
NOT_NEGATIVE = [MinValueValidator(ZERO)]


#: how a contract's status may change (``contracts.services.contract_change_status``, the admin's actions)
CONTRACT_FLOW = Flow(
    ContractStatus,
    {
        ContractStatus.DRAFT: {ContractStatus.ACTIVE},
        ContractStatus.ACTIVE: {ContractStatus.SUSPENDED, ContractStatus.TERMINATED, ContractStatus.EXPIRED},
        ContractStatus.SUSPENDED: {ContractStatus.ACTIVE, ContractStatus.TERMINATED, ContractStatus.EXPIRED},
    },
    noun=_("A contract"),
)

#: the statuses in which a contract's terms and clauses are frozen (changed only by a supplementary agreement)
SIGNED_STATUSES = tuple(status for status in ContractStatus if status != ContractStatus.DRAFT)

#: the statuses a contract may be renewed from: running, or ended by its date (a terminated one is tendered again)
RENEWABLE_STATUSES = (ContractStatus.ACTIVE, ContractStatus.SUSPENDED, ContractStatus.EXPIRED)
#: what a refused change to a signed contract's terms says (the models, the services, the admin, the API)
FROZEN_TERMS = _(
    "The terms and clauses of a signed contract are frozen; record a supplementary agreement to change them "
    "from a date."
)
#: a contract's own fields its signing freezes with the terms (the admin shows them read-only, the API refuses them)
FROZEN_FIELDS = ("number", "vendor", "category", "sites", "renewal_of", "start_date", "end_date", "service_standards")


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
    service_standards = models.TextField(_("service standards"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT, db_index=True
    )
    renewal_of = optional_ref("self", _("renewal of"), on_delete=models.PROTECT, related_name="renewals")
    tender = optional_ref("logistics.Tender", _("from tender"), on_delete=models.PROTECT, related_name="contracts")
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
            check("end_after_start", Q(end_date__gt=F("start_date"))),
            choice_check("status", ContractStatus),
            # a contract has one renewal (its next contract); several NULLs are allowed on both databases
            unique("one_renewal", "renewal_of"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def terms_frozen(self) -> bool:
        """A signed contract's terms (fee, payment cycle, clauses) change only by a supplementary agreement."""
        return self.status != ContractStatus.DRAFT

    @property
    def effective_end(self):
        """The last day the contract was in force: its end date, or the day before it was terminated."""
        return min(self.end_date, self.ended_on) if self.ended_on else self.end_date


class ContractAttachment(Attachment):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("contract")
    )
    file = private_file("contracts")

    class Meta:
        ordering = ["contract", "id"]
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")


class ContractStatusChange(StatusChange):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("contract")
    )
    from_status = models.CharField(_("from"), max_length=12, choices=ContractStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=ContractStatus.choices)
    effective_date = models.DateField(_("effective date"))
    #: a contract's change is dated by ``effective_date``; this is when the office recorded it
    changed_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["contract", "changed_at", "pk"]
        verbose_name = _("contract status change")
        verbose_name_plural = _("contract status changes")


class ContractAmendment(models.Model):
    """A supplementary agreement (补充协议): what changed in a signed contract (old and new values), why, who
    approved it and from when. One that changes the money terms makes the next ``TermsVersion``."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("contract")
    )
    effective_date = models.DateField(_("effective date"))
    agreement_number = models.CharField(_("agreement number"), max_length=60, blank=True)
    approved_by = models.CharField(_("approved by"), max_length=100, blank=True)
    reason = models.TextField(_("reason"))
    changes = models.JSONField(_("changes"), default=dict)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = user_ref(_("recorded by"))

    class Meta:
        ordering = ["contract", "effective_date", "pk"]
        verbose_name = _("supplementary agreement")
        verbose_name_plural = _("supplementary agreements")

    def __str__(self) -> str:
        return f"{self.contract_id} · {self.effective_date}"


class TermsVersion(LockedModel, TimeStampedModel):
    """A contract's money terms in force from a date: the annual fee, the payment cycle and (through its
    clauses) the reward and penalty clauses with the deduction cap. Version 1 is signed with the contract
    and takes effect on its start date; each supplementary agreement that changes the money makes the next
    version, in force from its effective date until the next version's. Never edited once the contract is
    signed (the guard below, and a trigger on PostgreSQL)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="terms_versions", verbose_name=_("contract")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    effective_from = models.DateField(_("in force from"))
    annual_fee = models.DecimalField(_("annual fee (CNY)"), max_digits=14, decimal_places=2)
    payment_cycle = models.CharField(
        _("payment cycle"), max_length=10, choices=PaymentCycle.choices, default=PaymentCycle.QUARTERLY
    )
    payment_dates = models.JSONField(
        _("payment dates"),
        default=list,
        blank=True,
        help_text=_(
            "With the cycle on the dates the contract sets: the last day of each payment period in every year, "
            "as MM-DD (for example 06-30 and 12-31)."
        ),
    )
    amendment = models.OneToOneField(
        ContractAmendment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="terms",
        verbose_name=_("supplementary agreement"),
    )

    LOCK_FIELD = "contract__status"
    LOCKED_VALUES = SIGNED_STATUSES
    LOCKED_MESSAGE = FROZEN_TERMS
    AUDITED_DELETE = True  # a supplementary agreement replaces the versions after its date
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "number"]
        verbose_name = _("terms version")
        verbose_name_plural = _("terms versions")
        constraints = [
            unique("one_per_number", "contract", "number"),
            # versions are defined by their start: two starting on the same day would overlap
            unique("one_per_start_date", "contract", "effective_from"),
            check("number_positive", Q(number__gte=1)),
            check("fee_positive", Q(annual_fee__gt=0)),
            check("cycle_valid", Q(payment_cycle__in=PaymentCycle.values)),
            check(  # the dates are the cycle "dates"'s and only its
                "dates_with_their_cycle",
                Q(payment_cycle=PaymentCycle.DATES) & ~Q(payment_dates=[])
                | ~Q(payment_cycle=PaymentCycle.DATES) & Q(payment_dates=[]),
            ),
            check(
                "agreement_after_signing",
                Q(number=1, amendment__isnull=True) | Q(number__gt=1, amendment__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return gettext("version %(number)s from %(date)s") % {
            "number": self.number,
            "date": self.effective_from.isoformat() if self.effective_from else "—",
        }

    @property
    def cycle_text(self) -> str:
        """The payment cycle in words, with its dates when the contract sets them ("按合同约定日期：06-30、12-31")."""
        if self.payment_cycle == PaymentCycle.DATES and self.payment_dates:
            return gettext("%(cycle)s: %(dates)s") % {
                "cycle": self.get_payment_cycle_display(),
                "dates": join_names(self.payment_dates),
            }
        return str(self.get_payment_cycle_display())

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.annual_fee is not None and self.annual_fee <= 0:
            raise ValidationError({"annual_fee": _("The annual fee must be more than 0.")})
        problem = payment_dates_problem(self.payment_cycle, self.payment_dates)
        if problem:
            raise ValidationError({"payment_dates": problem})
        if self.payment_cycle == PaymentCycle.DATES:
            self.payment_dates = list(parse_payment_dates(self.payment_dates))


def payment_dates_problem(cycle: str, dates: Any) -> str:
    """What is wrong with a terms version's payment dates for its cycle ("" when nothing): the cycle "dates" needs
    at least one date of every year (MM-DD), the other cycles none."""
    if cycle != PaymentCycle.DATES:
        return gettext("Payment dates go with the cycle on the dates the contract sets.") if dates else ""
    if not dates:
        return gettext("Enter the payment dates the contract sets, as MM-DD (for example 06-30, 12-31).")
    try:
        parse_payment_dates(dates if isinstance(dates, list | tuple) else [dates])
    except ValueError as exc:
        return gettext("%(value)s is not a day of every year: write MM-DD, for example 06-30 (29 February is not).") % {
            "value": exc.args[0]
        }
    return ""


def _parameters_of_kind() -> Q:
    """The database's side of the registry: each kind has the parameters it needs and no other."""
    condition = Q()
    for kind in clause_kinds.all_kinds():
        rule = Q(kind=kind.code)
        for name in kind.required:
            rule &= Q(**{f"{name}__isnull": False})
        if kind.one_of:
            exactly_one = Q()
            for name in kind.one_of:
                others = {f"{other}__isnull": True for other in kind.one_of if other != name}
                exactly_one |= Q(**{f"{name}__isnull": False}, **others)
            rule &= exactly_one
        for name in clause_kinds.PARAMETERS:
            if name not in kind.parameters:
                rule &= Q(**{f"{name}__isnull": True})
        condition |= rule
    return condition


def _clause_amount(verbose_name: Any) -> models.DecimalField:
    """An amount parameter of a clause, in CNY (empty where the clause's kind does not use it)."""
    return models.DecimalField(
        verbose_name, max_digits=12, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )


def _one_per_version() -> list[models.UniqueConstraint]:
    return [
        unique(f"one_{kind.code}_per_version", "terms", condition=Q(kind=kind.code))
        for kind in clause_kinds.all_kinds()
        if kind.one_per_version
    ]


class Clause(LockedModel, TimeStampedModel):
    """A reward or penalty clause of one terms version. What each kind needs is in ``contracts.clause_kinds``
    (the database checks it too)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="clauses", verbose_name=_("contract"))
    terms = models.ForeignKey(
        TermsVersion, on_delete=models.CASCADE, related_name="clauses", verbose_name=_("terms version")
    )
    kind = models.CharField(_("kind"), max_length=40, choices=clause_kinds.choices)
    threshold = models.DecimalField(
        _("score threshold"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    percent = models.DecimalField(
        _("percent of the quarter's fee"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    amount = _clause_amount(_("amount (CNY)"))
    amount_minor = _clause_amount(_("amount for a minor item (CNY)"))
    amount_major = _clause_amount(_("amount for a major item (CNY)"))
    amount_serious = _clause_amount(_("amount for a serious item (CNY)"))
    count = models.PositiveSmallIntegerField(_("count"), null=True, blank=True, validators=[MinValueValidator(1)])
    window = models.PositiveSmallIntegerField(
        _("window (quarters)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    description = models.CharField(_("wording in the contract"), max_length=500, blank=True)

    LOCK_FIELD = "contract__status"
    LOCKED_VALUES = SIGNED_STATUSES
    LOCKED_MESSAGE = FROZEN_TERMS
    AUDITED_DELETE = True
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "terms", "kind", "id"]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        constraints = [
            check("parameters_of_kind", _parameters_of_kind()),
            check(
                "parameter_ranges",
                (Q(threshold__isnull=True) | Q(threshold__gte=0, threshold__lte=100))
                & (Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100))
                & (Q(amount__isnull=True) | Q(amount__gte=0))
                & (Q(amount_minor__isnull=True) | Q(amount_minor__gte=0))
                & (Q(amount_major__isnull=True) | Q(amount_major__gte=0))
                & (Q(amount_serious__isnull=True) | Q(amount_serious__gte=0))
                & (Q(count__isnull=True) | Q(count__gte=1))
                & (Q(window__isnull=True) | Q(window__gte=1)),
            ),
            *_one_per_version(),
        ]

    def __str__(self) -> str:
        return clause_kinds.label(self.kind)

    def get_kind_display(self) -> str:
        return clause_kinds.label(self.kind)

    def clean(self) -> None:
        """The kind's parameters, with a message on the field that is wrong; the others are cleared, so that
        nothing misleading is stored."""
        from django.core.exceptions import ValidationError

        if self.terms_id is not None and self.contract_id is not None and self.terms.contract_id != self.contract_id:
            raise ValidationError({"terms": _("The terms version belongs to another contract.")})
        values = {name: getattr(self, name) for name in clause_kinds.PARAMETERS}
        errors = clause_kinds.missing_parameters(self.kind, values)
        if errors:
            raise ValidationError(errors)
        used = clause_kinds.get(self.kind).parameters
        for name in clause_kinds.PARAMETERS:
            if name not in used:
                setattr(self, name, None)


#: a settlement is final with its evaluation, and back to draft when the evaluation is reopened
SETTLEMENT_FLOW = Flow(
    SettlementStatus,
    {SettlementStatus.DRAFT: {SettlementStatus.FINAL}, SettlementStatus.FINAL: {SettlementStatus.DRAFT}},
    noun=_("A settlement"),
)


class Settlement(LockedModel, TimeStampedModel):
    """A contract's money for one quarter. payable = fee - deductions + cap_applied + bonuses + adjustments."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("contract")
    )
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
    terms = optional_ref(
        TermsVersion,
        _("terms version of the score clauses and the cap"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The version in force on the contract's last day in force in the quarter."),
    )
    fee_basis = models.JSONField(
        _("how the fee was computed"),
        default=list,
        blank=True,
        help_text=_("Each stretch of days in force with the terms version and annual fee that priced it."),
    )
    score = models.DecimalField(_("quarterly score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=2, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT, db_index=True
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    published_at = models.DateTimeField(
        _("shown to the vendor since"),
        null=True,
        blank=True,
        help_text=_("Set when the quarter's result is published to the vendor for its objections."),
    )
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)
    finalized_by = user_ref(_("finalized by"))

    history = HistoricalRecords()

    LOCK_FIELD = "status"
    LOCKED_VALUES = (SettlementStatus.FINAL,)
    LOCKED_MESSAGE = _("A final settlement is read-only; record a correction or reopen its evaluation.")
    LOCKED_DELETE_MESSAGE = _("A final settlement cannot be deleted.")
    #: the figures the clauses price a quarter at (the evaluation writes them, the API shows them)
    FIGURES = ("fee", "deductions", "cap", "cap_applied", "bonuses", "adjustments", "payable", "terms", "fee_basis")

    class Meta:
        ordering = ["-quarter", "contract"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            unique("one_per_quarter", "contract", "quarter"),
            check(
                "amounts_valid",
                Q(fee__gte=0, deductions__gte=0, cap_applied__gte=0, bonuses__gte=0)
                & Q(cap_applied__lte=F("deductions")),
            ),
            check(
                # rounded to the cent: SQLite keeps these columns as binary floats, where 308641.97 - 7487.13 is
                # 301154.83999999997; ROUND gives back the exact cent there and changes nothing on PostgreSQL
                "payable_adds_up",
                Q(payable=Round(F("fee") - F("deductions") + F("cap_applied") + F("bonuses") + F("adjustments"), 2)),
            ),
            check("final_dated", Q(status=SettlementStatus.DRAFT) | Q(finalized_at__isnull=False)),
            choice_check("status", SettlementStatus),
            check("cap_not_negative", Q(cap__isnull=True) | Q(cap__gte=0)),
            check("score_range", Q(score__isnull=True) | Q(score__gte=0, score__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.contract} · {self.quarter}"


class Instalment(LockedModel, TimeStampedModel):
    """One payment of a contract's schedule (``contracts.payments``): a period's share of the quarter's fee, the
    quarter's net adjustment on its last instalment, and a correction carried from paid instalments. Kept up
    to date by ``payments_refresh`` until it is paid, then read-only."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="instalments", verbose_name=_("contract")
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    cycle = models.CharField(_("payment cycle"), max_length=10, choices=PaymentCycle.choices)
    quarters = models.JSONField(_("quarters"), default=list, help_text=_("The quarters whose fee it shares in."))
    carries = models.CharField(
        _("carries the adjustment of"),
        max_length=6,
        blank=True,
        help_text=_("The quarter whose settlement it carries."),
    )
    base = models.DecimalField(_("base amount"), max_digits=14, decimal_places=2)
    adjustment = models.DecimalField(
        _("settlement adjustment"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty until the quarter it carries is final."),
    )
    carried = models.DecimalField(_("carried correction"), max_digits=14, decimal_places=2, default=ZERO)
    carried_reason = models.TextField(_("why a correction is carried"), blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.SCHEDULED
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    voucher = models.CharField(_("voucher number"), max_length=60, blank=True)
    paid_by = user_ref(_("recorded by"))

    history = HistoricalRecords()

    LOCK_FIELD = "status"
    LOCKED_VALUES = (InstalmentStatus.PAID,)
    LOCKED_MESSAGE = _("A paid instalment is read-only; a later correction is carried by the next instalment.")
    LOCKED_DELETE_MESSAGE = _("A paid instalment cannot be deleted.")

    class Meta:
        ordering = ["contract", "first_day"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            unique("one_per_start", "contract", "first_day"),
            check("period_in_order", Q(last_day__gte=F("first_day"))),
            check(
                # rounded to the cent for SQLite's binary floats (see Settlement)
                "amount_adds_up",
                Q(adjustment__isnull=True, amount__isnull=True)
                | Q(adjustment__isnull=False, amount=Round(F("base") + F("adjustment") + F("carried"), 2)),
            ),
            check(
                "paid_recorded",
                Q(status=InstalmentStatus.SCHEDULED, paid_on__isnull=True)
                | Q(status__in=(InstalmentStatus.REQUESTED, InstalmentStatus.APPROVED), paid_on__isnull=True)
                & Q(amount__isnull=False)
                | Q(status=InstalmentStatus.PAID, paid_on__isnull=False, amount__isnull=False) & ~Q(voucher=""),
            ),
            choice_check("status", InstalmentStatus),
            choice_check("cycle", PaymentCycle),
        ]

    def __str__(self) -> str:
        return f"{self.contract} · {self.first_day:%Y-%m-%d}–{self.last_day:%Y-%m-%d}"


#: how an instalment moves through its payment request's approval chain (``contracts.services_payments``)
INSTALMENT_FLOW = Flow(
    InstalmentStatus,
    {
        # the office raises the payment request (and signs it as the chain's first step)
        InstalmentStatus.SCHEDULED: {InstalmentStatus.REQUESTED},
        # finance approves it, or returns it with a reason; a change of the amount withdraws it
        InstalmentStatus.REQUESTED: {InstalmentStatus.APPROVED, InstalmentStatus.SCHEDULED},
        # finance records the payment; a change of the amount before that withdraws the approved request
        InstalmentStatus.APPROVED: {InstalmentStatus.PAID, InstalmentStatus.SCHEDULED},
    },
    noun=_("An instalment"),
)


class PaymentRequest(LockedModel, RenderedFile, TimeStampedModel):
    """A payment request (付款审批单) for one instalment: numbered FK-<year>-<n>, the amount as requested, a PDF
    with the quarter's settlement and its ledger summary, and the approval chain's signatures
    (``PaymentApproval``). A request returned by finance or withdrawn because the amount changed is kept, with
    its reason; the instalment is then requested again under a new number."""

    State = PaymentRequestState
    FINISHED_FIELD = "rendered_at"

    instalment = optional_ref(
        Instalment,
        _("instalment"),
        on_delete=models.PROTECT,
        related_name="requests",
        help_text=_("Empty once its period is no longer paid (the contract ended earlier): the request keeps it."),
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="payment_requests", verbose_name=_("contract")
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    number = models.CharField(_("number"), max_length=20, unique=True)
    amount = models.DecimalField(_("amount requested"), max_digits=14, decimal_places=2)
    state = models.CharField(
        _("state"), max_length=10, choices=PaymentRequestState.choices, default=PaymentRequestState.OPEN
    )
    closed_reason = models.TextField(_("why it was returned or withdrawn"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    status = models.CharField(_("PDF"), max_length=8, choices=RenderStatus.choices, default=RenderStatus.PENDING)
    file = private_file("payments", blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    history = HistoricalRecords()

    LOCK_FIELD = "state"
    LOCKED_VALUES = (PaymentRequestState.PAID, PaymentRequestState.RETURNED, PaymentRequestState.WITHDRAWN)
    LOCKED_MESSAGE = _("A paid, returned or withdrawn payment request is kept as it was.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        constraints = [
            unique("one_open_per_instalment", "instalment", condition=Q(state=PaymentRequestState.OPEN)),
            check(
                "closing_has_its_reason",
                Q(state__in=(PaymentRequestState.OPEN, PaymentRequestState.PAID), closed_reason="")
                | Q(state__in=(PaymentRequestState.RETURNED, PaymentRequestState.WITHDRAWN)) & ~Q(closed_reason=""),
            ),
            check("open_for_an_instalment", ~Q(state=PaymentRequestState.OPEN) | Q(instalment__isnull=False)),
            check(
                "closed_when_not_open",
                Q(state=PaymentRequestState.OPEN, closed_at__isnull=True)
                | ~Q(state=PaymentRequestState.OPEN) & Q(closed_at__isnull=False),
            ),
            choice_check("state", PaymentRequestState),
            choice_check("status", RenderStatus),
        ]

    def __str__(self) -> str:
        return self.number


class PaymentApproval(LockedModel):
    """One signature of a payment request's approval chain (``contracts.choices.APPROVAL_CHAIN``): who, when, with
    what remarks; approved, or returned with the reason. Written once, never changed."""

    request = models.ForeignKey(
        PaymentRequest, on_delete=models.PROTECT, related_name="approvals", verbose_name=_("payment request")
    )
    step = models.CharField(_("step"), max_length=10, choices=ApprovalStep.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=ApprovalDecision.choices)
    by = user_ref(_("by"), optional=False)
    at = models.DateTimeField(_("at"))
    remarks = models.TextField(_("remarks"), blank=True)

    LOCK_FIELD = "decision"
    LOCKED_VALUES = tuple(ApprovalDecision.values)
    LOCKED_MESSAGE = _("A signature of the approval chain is never changed.")

    class Meta:
        ordering = ["request", "at", "pk"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            unique("one_per_step", "request", "step"),
            check("return_has_its_reason", ~Q(decision=ApprovalDecision.RETURNED) | ~Q(remarks="")),
            choice_check("step", ApprovalStep),
            choice_check("decision", ApprovalDecision),
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.get_step_display()}"


class LedgerLine(LockedModel):
    """One yuan amount deducted, awarded or corrected, pointing at its clause and its evidence.

    The evidence lives in other apps (inspections), so it is referenced by type and id; ``evidence_key``
    (type:id) makes reapplying the same facts a no-op through the unique constraint.
    """

    settlement = models.ForeignKey(
        Settlement, on_delete=models.PROTECT, related_name="lines", verbose_name=_("settlement")
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="ledger_lines", verbose_name=_("contract")
    )
    quarter = models.CharField(_("quarter"), max_length=6)
    clause = optional_ref(Clause, _("clause"), on_delete=models.PROTECT, related_name="ledger_lines")
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
    created_by = user_ref(_("created by"))

    history = HistoricalRecords()

    LOCK_FIELD = "settlement__status"
    LOCKED_VALUES = (SettlementStatus.FINAL,)
    LOCKED_MESSAGE = _("The ledger of a final settlement is read-only; record a correction instead.")
    LOCKED_DELETE_MESSAGE = _("A ledger line of a final settlement cannot be deleted.")

    class Meta:
        ordering = ["settlement", "kind", "id"]
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        constraints = [
            unique("one_per_clause_and_evidence", "contract", "quarter", "clause", "evidence_key"),
            check("amount_sign", Q(kind=LedgerKind.ADJUSTMENT) | Q(amount__gte=0)),
            check("adjustment_has_reason", ~Q(kind=LedgerKind.ADJUSTMENT) | (~Q(reason="") & Q(clause__isnull=True))),
            check("clause_unless_adjustment", Q(kind=LedgerKind.ADJUSTMENT) | Q(clause__isnull=False)),
            choice_check("kind", LedgerKind),
            choice_check("evidence_type", EvidenceType),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} · {self.evidence_ref or self.evidence_key}"

    @property
    def terms_version(self) -> TermsVersion | None:
        """The terms version that priced the line: its clause's (a clause belongs to one version); a correction's,
        the settlement's (the version of the quarter's score clauses and cap). Select ``clause__terms`` and
        ``settlement__terms`` with the lines."""
        return self.clause.terms if self.clause_id else self.settlement.terms


class FormalWarning(TimeStampedModel):
    """A formal warning to the vendor (书面警告): issued for a quarter by a clause at finalization, or by the office
    for a serious breach at any time (no clause; the breach, its evidence and a rectification deadline). Both
    count in the termination ladder; a withdrawn one (with its reason) no longer does."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="warnings", verbose_name=_("contract")
    )
    quarter = models.CharField(_("quarter"), max_length=6)
    clause = optional_ref(Clause, _("clause"), on_delete=models.PROTECT, related_name="warnings")
    reason = models.JSONField(_("reason"), default=dict)
    note = models.TextField(_("note"), blank=True)
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("The records that show the breach: inspections, photos, reports.")
    )
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = user_ref(_("issued by"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = user_ref(_("withdrawn by"))
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "quarter"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        constraints = [
            unique("one_per_quarter_and_clause", "contract", "quarter", "clause"),
            check(
                "office_warning_has_evidence",
                Q(clause__isnull=False) | (~Q(note="") & ~Q(evidence="") & Q(issued_at__isnull=False)),
            ),
            given_together("withdrawn_with_reason", "withdrawn_at", "withdrawal_reason"),
        ]

    @property
    def by_the_office(self) -> bool:
        return self.clause_id is None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def __str__(self) -> str:
        return f"{self.contract} · {self.quarter}"


class FormalNotice(RenderedFile, TimeStampedModel):
    """A numbered formal notice to the vendor (考评结果通知书, 书面警告) rendered as a PDF, delivered to the vendor's
    portal and its contact persons; the vendor acknowledges receipt (who, when)."""

    FINISHED_FIELD = "rendered_at"

    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    number = models.CharField(_("number"), max_length=20, unique=True)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="notices", verbose_name=_("contract"))
    quarter = models.CharField(_("quarter"), max_length=6, blank=True)
    warning = models.OneToOneField(
        FormalWarning,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notice",
        verbose_name=_("warning"),
    )
    subject_id = models.BigIntegerField(
        _("record"),
        null=True,
        blank=True,
        help_text=_("The record the notice is about, in the app that renders it (a rectification order)."),
    )
    title = models.CharField(_("title"), max_length=200)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = user_ref(_("issued by"))
    status = models.CharField(_("status"), max_length=8, choices=RenderStatus.choices, default=RenderStatus.PENDING)
    file = private_file("notices", blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("receipt acknowledged at"), null=True, blank=True)
    acknowledged_by = user_ref(_("receipt acknowledged by"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("formal notice")
        verbose_name_plural = _("formal notices")
        constraints = [
            unique("one_result_per_quarter", "contract", "quarter", condition=Q(kind=NoticeKind.RESULT)),
            check("warning_notice_names_its_warning", ~Q(kind=NoticeKind.WARNING) | Q(warning__isnull=False)),
            unique("one_per_subject", "kind", "subject_id", condition=Q(subject_id__isnull=False)),
            check(
                "rectification_notice_names_its_order", ~Q(kind=NoticeKind.RECTIFICATION) | Q(subject_id__isnull=False)
            ),
            check("acknowledged_by_someone", Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False)),
            choice_check("kind", NoticeKind),
            choice_check("status", RenderStatus),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


# --- staffing: the posts a contract names and the vendor's roster on them ---------------------------------
class PostRole(models.Model):
    """A kind of post (保洁员, 保安员, 电工 …): shared by the contracts' posts and by the checklist items that check
    them on the tablet. The office extends the list in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("post role")
        verbose_name_plural = _("post roles")

    def __str__(self) -> str:
        return in_language(self.name, self.name_en)


class Post(TimeStampedModel):
    """A post (岗位) of a contract: how many people the vendor keeps on it, how many are on duty at once, when, and
    the work certificates each of them must hold."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="posts", verbose_name=_("contract"))
    role = models.ForeignKey(PostRole, on_delete=models.PROTECT, related_name="posts", verbose_name=_("post"))
    headcount = models.PositiveSmallIntegerField(
        _("headcount"), help_text=_("The people the vendor keeps on this post (its roster), rotations included.")
    )
    on_duty = models.PositiveSmallIntegerField(
        _("on duty at once"),
        help_text=_("The people an inspection must find at work on this post; at most the headcount."),
    )
    shift = models.CharField(_("shift"), max_length=16, choices=PostShift.choices, default=PostShift.DAY)
    hours = models.CharField(
        _("hours"), max_length=60, blank=True, help_text=_("e.g. 07:30–17:30; required for other hours.")
    )
    full_time = models.BooleanField(
        _("full-time"), default=True, help_text=_("A person holds one full-time post at a time.")
    )
    required_certificates = models.ManyToManyField(
        "logistics.CertificateType",
        blank=True,
        related_name="posts",
        limit_choices_to={"holder": "person"},
        verbose_name=_("required work certificates"),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = AuditedManager()
    history = HistoricalRecords(m2m_fields=[required_certificates])

    class Meta:
        ordering = ["contract", "sort_order", "id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            check("headcount_positive", Q(headcount__gte=1)),
            check("on_duty_within_headcount", Q(on_duty__gte=1, on_duty__lte=F("headcount"))),
            check("other_has_hours", ~Q(shift=PostShift.OTHER) | ~Q(hours="")),
            unique(
                "one_per_role_and_shift",
                "contract",
                "role",
                "shift",
                violation_error_message=_("This contract already has this post on this shift."),
            ),
            choice_check("shift", PostShift),
        ]

    def __str__(self) -> str:
        return f"{self.role}（{self.shift_text}）"

    @property
    def shift_text(self) -> str:
        """ "白班", "其他时段 07:30–17:30", "白班 07:30–17:30"."""
        label = str(self.get_shift_display())
        return f"{label} {self.hours}" if self.hours else label

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.headcount is not None and self.headcount < 1:
            errors["headcount"] = _("A post has at least one person.")
        if self.on_duty is not None and self.headcount is not None and not 1 <= self.on_duty <= self.headcount:
            errors["on_duty"] = _("Between 1 and the headcount (%(headcount)d).") % {"headcount": self.headcount}
        self.hours = " ".join((self.hours or "").split())
        if self.shift == PostShift.OTHER and not self.hours:
            errors["hours"] = _("Give the hours of a post on other hours.")
        if errors:
            raise ValidationError(errors)


class RosterEntry(TimeStampedModel):
    """A person of the vendor on a post from a day (and until their last day there). ``full_time`` is the post's,
    copied so that the database itself can refuse one person on two full-time posts at once (PostgreSQL: an
    exclusion constraint; the service refuses it on every database)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="roster", verbose_name=_("post"))
    staff = models.ForeignKey(
        "logistics.VendorStaff", on_delete=models.PROTECT, related_name="roster_entries", verbose_name=_("person")
    )
    starts_on = models.DateField(_("on the post from"))
    leaves_on = models.DateField(
        _("last day on the post"), null=True, blank=True, help_text=_("Empty: still on the post.")
    )
    full_time = models.BooleanField(_("full-time"), default=True, editable=False)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["post", "starts_on", "id"]
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster")
        constraints = [
            check("leaves_after_start", Q(leaves_on__isnull=True) | Q(leaves_on__gte=F("starts_on"))),
        ]
        indexes = [models.Index(fields=["staff", "starts_on"], name="contracts_roster_by_staff")]

    def __str__(self) -> str:
        return f"{self.staff.name} · {self.post}"

    def is_on_post(self, day: Any) -> bool:
        return self.starts_on <= day and (self.leaves_on is None or self.leaves_on >= day)

    def clean(self) -> None:
        from contracts.selectors_staffing import overlap_problem

        errors: dict[str, Any] = {}
        if self.starts_on and self.leaves_on and self.leaves_on < self.starts_on:
            errors["leaves_on"] = _("The last day on the post cannot be before the first.")
        if self.post_id:
            self.full_time = self.post.full_time
        if self.post_id and self.staff_id:
            if self.staff.vendor_id != self.post.contract.vendor_id:
                errors["staff"] = _("Only the contract's vendor's own people can be on its posts.")
            elif not errors and self.starts_on:
                problem = overlap_problem(self)
                if problem:
                    errors["starts_on"] = problem
        if errors:
            raise ValidationError(errors)
