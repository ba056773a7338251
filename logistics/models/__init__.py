"""Models of the core domain app. Each module holds one area; everything is re-exported here."""

from logistics.models.admission import AdmissionCheck, AdmissionReview, CheckItem, CheckResult, ReviewOpinion
from logistics.models.base import (
    AuditedManager,
    AuditedQuerySet,
    BilingualNameModel,
    TimeStampedModel,
    choice_check,
    stamp,
    user_ref,
)
from logistics.models.documents import Document
from logistics.models.notifications import GroupRobot, Notification
from logistics.models.outbox import OutboxMessage
from logistics.models.reference import CalendarDay, Department, KeyPoint, ServiceCategory, Site
from logistics.models.tenders import (
    TENDER_FLOW,
    Bid,
    BidAttachment,
    BidScore,
    ScoreSheet,
    Tender,
    TenderAttachment,
    TenderCriterion,
    TenderStatus,
)
from logistics.models.users import User
from logistics.models.vendors import (
    VENDOR_FLOW,
    BadRecord,
    Certificate,
    CertificateHolder,
    CertificateReview,
    CertificateType,
    Severity,
    StaffCertificate,
    Vendor,
    VendorStaff,
    VendorStatus,
    VendorStatusChange,
)

__all__ = [
    "TENDER_FLOW",
    "VENDOR_FLOW",
    "AdmissionCheck",
    "AdmissionReview",
    "AuditedManager",
    "AuditedQuerySet",
    "BadRecord",
    "Bid",
    "BidAttachment",
    "BidScore",
    "BilingualNameModel",
    "CalendarDay",
    "Certificate",
    "CertificateHolder",
    "CertificateReview",
    "CertificateType",
    "CheckItem",
    "CheckResult",
    "Department",
    "Document",
    "GroupRobot",
    "KeyPoint",
    "Notification",
    "OutboxMessage",
    "ReviewOpinion",
    "ScoreSheet",
    "ServiceCategory",
    "Severity",
    "Site",
    "StaffCertificate",
    "Tender",
    "TenderAttachment",
    "TenderCriterion",
    "TenderStatus",
    "TimeStampedModel",
    "User",
    "Vendor",
    "VendorStaff",
    "VendorStatus",
    "VendorStatusChange",
    "choice_check",
    "stamp",
    "user_ref",
]
