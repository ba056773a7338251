"""Evaluation schemes (versioned weights and grade bands) and quarterly evaluations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import reduce
from operator import sub
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.choices import EvidenceType
from logistics.immutability import LockedModel
from logistics.models import AuditedManager, TimeStampedModel
from logistics.models.base import (
    VersionedModel,
    check,
    choice_check,
    optional_ref,
    private_file,
    ruled_with_reasons,
    unique,
    user_ref,
    version_constraints,
)
from logistics.models.documents import RenderedFile, RenderStatus
from logistics.quarters import institution_tz
from logistics.transitions import Flow
from logistics.uploads import RandomName, private_storage
from scoring.choices import EvaluationStatus, ObjectionStatus, ObjectionTarget, SatisfactionSource
from scoring.components import WEIGHT_FIELDS

private_storage_callable = private_storage
report_upload_to = RandomName("reports")

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
#: the weight of each quarter's final score in the year's (and, rescaled, the half-year's) appraisal
QUARTER_WEIGHT_FIELDS = ("weight_q1", "weight_q2", "weight_q3", "weight_q4")


def percent(verbose_name: Any, default: int, **options: Any) -> models.DecimalField:
    """A scheme's percentage (0 to 100, two decimals): a weight, a share, a number of points."""
    return models.DecimalField(
        verbose_name, max_digits=5, decimal_places=2, validators=PERCENT, default=Decimal(default), **options
    )


DEFAULT_BANDS = [
    {"grade": "A", "min": "90", "label": "优秀", "label_en": "Excellent"},
    {"grade": "B", "min": "80", "label": "良好", "label_en": "Good"},
    {"grade": "C", "min": "60", "label": "合格", "label_en": "Acceptable"},
    {"grade": "D", "min": "0", "label": "不合格", "label_en": "Unacceptable"},
]


class EvaluationScheme(VersionedModel):
    """Weights of the components (percent), grade bands, complaint penalties and the adjustment bound.

    ``family`` names a scheme across versions; a version used by an evaluation is never edited.
    """

    family = models.SlugField(_("scheme"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    category = optional_ref(
        "logistics.ServiceCategory",
        _("for the service category"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the default scheme for every service without its own."),
    )
    weight_daily = percent(_("weight of daily inspections (D, %)"), 30)
    weight_weekly = percent(_("weight of weekly inspections (W, %)"), 20)
    weight_monthly = percent(_("weight of monthly joint inspections (M, %)"), 20)
    weight_complaints = percent(_("weight of complaints (C, %)"), 10)
    weight_satisfaction = percent(_("weight of satisfaction (S, %)"), 20)
    weight_self = percent(_("weight of the vendor's self-checks (%)"), 0)
    weight_r = percent(_("weight of the service desk's on-time work orders (R, %)"), 0)
    bands = models.JSONField(
        _("grade bands"),
        default=list,
        help_text=_("Each grade with the lowest score that earns it; one band starts at 0."),
    )
    complaint_points_normal = percent(_("points per upheld complaint"), 5)
    complaint_points_serious = percent(_("points per serious upheld complaint"), 10)
    adjustment_bound = percent(_("largest manual adjustment (points)"), 5)
    objection_days = models.PositiveSmallIntegerField(
        _("objection period (days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "Calendar days the vendor has to object after the result is published; the period ends at midnight "
            "of its last day."
        ),
    )

    satisfaction_source = models.CharField(
        _("satisfaction (S) from"),
        max_length=8,
        choices=SatisfactionSource.choices,
        default=SatisfactionSource.SURVEYS,
        help_text=_(
            "Surveys: the share of answers rated 4 or 5. Monthly forms: the mean of the months' feedback scores. "
            "Both: the two weighted by the share below (one missing: the other alone)."
        ),
    )
    satisfaction_forms_share = percent(
        _("share of the monthly forms in S (%)"),
        50,
        help_text=_("Used when S is taken from both; the surveys weigh the rest."),
    )
    weight_q1 = percent(_("weight of Q1 in the year (%)"), 25)
    weight_q2 = percent(_("weight of Q2 in the year (%)"), 25)
    weight_q3 = percent(_("weight of Q3 in the year (%)"), 25)
    weight_q4 = percent(_("weight of Q4 in the year (%)"), 25)
    renewal_grade = models.CharField(
        _("lowest annual grade for renewal preference"),
        max_length=4,
        blank=True,
        default="A",
        help_text=_("A contract whose annual grade is this one or better is preferred for renewal; empty: none is."),
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["family", "-version"]
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        constraints = [
            *version_constraints("family"),
            unique("one_current_per_category", "category", condition=Q(is_current=True, category__isnull=False)),
            check("weights_not_negative", Q(**{f"{name}__gte": 0 for name in WEIGHT_FIELDS})),
            models.CheckConstraint(
                # the first weight is 100 less the others, rounded: binary floats on SQLite (see contracts'
                # payable_adds_up)
                condition=Q(
                    **{WEIGHT_FIELDS[0]: Round(reduce(sub, map(models.F, WEIGHT_FIELDS[1:]), Decimal(100)), 2)}
                ),
                name="%(app_label)s_%(class)s_weights_sum_to_100",
            ),
            models.CheckConstraint(
                condition=Q(
                    complaint_points_normal__gte=0,
                    complaint_points_normal__lte=100,
                    complaint_points_serious__gte=0,
                    complaint_points_serious__lte=100,
                    adjustment_bound__gte=0,
                    adjustment_bound__lte=100,
                ),
                name="%(app_label)s_%(class)s_points_range",
            ),
            models.CheckConstraint(
                condition=Q(objection_days__gte=1, objection_days__lte=30),
                name="%(app_label)s_%(class)s_objection_days_range",
            ),
            choice_check("satisfaction_source", SatisfactionSource),
            models.CheckConstraint(
                condition=Q(satisfaction_forms_share__gte=0, satisfaction_forms_share__lte=100)
                & (
                    ~Q(satisfaction_source=SatisfactionSource.BOTH)
                    | Q(satisfaction_forms_share__gt=0, satisfaction_forms_share__lt=100)
                ),
                name="%(app_label)s_%(class)s_forms_share_range",
            ),
            models.CheckConstraint(
                condition=Q(**{f"{name}__gte": 0 for name in QUARTER_WEIGHT_FIELDS})
                & Q(**{f"{name}__lte": 100 for name in QUARTER_WEIGHT_FIELDS}),
                name="%(app_label)s_%(class)s_quarter_weights_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def weights(self) -> dict[str, Decimal]:
        from scoring.components import COMPONENTS

        return {component.code: getattr(self, component.weight_field) for component in COMPONENTS}

    @property
    def quarter_weights(self) -> dict[int, Decimal]:
        """The weight (percent) of each quarter's final score in the year: {1: 25, 2: 25, 3: 25, 4: 25}."""
        return {number: getattr(self, name) for number, name in enumerate(QUARTER_WEIGHT_FIELDS, start=1)}

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from scoring.calculations import validate_bands

        total = sum(self.weights.values(), Decimal(0))
        errors = {}
        if total != Decimal(100):
            errors[WEIGHT_FIELDS[0]] = _("The weights must add up to 100%%; they add up to %(total)s%%.") % {
                "total": total
            }
        try:
            grades = [grade for _low, grade in validate_bands(self.bands)]
        except ValueError as exc:
            errors["bands"] = str(exc)
        else:
            if self.renewal_grade and self.renewal_grade not in grades:
                errors["renewal_grade"] = _("%(grade)s is not one of the scheme's grades (%(grades)s).") % {
                    "grade": self.renewal_grade,
                    "grades": ", ".join(grades),
                }
        year_total = sum(self.quarter_weights.values(), Decimal(0))
        if year_total != Decimal(100):
            errors[QUARTER_WEIGHT_FIELDS[0]] = _(
                "The quarters' weights in the year must add up to 100%%; they add up to %(total)s%%."
            ) % {"total": year_total}
        if self.satisfaction_source == SatisfactionSource.BOTH and not (
            Decimal(0) < (self.satisfaction_forms_share or 0) < Decimal(100)
        ):
            errors["satisfaction_forms_share"] = _(
                "When S is taken from both, the monthly forms' share is more than 0% and less than 100%."
            )
        if errors:
            raise ValidationError(errors)


class QuarterRun(models.Model):
    """One quarter close at a time: the row is the lock, and it remembers that the quarter was closed."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    quarter = models.CharField(_("quarter"), max_length=6, unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    contracts = models.PositiveIntegerField(_("contracts evaluated"), default=0)
    error = models.TextField(_("error"), blank=True)
    trigger = models.CharField(_("triggered by"), max_length=20, blank=True)

    class Meta:
        ordering = ["-quarter"]
        verbose_name = _("quarter close")
        verbose_name_plural = _("quarter closes")

    def __str__(self) -> str:
        return f"{self.quarter} {self.status}"


#: computed by the job, reviewed at the meeting (again, until final), final; reopened back to reviewed
EVALUATION_FLOW = Flow(
    EvaluationStatus,
    {
        EvaluationStatus.COMPUTED: {EvaluationStatus.REVIEWED},
        EvaluationStatus.REVIEWED: {EvaluationStatus.REVIEWED, EvaluationStatus.PUBLISHED},
        # published: the vendor's objection period; its rulings correct the facts, then the office finalizes
        EvaluationStatus.PUBLISHED: {EvaluationStatus.PUBLISHED, EvaluationStatus.FINAL},  # again: a new period
        EvaluationStatus.FINAL: {EvaluationStatus.REVIEWED},  # the audited reopening
    },
    noun=_("An evaluation"),
)


class Evaluation(LockedModel, TimeStampedModel):
    """A contract's quarterly evaluation. Final: read-only everywhere; reopened only by an audited office action."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("contract")
    )
    quarter = models.CharField(_("quarter"), max_length=6, db_index=True)
    scheme = models.ForeignKey(
        EvaluationScheme, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("scheme (version)")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.COMPUTED, db_index=True
    )
    raw_score = models.DecimalField(_("weighted score before adjustment"), max_digits=12, decimal_places=6)
    adjustment = models.DecimalField(_("manual adjustment"), max_digits=5, decimal_places=2, default=Decimal(0))
    adjustment_reason = models.TextField(_("reason for the adjustment"), blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=4)
    explanation = models.JSONField(_("explanation"), default=dict)
    facts = models.JSONField(_("facts"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))
    meeting_date = models.DateField(_("evaluation meeting"), null=True, blank=True)
    attendees = models.TextField(_("attendees"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = user_ref(_("reviewed by"))
    published_at = models.DateTimeField(
        _("published to the vendor at"),
        null=True,
        blank=True,
        help_text=_("From then on the vendor sees the quarter's score and money, and may object until the deadline."),
    )
    published_by = user_ref(_("published by"))
    objection_deadline = models.DateTimeField(_("objections until"), null=True, blank=True)
    accepted_at = models.DateTimeField(
        _("accepted by the vendor at"),
        null=True,
        blank=True,
        help_text=_("The vendor declared it has no (further) objection: the objection period ends then."),
    )
    accepted_by = user_ref(_("accepted by"))
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)
    finalized_by = user_ref(_("finalized by"))
    inputs_hash = models.CharField(_("SHA-256 of inputs and outputs"), max_length=64, blank=True)
    seal_version = models.PositiveSmallIntegerField(
        _("seal form"), default=1, help_text=_("Which canonical form the SHA-256 covers (see scoring.services).")
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    history = HistoricalRecords()

    LOCK_FIELD = "status"
    LOCKED_VALUES = (EvaluationStatus.FINAL,)
    LOCKED_MESSAGE = _("A final evaluation is read-only; reopen it with a reason.")
    LOCKED_DELETE_MESSAGE = _("A final evaluation cannot be deleted.")

    class Meta:
        ordering = ["-quarter", "contract"]
        verbose_name = _("quarterly evaluation")
        verbose_name_plural = _("quarterly evaluations")
        constraints = [
            unique("one_per_quarter", "contract", "quarter"),
            check("score_range", Q(score__gte=0, score__lte=100)),
            check("adjustment_has_reason", Q(adjustment=0) | ~Q(adjustment_reason="")),
            check(
                "final_is_sealed",
                ~Q(status=EvaluationStatus.FINAL) | (Q(finalized_at__isnull=False) & ~Q(inputs_hash="")),
            ),
            check("raw_score_range", Q(raw_score__gte=0, raw_score__lte=100)),
            check("adjustment_range", Q(adjustment__gte=-100, adjustment__lte=100)),
            check(
                "published_has_deadline",
                ~Q(status=EvaluationStatus.PUBLISHED) | Q(published_at__isnull=False, objection_deadline__isnull=False),
            ),
            check(
                "deadline_after_publication",
                Q(objection_deadline__isnull=True) | Q(objection_deadline__gt=F("published_at")),
            ),
            choice_check("status", EvaluationStatus),
        ]

    def __str__(self) -> str:
        return f"{self.contract} · {self.quarter}"

    @property
    def is_final(self) -> bool:
        return self.status == EvaluationStatus.FINAL

    @property
    def objection_deadline_text(self) -> str:
        """The deadline as a notice writes it: midnight at a day's end is that day's 24:00 (institution's time)."""
        if self.objection_deadline is None:
            return ""
        deadline = timezone.localtime(self.objection_deadline, institution_tz())
        if deadline.time() == dt.time(0):
            return f"{(deadline.date() - dt.timedelta(days=1)).isoformat()} 24:00"
        return deadline.strftime("%Y-%m-%d %H:%M")

    def objection_period_open(self, now: dt.datetime | None = None) -> bool:
        """Whether the vendor may still object: published, before the deadline, not accepted."""
        now = now or timezone.now()
        return (
            self.status == EvaluationStatus.PUBLISHED
            and self.accepted_at is None
            and self.objection_deadline is not None
            and now < self.objection_deadline
        )


class EvaluationComponent(LockedModel):
    """One component of an evaluation as computed: value (unrounded to 6 places), n, weights."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="components", verbose_name=_("evaluation")
    )
    code = models.CharField(_("component"), max_length=4)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=6, null=True, blank=True)
    n = models.PositiveIntegerField(_("n"), default=0)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=4)
    effective_weight = models.DecimalField(_("effective weight"), max_digits=12, decimal_places=10)

    # locked with its evaluation, and refused in the same words
    LOCK_FIELD = "evaluation__status"
    LOCKED_VALUES = Evaluation.LOCKED_VALUES
    LOCKED_MESSAGE = Evaluation.LOCKED_MESSAGE
    LOCKED_DELETE_MESSAGE = Evaluation.LOCKED_DELETE_MESSAGE

    class Meta:
        ordering = ["evaluation", "pk"]
        verbose_name = _("evaluation component")
        verbose_name_plural = _("evaluation components")
        constraints = [
            unique("one_per_code", "evaluation", "code"),
            check("value_range", Q(value__isnull=True) | Q(value__gte=0, value__lte=100)),
            check("weights_range", Q(weight__gte=0, weight__lte=1, effective_weight__gte=0, effective_weight__lte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.code}"


class EvaluationReopening(models.Model):
    """The audited correction path of a final evaluation."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="reopenings", verbose_name=_("evaluation")
    )
    reason = models.TextField(_("reason"))
    previous_score = models.DecimalField(_("score before"), max_digits=5, decimal_places=2)
    previous_hash = models.CharField(_("hash before"), max_length=64)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = user_ref(_("by"), optional=False)

    class Meta:
        ordering = ["evaluation", "at"]
        verbose_name = _("reopening of an evaluation")
        verbose_name_plural = _("reopenings of evaluations")

    def __str__(self) -> str:
        return f"{self.evaluation_id} · {self.at:%Y-%m-%d}"


OBJECTION_FLOW = Flow(
    ObjectionStatus,
    {
        ObjectionStatus.OPEN: {ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED},
        ObjectionStatus.UPHELD: set(),
        ObjectionStatus.DISMISSED: set(),
    },
    noun=_("An objection"),
)


class Objection(TimeStampedModel):
    """The vendor's objection (异议) to one fact of a published quarter, and the office's ruling on it.

    ``target_key`` names the fact so that it stays the same when the quarter is recomputed (a ledger line by
    its clause and evidence, not by its row): one objection per fact and evaluation. What the fact was when
    the vendor objected is kept (``reference``, ``amount``), since an upheld objection makes it go away.
    """

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="objections", verbose_name=_("evaluation")
    )
    target = models.CharField(_("objection to"), max_length=16, choices=ObjectionTarget.choices)
    target_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    target_key = models.CharField(_("fact"), max_length=120)
    evidence_type = models.CharField(
        _("evidence"),
        max_length=16,
        blank=True,
        choices=EvidenceType.choices,
        help_text=_("The record an upheld ruling corrects: an item result, a complaint, a rectification order."),
    )
    evidence_id = models.BigIntegerField(_("evidence id"), null=True, blank=True)
    reference = models.CharField(_("what was objected to"), max_length=300)
    amount = models.DecimalField(_("amount at filing (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    reasons = models.TextField(_("the vendor's reasons"))
    filed_at = models.DateTimeField(_("filed at"))
    filed_by = user_ref(_("filed by"))
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN, db_index=True
    )
    ruling = models.TextField(_("the office's ruling"), blank=True)
    ruled_at = models.DateTimeField(_("ruled at"), null=True, blank=True)
    ruled_by = user_ref(_("ruled by"))
    correction = models.JSONField(
        _("correction made"), default=dict, blank=True, help_text=_("What the upheld ruling changed, and how.")
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["evaluation", "filed_at", "pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            unique("one_per_fact", "evaluation", "target_key"),
            check("has_reasons", ~Q(reasons="")),
            ruled_with_reasons("status", ObjectionStatus.OPEN, "ruling"),
            check("names_its_record", Q(target=ObjectionTarget.SCORE) | Q(target_id__isnull=False)),
            choice_check("target", ObjectionTarget),
            choice_check("status", ObjectionStatus),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.status == ObjectionStatus.OPEN


class ObjectionFile(models.Model):
    """A file the vendor attached to its objection (a photo, a scanned record)."""

    objection = models.ForeignKey(
        Objection, on_delete=models.PROTECT, related_name="files", verbose_name=_("objection")
    )
    file = private_file("objections")
    name = models.CharField(_("file name"), max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = user_ref(_("uploaded by"))

    class Meta:
        ordering = ["objection", "pk"]
        verbose_name = _("objection file")
        verbose_name_plural = _("objection files")

    def __str__(self) -> str:
        return self.name


class Report(RenderedFile):
    """A rendered PDF report: a contract's quarter, or the institution summary. A final evaluation's report is
    frozen with its SHA-256; the others are re-rendered when their evaluation changes."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Contract report")
        SUMMARY = "summary", _("Institution summary")

    FINISHED_FIELD = "rendered_at"

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    quarter = models.CharField(_("quarter"), max_length=6, db_index=True)
    evaluation = optional_ref(Evaluation, _("evaluation"), on_delete=models.PROTECT, related_name="reports")
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    status = models.CharField(_("status"), max_length=8, choices=RenderStatus.choices, default=RenderStatus.PENDING)
    file = models.FileField(_("file"), storage=private_storage_callable, upload_to=report_upload_to, blank=True)
    source_hash = models.CharField(_("state rendered"), max_length=64, blank=True)
    frozen = models.BooleanField(_("frozen (final)"), default=False)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    render_seconds = models.DecimalField(_("render time (s)"), max_digits=8, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["-quarter", "kind"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            unique("one_per_evaluation", "evaluation", "language", condition=Q(kind="contract")),
            unique("one_summary_per_quarter", "quarter", "language", condition=Q(kind="summary")),
            check("contract_report_has_evaluation", Q(kind="summary") | Q(evaluation__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quarter}"


class Appraisal(models.Model):
    """A half-year's or a year's appraisal (半年度/年度考评) from the quarters' scores (``scoring.appraisal``):
    computed again until every quarter it used is final; ``provisional`` says when one was not."""

    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(
        _("half"), default=0, help_text=_("0: the whole year; 1: January to June; 2: July to December.")
    )
    provisional = models.BooleanField(_("provisional"), default=True)
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = user_ref(_("computed by"))

    class Meta:
        ordering = ["-year", "half"]
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        constraints = [
            unique("one_per_period", "year", "half"),
            check("half_valid", Q(half__in=[0, 1, 2])),
        ]

    def __str__(self) -> str:
        return self.period_label

    @property
    def period_key(self) -> str:
        return f"{self.year}H{self.half}" if self.half else str(self.year)

    @property
    def period_label(self) -> str:
        if self.half == 1:
            return _("first half of %(year)s") % {"year": self.year}
        if self.half == 2:
            return _("second half of %(year)s") % {"year": self.year}
        return _("the year %(year)s") % {"year": self.year}


class AppraisalResult(models.Model):
    """A result in an appraisal (a contract's or a vendor's): its score, grade and rank, whether it is
    provisional, and whether it earns the renewal preference (only a final one may:
    ``preference_constraint``). The subclass adds the appraisal's key and what the result is of."""

    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=4, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    provisional = models.BooleanField(_("provisional"), default=False)
    renewal_preferred = models.BooleanField(_("preferred for renewal"), default=False)

    class Meta:
        abstract = True

    @staticmethod
    def preference_constraint() -> models.CheckConstraint:
        return check(
            "preference_only_when_final", Q(renewal_preferred=False) | Q(provisional=False, score__isnull=False)
        )


class AppraisalLine(AppraisalResult):
    """One contract's result in an appraisal: the quarters used with their weights, the score, grade and rank."""

    appraisal = models.ForeignKey(
        Appraisal, on_delete=models.CASCADE, related_name="lines", verbose_name=_("appraisal")
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="appraisal_lines", verbose_name=_("contract")
    )
    scheme = models.ForeignKey(
        EvaluationScheme, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluation scheme")
    )
    quarters = models.JSONField(_("quarters used"), default=list)

    class Meta:
        ordering = ["appraisal", "rank", "contract__number"]
        verbose_name = _("appraisal of a contract")
        verbose_name_plural = _("appraisals of contracts")
        constraints = [
            unique("one_per_contract", "appraisal", "contract"),
            AppraisalResult.preference_constraint(),
        ]

    def __str__(self) -> str:
        return f"{self.appraisal} · {self.contract_id}"


class VendorAppraisal(AppraisalResult):
    """A vendor's result in an appraisal: the mean of its contracts' results."""

    appraisal = models.ForeignKey(
        Appraisal, on_delete=models.CASCADE, related_name="vendor_lines", verbose_name=_("appraisal")
    )
    vendor = models.ForeignKey(
        "logistics.Vendor", on_delete=models.PROTECT, related_name="appraisals", verbose_name=_("vendor")
    )
    contracts = models.PositiveSmallIntegerField(_("contracts"), default=0)

    class Meta:
        ordering = ["appraisal", "rank", "vendor__legal_name"]
        verbose_name = _("appraisal of a vendor")
        verbose_name_plural = _("appraisals of vendors")
        constraints = [
            unique("one_per_vendor", "appraisal", "vendor"),
            AppraisalResult.preference_constraint(),
        ]

    def __str__(self) -> str:
        return f"{self.appraisal} · {self.vendor_id}"
