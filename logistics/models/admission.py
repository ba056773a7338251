"""Admission reviews (准入审查): checklist, opinions of several departments, a decision that is kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from logistics.models.base import AuditedManager, TimeStampedModel, check, unique, user_ref

__all__ = ["AdmissionCheck", "AdmissionReview", "CheckItem", "CheckResult", "ReviewOpinion"]


class CheckItem(models.TextChoices):
    LEGAL_ENTITY = "legal_entity", _("Independent legal entity")
    CERTIFICATES = "certificates", _("Certificates complete and valid for each category")
    CREDIT_RECORD = "credit_record", _("No blacklisting or serious bad record in recent years")
    EXPERIENCE = "experience", _("Management experience")
    STAFF = "staff", _("Staff qualification")


class CheckResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class AdmissionReview(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("review status", "Open")
        DECIDED = "decided", _("Decided")

    class Decision(models.TextChoices):
        ADMIT = "admit", _("Admit")
        REJECT = "reject", _("Reject")

    vendor = models.ForeignKey(
        "logistics.Vendor", on_delete=models.PROTECT, related_name="admission_reviews", verbose_name=_("vendor")
    )
    categories = models.ManyToManyField(
        "logistics.ServiceCategory", related_name="+", verbose_name=_("categories reviewed")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("opened by")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = user_ref(_("decided by"))

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("admission review")
        verbose_name_plural = _("admission reviews")
        constraints = [
            check(
                "decision_matches_status",
                (
                    models.Q(status="open", decision="", decided_at__isnull=True)
                    | (models.Q(status="decided") & ~models.Q(decision="") & models.Q(decided_at__isnull=False))
                ),
            ),
            unique("one_open_review_per_vendor", "vendor", condition=models.Q(status="open")),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} · {self.created_at:%Y-%m-%d}" if self.created_at else str(self.vendor)


class AdmissionCheck(models.Model):
    """One checklist line: what the data says (automatic) and, if the office disagrees, its verdict."""

    review = models.ForeignKey(
        AdmissionReview, on_delete=models.CASCADE, related_name="checks", verbose_name=_("review")
    )
    item = models.CharField(_("item"), max_length=20, choices=CheckItem.choices)
    auto_result = models.CharField(_("automatic result"), max_length=10, choices=CheckResult.choices)
    auto_reasons = models.JSONField(_("reasons"), default=list, blank=True)
    office_result = models.CharField(_("office's verdict"), max_length=10, choices=CheckResult.choices, blank=True)
    office_note = models.TextField(_("office's note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "id"]
        verbose_name = _("admission check")
        verbose_name_plural = _("admission checks")
        constraints = [
            unique("one_per_item", "review", "item"),
            check("override_has_note", models.Q(office_result="") | ~models.Q(office_note="")),
        ]

    def __str__(self) -> str:
        return self.get_item_display()

    @property
    def result(self) -> str:
        return self.office_result or self.auto_result


class ReviewOpinion(TimeStampedModel):
    class Opinion(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    review = models.ForeignKey(
        AdmissionReview, on_delete=models.CASCADE, related_name="opinions", verbose_name=_("review")
    )
    reviewer = user_ref(_("reviewer"), optional=False)
    department = models.ForeignKey(
        "logistics.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    opinion = models.CharField(_("opinion"), max_length=10, choices=Opinion.choices)
    comments = models.TextField(_("comments"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "created_at"]
        verbose_name = _("review opinion")
        verbose_name_plural = _("review opinions")
        constraints = [
            unique("one_per_reviewer", "review", "reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.get_opinion_display()}"
