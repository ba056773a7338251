"""Admission review: open (with automatic pre-checks), opinions, office verdicts, decision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics import admission_checks, selectors
from logistics.models import (
    AdmissionCheck,
    AdmissionReview,
    CheckResult,
    Department,
    ReviewOpinion,
    Vendor,
    VendorStatus,
)
from logistics.services.vendors import vendor_change_status
from logistics.text import join_names

if TYPE_CHECKING:
    from logistics.models import User


# The departments whose opinion a decision needs (Department.kind values).
REQUIRED_DEPARTMENT_KINDS = (Department.Kind.LOGISTICS, Department.Kind.LEGAL, Department.Kind.FINANCE)


def admission_rules() -> admission_checks.Rules:
    return admission_checks.Rules(
        bad_record_years=getattr(settings, "ADMISSION_BAD_RECORD_YEARS", 3),
        min_experience_years=getattr(settings, "ADMISSION_MIN_EXPERIENCE_YEARS", 3),
    )


@transaction.atomic
def admission_review_open(*, vendor: Vendor, categories: Any = None, by: User | None = None) -> AdmissionReview:
    """Open a review of ``vendor`` for ``categories`` (default: those applied for), with the pre-checks."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if vendor.status == VendorStatus.BLACKLISTED:
        raise ValidationError(_("A blacklisted vendor cannot be reviewed for admission."))
    if AdmissionReview.objects.filter(vendor=vendor, status=AdmissionReview.Status.OPEN).exists():
        raise ValidationError(_("This vendor already has an open admission review."))
    categories = list(categories if categories is not None else vendor.categories.all())
    if not categories:
        raise ValidationError(_("Choose at least one service category to review."))
    review = AdmissionReview.objects.create(vendor=vendor, opened_by=by)
    review.categories.set(categories)
    facts = selectors.admission_facts(vendor, categories)
    for outcome in admission_checks.run_checks(facts, admission_rules()):
        AdmissionCheck.objects.create(
            review=review,
            item=outcome.item,
            auto_result=CheckResult.PASS if outcome.passed else CheckResult.FAIL,
            auto_reasons=outcome.reasons,
        )
    if vendor.status != VendorStatus.UNDER_REVIEW:
        vendor_change_status(
            vendor=vendor, to_status=VendorStatus.UNDER_REVIEW, reason=_("Admission review opened"), by=by
        )
    return review


def _ensure_open(review: AdmissionReview) -> None:
    current = AdmissionReview.objects.select_for_update().values_list("status", flat=True).get(pk=review.pk)
    if current != AdmissionReview.Status.OPEN:
        raise ValidationError(_("This review has been decided; its record is kept as it is."))


@transaction.atomic
def admission_check_override(
    *, check: AdmissionCheck, result: str, note: str, by: User | None = None
) -> AdmissionCheck:
    """The office's verdict on a checklist line, with the reason it differs from (or confirms) the data."""
    _ensure_open(check.review)
    if result not in CheckResult.values:
        raise ValidationError({"result": _("Choose pass or fail.")})
    if not note.strip():
        raise ValidationError({"office_note": _("Please explain the verdict.")})
    check.office_result = result
    check.office_note = note.strip()
    check.full_clean()
    check.save()
    return check


@transaction.atomic
def admission_opinion_give(*, review: AdmissionReview, reviewer: Any, opinion: str, comments: str) -> ReviewOpinion:
    """A reviewer's opinion, on behalf of their department. One per reviewer; it can be revised until decided."""
    _ensure_open(review)
    if reviewer.department_id is None:
        raise ValidationError(_("Only a member of a department can give an opinion."))
    if not comments.strip():
        raise ValidationError({"comments": _("Please write your comments.")})
    item, _created = ReviewOpinion.objects.update_or_create(
        review=review,
        reviewer=reviewer,
        defaults={"department_id": reviewer.department_id, "opinion": opinion, "comments": comments.strip()},
    )
    item.full_clean()
    return item


@transaction.atomic
def admission_review_decide(
    *, review: AdmissionReview, decision: str, reason: str, by: User | None = None
) -> AdmissionReview:
    """Decide: admit or reject, with reasons. The review is then read-only and the vendor's status moves."""
    review = AdmissionReview.objects.select_for_update().get(pk=review.pk)
    _ensure_open(review)
    if decision not in AdmissionReview.Decision.values:
        raise ValidationError({"decision": _("Choose admit or reject.")})
    if not reason.strip():
        raise ValidationError({"decision_reason": _("Please give the reasons for the decision.")})
    kinds = set(review.opinions.values_list("department__kind", flat=True))
    missing = [Department.Kind(k).label for k in REQUIRED_DEPARTMENT_KINDS if k not in kinds]
    if missing:
        raise ValidationError(
            _("An opinion is still missing from: %(departments)s.") % {"departments": join_names(missing)}
        )
    if decision == AdmissionReview.Decision.ADMIT:
        failing = [c.get_item_display() for c in review.checks.all() if c.result == CheckResult.FAIL]
        if failing:
            raise ValidationError(
                _(
                    "The vendor cannot be admitted while these checks fail: %(items)s. Record the office's verdict "
                    "with its reason first if the data is wrong."
                )
                % {"items": "; ".join(map(str, failing))}
            )
    review.status = AdmissionReview.Status.DECIDED
    review.decision = decision
    review.decision_reason = reason.strip()
    review.decided_at = timezone.now()
    review.decided_by = by
    review.full_clean()
    review.save()
    to_status = VendorStatus.ADMITTED if decision == AdmissionReview.Decision.ADMIT else VendorStatus.REJECTED
    vendor_change_status(vendor=review.vendor, to_status=to_status, reason=reason.strip(), by=by)
    if decision == AdmissionReview.Decision.ADMIT:
        categories = list(review.categories.all())
        review.vendor.categories.add(*categories)
        review.vendor.admitted_categories.add(*categories)  # what a bid may qualify for
    return review
