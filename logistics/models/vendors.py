"""Vendors (服务企业) and their admission status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from logistics import channels
from logistics.credit_code import validate_credit_code
from logistics.models.base import (
    AuditedManager,
    BilingualNameModel,
    StatusChange,
    TimeStampedModel,
    check,
    private_file,
    unique,
    user_ref,
)
from logistics.transitions import Flow

__all__ = [
    "VENDOR_FLOW",
    "BadRecord",
    "Certificate",
    "CertificateHolder",
    "CertificateReview",
    "CertificateType",
    "Severity",
    "StaffCertificate",
    "Vendor",
    "VendorStaff",
    "VendorStatus",
    "VendorStatusChange",
]


class VendorStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    UNDER_REVIEW = "under_review", _("Under review")
    ADMITTED = "admitted", _("Admitted")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    BLACKLISTED = "blacklisted", _("Blacklisted")


#: a vendor's admission and standing (``logistics.services.vendors.vendor_change_status``); the blacklist is final
VENDOR_FLOW = Flow(
    VendorStatus,
    {
        VendorStatus.APPLICANT: {VendorStatus.UNDER_REVIEW, VendorStatus.BLACKLISTED},
        VendorStatus.UNDER_REVIEW: {VendorStatus.ADMITTED, VendorStatus.REJECTED, VendorStatus.BLACKLISTED},
        VendorStatus.REJECTED: {VendorStatus.UNDER_REVIEW, VendorStatus.BLACKLISTED},
        VendorStatus.ADMITTED: {VendorStatus.SUSPENDED, VendorStatus.BLACKLISTED, VendorStatus.UNDER_REVIEW},
        VendorStatus.SUSPENDED: {VendorStatus.ADMITTED, VendorStatus.BLACKLISTED, VendorStatus.UNDER_REVIEW},
    },
    noun=_("A vendor"),
)


class Vendor(TimeStampedModel):
    legal_name = models.CharField(_("legal name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015; the check digit is verified."),
    )
    legal_representative = models.CharField(_("legal representative"), max_length=100)
    registered_capital = models.DecimalField(
        _("registered capital (CNY)"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_channels = channels.model_field(
        _("notify the contact person by"),
        channels.contact_default,
        help_text=_("The vendor's notices (orders, complaints to answer, results) reach its contact person too."),
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    similar_projects = models.PositiveIntegerField(
        _("similar past projects"),
        default=0,
        help_text=_("Number of comparable service contracts the vendor has delivered."),
    )
    management_experience_years = models.PositiveSmallIntegerField(_("years of management experience"), default=0)
    categories = models.ManyToManyField(
        "logistics.ServiceCategory",
        blank=True,
        related_name="vendors",
        verbose_name=_("service categories applied for"),
    )
    admitted_categories = models.ManyToManyField(
        "logistics.ServiceCategory",
        blank=True,
        related_name="admitted_vendors",
        verbose_name=_("service categories admitted for"),
        help_text=_("Set by the admission decisions; a bid qualifies only for a category the vendor is admitted for."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=VendorStatus.choices, default=VendorStatus.APPLICANT, db_index=True
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        constraints = [
            check("capital_not_negative", models.Q(registered_capital__gte=0)),
            check("status_valid", models.Q(status__in=VendorStatus.values)),
        ]

    def clean(self) -> None:
        super().clean()
        try:
            self.contact_channels = channels.clean_choice(self.contact_channels, channels.CONTACT_CHOICES)
        except ValueError:
            raise ValidationError({"contact_channels": _("Choose email, SMS or both.")}) from None
        # a channel without its address (no email, no mobile number) is skipped when a notice goes out

    def __str__(self) -> str:
        return self.legal_name

    @property
    def can_bid(self) -> bool:
        return self.status == VendorStatus.ADMITTED


class VendorStatusChange(StatusChange):
    """One transition of a vendor's status."""

    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("vendor")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=VendorStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=VendorStatus.choices)

    class Meta:
        ordering = ["vendor", "changed_at", "pk"]
        verbose_name = _("vendor status change")
        verbose_name_plural = _("vendor status changes")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    SERIOUS = "serious", _("Serious")


class CertificateHolder(models.TextChoices):
    """Who holds a certificate of a type: the company (资质) or a person on a post (上岗证)."""

    COMPANY = "company", _("Company (qualification)")
    PERSON = "person", _("Person (work certificate)")


class CertificateType(BilingualNameModel):
    """A kind of certificate, of a company or of a person; the office extends the list in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    holder = models.CharField(
        _("held by"), max_length=10, choices=CertificateHolder.choices, default=CertificateHolder.COMPANY
    )
    mandatory_for = models.ManyToManyField(
        "logistics.ServiceCategory",
        blank=True,
        related_name="mandatory_certificate_types",
        verbose_name=_("mandatory for the categories"),
        help_text=_("A vendor admitted for one of these categories must hold a valid certificate of this type."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["holder", "code"]
        verbose_name = _("certificate type")
        verbose_name_plural = _("certificate types")
        constraints = [
            check("holder_valid", models.Q(holder__in=CertificateHolder.values)),
        ]


class CertificateReview(models.TextChoices):
    """A certificate the vendor uploads waits for the office; only a verified one counts (admission, bids,
    posts, expiry). The office's own entries are verified as they are made."""

    PENDING = "pending", pgettext_lazy("certificate", "Awaiting verification")
    VERIFIED = "verified", pgettext_lazy("certificate", "Verified")
    RETURNED = "returned", pgettext_lazy("certificate", "Returned")


class VerifiedPaper(models.Model):
    """A certificate's verification (核验): an upload by the vendor's staff waits for the office, which checks the
    scan against the original; only a verified one counts. The office's own entries are verified as made."""

    review = models.CharField(
        _("verification"), max_length=10, choices=CertificateReview.choices, default=CertificateReview.VERIFIED
    )
    review_reason = models.TextField(_("why it was returned"), blank=True)
    reviewed_at = models.DateTimeField(_("verified or returned at"), null=True, blank=True)
    reviewed_by = user_ref(_("verified or returned by"))
    submitted_by = user_ref(_("uploaded by (vendor staff)"))

    #: who holds a certificate of this kind, and the message when the chosen type is the other holder's
    HOLDER: str
    WRONG_HOLDER: Any

    class Meta:
        abstract = True

    def clean(self) -> None:
        errors = {}
        if self.type_id is not None and self.type.holder != self.HOLDER:
            errors["type"] = self.WRONG_HOLDER % {"type": self.type}
        if self.expires_on is not None and self.issued_on is not None and self.expires_on <= self.issued_on:
            errors["expires_on"] = _("The expiry date must be after the issue date.")
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, day: dt.date) -> bool:
        """Verified by the office and in force on ``day`` (``logistics.selectors.valid_certificates`` in SQL; the
        staffing selector reads verified work certificates only)."""
        return (
            self.review == CertificateReview.VERIFIED
            and (self.issued_on is None or self.issued_on <= day)
            and (self.expires_on is None or self.expires_on >= day)
        )

    @staticmethod
    def type_ref(holder: str, related_name: str) -> models.ForeignKey:
        """The certificate's type, among the types of this ``holder``."""
        return models.ForeignKey(
            CertificateType,
            on_delete=models.PROTECT,
            related_name=related_name,
            limit_choices_to={"holder": holder},
            verbose_name=_("type"),
        )

    @staticmethod
    def scan_field(folder: str) -> models.FileField:
        """The uploaded scan, kept in private storage under ``folder``."""
        return private_file(
            folder, _("scan"), blank=True, help_text=_("PDF, JPEG or PNG, at most 15 MB; never served publicly.")
        )

    @staticmethod
    def review_constraints() -> list[models.CheckConstraint]:
        return [
            check("returned_with_a_reason", ~models.Q(review=CertificateReview.RETURNED) | ~models.Q(review_reason="")),
            check("review_valid", models.Q(review__in=CertificateReview.values)),
        ]


class Certificate(VerifiedPaper, TimeStampedModel):
    HOLDER = CertificateHolder.COMPANY
    WRONG_HOLDER = _("“%(type)s” is a person's work certificate, not a company's.")

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("vendor"))
    type = VerifiedPaper.type_ref(CertificateHolder.COMPANY, related_name="certificates")
    number = models.CharField(_("number"), max_length=100)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True, help_text=_("Empty: does not expire."))
    scan = VerifiedPaper.scan_field("certificates")
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["vendor", "type", "-expires_on"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            check(
                "expires_after_issue",
                models.Q(expires_on__isnull=True) | models.Q(expires_on__gt=models.F("issued_on")),
            ),
            unique("unique_number", "vendor", "type", "number"),
            *VerifiedPaper.review_constraints(),
        ]
        indexes = [models.Index(fields=["expires_on"], name="logistics_cert_expires")]

    def __str__(self) -> str:
        return f"{self.type} {self.number}"


class VendorStaff(TimeStampedModel):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="staff", verbose_name=_("vendor"))
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("post"), max_length=100, help_text=_("e.g. project manager, security guard, cook"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["vendor", "name"]
        verbose_name = _("vendor staff member")
        verbose_name_plural = _("vendor staff")

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class StaffCertificate(VerifiedPaper, TimeStampedModel):
    """A work certificate (上岗证) of a staff member: security guard card, health certificate, electrician...
    Its type is a person's type from the same table as the company certificates; posts require them."""

    HOLDER = CertificateHolder.PERSON
    WRONG_HOLDER = _("“%(type)s” is a company's certificate, not a person's.")

    staff = models.ForeignKey(
        VendorStaff, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("staff member")
    )
    type = VerifiedPaper.type_ref(CertificateHolder.PERSON, related_name="staff_certificates")
    number = models.CharField(_("number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, help_text=_("Empty: does not expire."))
    scan = VerifiedPaper.scan_field("staff-certificates")

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["staff", "type", "-expires_on"]
        verbose_name = _("work certificate")
        verbose_name_plural = _("work certificates")
        indexes = [models.Index(fields=["expires_on"], name="logistics_staffcert_expires")]
        constraints = [
            check(
                "expires_after_issue",
                models.Q(expires_on__isnull=True)
                | models.Q(issued_on__isnull=True)
                | models.Q(expires_on__gt=models.F("issued_on")),
            ),
            *VerifiedPaper.review_constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.number}".strip()


class BadRecord(TimeStampedModel):
    """A bad record (不良记录) of a vendor: from a regulator, a court, a past client or our own office."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="bad_records", verbose_name=_("vendor"))
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=200)
    description = models.TextField(_("description"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["vendor", "-date"]
        verbose_name = _("bad record")
        verbose_name_plural = _("bad records")

    def __str__(self) -> str:
        return f"{self.date} {self.source}"
