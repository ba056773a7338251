"""Inspection plans (the office's calendar of supervision) and the rounds they give (ARCHITECTURE.md,
"Inspection plans, rounds and coverage"). When rounds fall is ``inspections.planning``; making them and
marking them is ``inspections.services.plans``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inspections import planning
from inspections.choices import PLANNED_KINDS, InspectionKind, PlanFrequency, RoundStatus, Shift
from logistics.models import AuditedManager, TimeStampedModel
from logistics.models.base import check, choice_check, optional_ref, unique, user_ref

__all__ = ("InspectionPlan", "Round")

PERIODIC = (PlanFrequency.WEEKLY, PlanFrequency.FORTNIGHTLY)


class InspectionPlan(TimeStampedModel):
    """One line of a contract's plan: a kind of inspection, how often, where, by whom, when in the day.

    A plan is never rewritten: a change ends it the day before the change takes effect and starts a new
    one from that day (``replaces``), so the rounds already made keep the plan they were made from."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="plans", verbose_name=_("contract")
    )
    kind = models.CharField(_("inspection kind"), max_length=16, choices=[(k.value, k.label) for k in PLANNED_KINDS])
    frequency = models.CharField(_("frequency"), max_length=12, choices=PlanFrequency.choices)
    weekday = models.PositiveSmallIntegerField(
        _("day of the week"),
        null=True,
        blank=True,
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
        help_text=_("Weekly and fortnightly plans: the day of the week (the next working day if it is a rest day)."),
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("day of the month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Monthly plans: 1 to 28 (the next working day if it is a rest day)."),
    )
    site = optional_ref(
        "logistics.Site",
        _("site"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: anywhere the contract covers."),
    )
    key_points = models.ManyToManyField(
        "logistics.KeyPoint",
        blank=True,
        related_name="+",
        verbose_name=_("key points to cover"),
        help_text=_("A round is done by an inspection that visited all of them."),
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="inspection_plans",
        verbose_name=_("inspectors"),
        help_text=_("Who does the rounds (the office's kinds); the vendor does its own self-checks."),
    )
    shift = models.CharField(_("shift"), max_length=8, choices=Shift.choices, default=Shift.DAY)
    window_start = models.TimeField(_("window opens"), default=dt.time(8, 0))
    window_end = models.TimeField(
        _("complete by"), default=dt.time(17, 0), help_text=_("A night window may end the next morning.")
    )
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces the plan"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = user_ref(_("created by"))

    objects = AuditedManager()
    history = HistoricalRecords(m2m_fields=[inspectors, key_points])

    class Meta:
        ordering = ["contract", "kind", "-effective_from"]
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        constraints = [
            choice_check("frequency", PlanFrequency),
            choice_check("shift", Shift),
            check("kind_valid", Q(kind__in=[k.value for k in PLANNED_KINDS])),
            check(
                "weekday_for_weekly",
                Q(frequency__in=PERIODIC, weekday__isnull=False, weekday__lte=6)
                | (~Q(frequency__in=PERIODIC) & Q(weekday__isnull=True)),
            ),
            check(
                "day_for_monthly",
                Q(frequency=PlanFrequency.MONTHLY, day_of_month__gte=1, day_of_month__lte=28)
                | (~Q(frequency=PlanFrequency.MONTHLY) & Q(day_of_month__isnull=True)),
            ),
            check(
                "window_valid",
                ~Q(window_start=F("window_end")) & (Q(shift=Shift.NIGHT) | Q(window_end__gt=F("window_start"))),
            ),
            check("dates_in_order", Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from"))),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id and self.contract.number} · {self.get_kind_display()} · {self.describe()}"

    def describe(self) -> str:
        """The frequency in words: "每周 周三" / "Weekly, Wednesday"."""
        parts = [str(self.get_frequency_display())]
        if self.weekday is not None:
            parts.append(str(self.get_weekday_display()))
        if self.day_of_month:
            parts.append(str(_("day %(day)d") % {"day": self.day_of_month}))
        parts.append(f"{self.window_start:%H:%M}–{self.window_end:%H:%M}")
        if self.shift == Shift.NIGHT:
            parts.append(str(self.get_shift_display()))
        return " · ".join(parts)

    @property
    def is_self_check(self) -> bool:
        return self.kind == InspectionKind.SELF

    def spec(self) -> planning.PlanSpec:
        return planning.PlanSpec(
            frequency=self.frequency,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            weekday=self.weekday,
            day_of_month=self.day_of_month,
            shift=self.shift,
            window_start=self.window_start,
            window_end=self.window_end,
        )

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.frequency in PERIODIC and self.weekday is None:
            errors.setdefault("weekday", []).append(_("Choose the day of the week of a weekly or fortnightly plan."))
        if self.frequency not in PERIODIC and self.weekday is not None:
            errors.setdefault("weekday", []).append(_("A day of the week is only for weekly or fortnightly plans."))
        if self.frequency == PlanFrequency.MONTHLY and not self.day_of_month:
            errors.setdefault("day_of_month", []).append(
                _("Choose the day of the month (1 to 28: days 29 to 31 are not in every month).")
            )
        if self.frequency != PlanFrequency.MONTHLY and self.day_of_month:
            errors.setdefault("day_of_month", []).append(_("A day of the month is only for monthly plans."))
        problem = planning.window_problem(self.shift, self.window_start, self.window_end)
        if problem == "same":
            errors.setdefault("window_end", []).append(_("The window must not start and end at the same time."))
        elif problem == "end":
            errors.setdefault("window_end", []).append(
                _("The window ends before it starts; a window past midnight is for the night shift.")
            )
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors.setdefault("effective_to", []).append(_("The plan cannot end before it takes effect."))
        if self.site_id and self.contract_id and not self.contract.sites.filter(pk=self.site_id).exists():
            errors.setdefault("site", []).append(_("This site is not covered by the contract."))
        if errors:
            raise ValidationError(errors)


class Round(models.Model):
    """One check a plan asks for on one day: due, then done (in its window), done late, or missed."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("plan"))
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="rounds", verbose_name=_("contract")
    )
    kind = models.CharField(_("inspection kind"), max_length=16, choices=InspectionKind.choices)
    due_on = models.DateField(_("day"))
    opens_at = models.DateTimeField(_("window opens"))
    closes_at = models.DateTimeField(_("complete by"))
    late_until = models.DateTimeField(_("can be done late until"))
    status = models.CharField(_("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.DUE)
    inspection = models.OneToOneField(
        "inspections.Inspection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="round",
        verbose_name=_("inspection"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.CharField(_("why it was excused"), max_length=300, blank=True)
    missed_notified = models.BooleanField(default=False, editable=False)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "opens_at", "pk"]
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        constraints = [
            unique("one_per_plan_day", "plan", "due_on"),
            choice_check("status", RoundStatus),
            check(
                "done_has_inspection",
                (Q(status__in=[RoundStatus.DONE, RoundStatus.LATE]) & Q(inspection__isnull=False))
                | (
                    Q(status__in=[RoundStatus.DUE, RoundStatus.MISSED, RoundStatus.EXCUSED])
                    & Q(inspection__isnull=True)
                ),
            ),
            check("excused_with_a_reason", ~Q(status=RoundStatus.EXCUSED) | ~Q(note="")),
            check("window_in_order", Q(closes_at__gt=F("opens_at")) & Q(late_until__gte=F("closes_at"))),
        ]
        indexes = [
            models.Index(fields=["contract", "kind", "due_on"], name="inspections_round_lookup"),
            models.Index(fields=["status", "closes_at"], name="inspections_round_open"),
        ]

    def __str__(self) -> str:
        return f"{self.due_on.isoformat()} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def reference(self) -> str:
        """XJ-000123 (巡检): how a ledger line pricing a missed self-check names it."""
        return f"XJ-{self.pk:06d}" if self.pk else "XJ-new"

    @property
    def is_done(self) -> bool:
        return self.status in (RoundStatus.DONE, RoundStatus.LATE)
