"""Reference data of the institution: departments, sites and key points, service categories."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from logistics.models.base import AuditedManager, BilingualNameModel, check, unique

__all__ = ["CalendarDay", "Department", "KeyPoint", "ServiceCategory", "Site"]


class ReferenceModel(BilingualNameModel):
    """Reference data the office keeps in the admin: retired (not active) rather than deleted, every edit kept."""

    is_active = models.BooleanField(_("active"), default=True)

    objects = AuditedManager()
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True


class Department(ReferenceModel):
    class Kind(models.TextChoices):
        LOGISTICS = "logistics", _("Logistics office")
        SPECIALIST = "specialist", _("Specialist department")
        LEGAL = "legal", _("Legal")
        FINANCE = "finance", _("Finance")
        OTHER = "other", _("Other department")

    class Speciality(models.TextChoices):
        NONE = "", _("None")
        SAFETY = "safety", _("Safety")
        FIRE = "fire", _("Fire")
        EQUIPMENT = "equipment", _("Equipment")
        ENERGY = "energy", _("Energy")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    speciality = models.CharField(_("speciality"), max_length=20, choices=Speciality.choices, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            check("speciality_only_for_specialists", models.Q(kind="specialist") | models.Q(speciality="")),
        ]


class ServiceCategory(ReferenceModel):
    """One of the outsourced services (security, canteen, cleaning, ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")


class Site(ReferenceModel):
    """A place services are delivered: a building, a floor, an area."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    building = models.CharField(_("building"), max_length=100, blank=True)
    floor = models.CharField(_("floor"), max_length=40, blank=True)
    area = models.CharField(_("area"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")


class KeyPoint(ReferenceModel):
    """A key point (重点部位) of a site: checked weekly, the target of a QR code on the wall."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="key_points", verbose_name=_("site"))
    code = models.SlugField(_("code"), max_length=40)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["site__code", "code"]
        verbose_name = _("key point")
        verbose_name_plural = _("key points")
        constraints = [
            unique("unique_code_per_site", "site", "code"),
        ]


class CalendarDay(BilingualNameModel):
    """A day the official calendar sets apart: a public holiday, or a weekend day made a working day (调休).

    Every other day is a working day from Monday to Friday and a rest day at the weekend
    (``logistics.workdays``). Imported each year from the maintained ``chinese-calendar`` package
    (``manage.py calendar_import YEAR``); the office may add or correct a day in the admin (a local holiday),
    and an import never overwrites the office's own entries."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (rest day)")
        WORKDAY = "workday", _("Make-up working day (调休)")

    class Source(models.TextChoices):
        OFFICIAL = "official", _("Official calendar (imported)")
        OFFICE = "office", _("Entered by the office")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind of day"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.OFFICE)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar (holidays and make-up working days)")
        constraints = [
            check("kind_valid", models.Q(kind__in=["holiday", "workday"])),
            check("source_valid", models.Q(source__in=["official", "office"])),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.display_name}".strip()
