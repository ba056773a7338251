"""Which files of the core app can be downloaded, and by whom (see logistics.files)."""

from __future__ import annotations

from typing import Any

from logistics.access import bid_is_sealed_for
from logistics.files import register_download
from logistics.models import BidAttachment, Certificate, StaffCertificate, TenderAttachment, TenderStatus

register_download("certificate", Certificate, "scan")
register_download("staff-certificate", StaffCertificate, "scan")
register_download(
    "bid-attachment",
    BidAttachment,
    "file",
    check=lambda user, obj: not bid_is_sealed_for(user, obj.bid),
)


def _public_tender_documents() -> Any:
    return TenderAttachment.objects.exclude(tender__status=TenderStatus.DRAFT)


register_download("tender-attachment", TenderAttachment, "file", public_queryset=_public_tender_documents)
