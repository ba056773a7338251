"""Vendor status transitions, kept as a history of dated, reasoned changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import Vendor, VendorStatus, VendorStatusChange, stamp

if TYPE_CHECKING:
    from logistics.models import User


S = VendorStatus
ALLOWED: dict[str, set[str]] = {
    S.APPLICANT: {S.UNDER_REVIEW, S.BLACKLISTED},
    S.UNDER_REVIEW: {S.ADMITTED, S.REJECTED, S.BLACKLISTED},
    S.REJECTED: {S.UNDER_REVIEW, S.BLACKLISTED},
    S.ADMITTED: {S.SUSPENDED, S.BLACKLISTED, S.UNDER_REVIEW},
    S.SUSPENDED: {S.ADMITTED, S.BLACKLISTED, S.UNDER_REVIEW},
    S.BLACKLISTED: set(),
}


@transaction.atomic
def vendor_change_status(*, vendor: Vendor, to_status: str, reason: str, by: User | None = None) -> VendorStatusChange:
    """Move a vendor to ``to_status`` if the transition is allowed; the reason is mandatory."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Please give the reason for this change.")})
    if to_status not in ALLOWED.get(vendor.status, set()):
        raise ValidationError(
            _("A vendor cannot go from “%(from)s” to “%(to)s”.")
            % {"from": vendor.get_status_display(), "to": S(to_status).label}
        )
    change = VendorStatusChange(
        vendor=vendor, from_status=vendor.status, to_status=to_status, reason=reason.strip(), changed_by=by
    )
    change.full_clean()
    change.save()
    vendor.status = to_status
    vendor.status_changed_at = timezone.now()
    stamp(vendor, by=by, reason=reason.strip())
    vendor.save(update_fields=["status", "status_changed_at", "updated_at"])
    return change
