"""Vendor status transitions, kept as a history of dated, reasoned changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import VENDOR_FLOW, Vendor, VendorStatusChange, stamp

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
