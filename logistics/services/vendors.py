"""Vendor status transitions, kept as a history of dated, reasoned changes; certificates the vendor uploads and
the office verifies or returns."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import (
    VENDOR_FLOW,
    Certificate,
    CertificateReview,
    CertificateType,
    StaffCertificate,
    Vendor,
    VendorStatusChange,
    stamp,
)
from logistics.notify import notify, notify_office
from logistics.policy import may
from logistics.uploads import clean_document

if TYPE_CHECKING:
    from logistics.models import User


@transaction.atomic
def vendor_change_status(*, vendor: Vendor, to_status: str, reason: str, by: User | None = None) -> VendorStatusChange:
    """Move a vendor to ``to_status`` if the transition is allowed; the reason is mandatory."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Please give the reason for this change.")})
    from_status = vendor.status
    VENDOR_FLOW.advance(vendor, to_status)
    change = VendorStatusChange(
        vendor=vendor, from_status=from_status, to_status=to_status, reason=reason.strip(), changed_by=by
    )
    change.full_clean()
    change.save()
    vendor.status_changed_at = timezone.now()
    stamp(vendor, by=by, reason=reason.strip())
    vendor.save(update_fields=["status", "status_changed_at", "updated_at"])
    return change


# --- the vendor keeps its papers current; the office verifies -------------------------------------------
def scan_cleaned(scan: Any, errors: dict[str, list[str]]) -> Any:
    """A certificate's scan, re-encoded and checked (PDF, JPEG or PNG only); its problem goes into ``errors``."""
    if scan is None:
        errors["scan"] = [_("Attach the scan of the certificate (PDF, JPEG or PNG).")]
        return None
    try:
        return clean_document(scan)
    except ValidationError as exc:
        errors["scan"] = exc.messages
        return None


@transaction.atomic
def certificate_submit(
    *,
    user: User,
    certificate_type: CertificateType,
    number: str,
    issued_on: dt.date,
    expires_on: dt.date | None,
    scan: Any,
    issuer: str = "",
) -> Certificate:
    """Vendor staff upload a renewed (or new) company certificate with its scan; it waits for the office's
    verification and counts for nothing until then. The office is told."""
    if not may(user, "certificate.submit"):
        raise PermissionDenied(_("Only the vendor's staff upload its certificates here."))
    vendor = Vendor.objects.get(pk=user.vendor_id)
    errors: dict[str, list[str]] = {}
    scan = scan_cleaned(scan, errors)
    certificate = Certificate(
        vendor=vendor,
        type=certificate_type,
        number=number.strip(),
        issuer=issuer.strip(),
        issued_on=issued_on,
        expires_on=expires_on,
        review=CertificateReview.PENDING,
        submitted_by=user,
    )
    try:
        certificate.full_clean(exclude=["scan"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    certificate.scan.save(scan.name, scan, save=False)
    stamp(certificate, by=user, reason=_("Uploaded by the vendor for verification"))
    certificate.save()
    notify_office(
        subject=_("%(vendor)s uploaded a certificate to verify: %(type)s %(number)s")
        % {"vendor": vendor.legal_name, "type": certificate_type, "number": certificate.number},
        body=_("Issued on %(issued)s, expires on %(expires)s. Verify or return it: %(url)s")
        % {
            "issued": issued_on.isoformat(),
            "expires": expires_on.isoformat() if expires_on else "—",
            "url": reverse("admin:logistics_certificate_change", args=[certificate.pk]),
        },
        dedup_key=f"certificate:submitted:{certificate.pk}",
    )
    return certificate


def _review(certificate: Any, by: User, to: str, reason: str) -> Any:
    """Verify or return a company's certificate or a person's work certificate (the same verification)."""
    if not may(by, "certificate.review"):
        raise PermissionDenied(_("Only the logistics office verifies a certificate."))
    model = type(certificate)
    vendor_path = "staff__vendor" if model is StaffCertificate else "vendor"
    certificate = model.objects.select_for_update().select_related(vendor_path, "type").get(pk=certificate.pk)
    vendor = certificate.staff.vendor if model is StaffCertificate else certificate.vendor
    if certificate.review != CertificateReview.PENDING:
        raise ValidationError(_("This certificate is already %(state)s.") % {"state": certificate.get_review_display()})
    certificate.review, certificate.review_reason = to, reason
    certificate.reviewed_at, certificate.reviewed_by = timezone.now(), by
    stamp(certificate, by=by, reason=reason or str(CertificateReview(to).label))
    certificate.save()
    verdict = (
        _("Verified: %(type)s %(number)s") if to == CertificateReview.VERIFIED else _("Returned: %(type)s %(number)s")
    ) % {"type": certificate.type, "number": certificate.number}
    notify(
        users=list(vendor.users.filter(is_active=True).order_by("pk")),
        vendors=[vendor],
        subject=verdict,
        body=reason or _("The certificate now counts for admission, bids and posts."),
        dedup_key=f"{model._meta.model_name}:{to}:{certificate.pk}",
    )
    return certificate


@transaction.atomic
def certificate_verify(*, certificate: Certificate | StaffCertificate, by: User) -> Certificate | StaffCertificate:
    """The office checked the scan against the original: the certificate counts from now on (a work certificate:
    on posts)."""
    return _review(certificate, by, CertificateReview.VERIFIED, "")


@transaction.atomic
def certificate_return(
    *, certificate: Certificate | StaffCertificate, reason: str, by: User
) -> Certificate | StaffCertificate:
    """The office returns an uploaded certificate (or work certificate) to the vendor, saying why; it never counts."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the certificate is returned.")})
    return _review(certificate, by, CertificateReview.RETURNED, reason.strip())


def staff_certificate_submitted(certificate: StaffCertificate) -> None:
    """A work certificate uploaded by the vendor's staff waits for the office: the office is told where to verify it."""
    notify_office(
        subject=_("%(vendor)s uploaded a work certificate to verify: %(name)s, %(type)s %(number)s")
        % {
            "vendor": certificate.staff.vendor.legal_name,
            "name": certificate.staff.name,
            "type": certificate.type,
            "number": certificate.number,
        },
        body=_("Verify or return it: %(url)s")
        % {"url": reverse("admin:logistics_staffcertificate_change", args=[certificate.pk])},
        dedup_key=f"staffcertificate:submitted:{certificate.pk}",
    )


#: a work certificate is reviewed like a company one (``_review`` tells them apart)
staff_certificate_verify = certificate_verify
staff_certificate_return = certificate_return
