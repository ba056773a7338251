"""Reads of the core app: expiry lists, vendor flags, admission facts, tender rankings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from logistics import admission_checks, tendering, workdays
from logistics.models import (
    BadRecord,
    Bid,
    BidScore,
    Certificate,
    CertificateReview,
    CertificateType,
    ScoreSheet,
    Severity,
    StaffCertificate,
    Tender,
    TenderStatus,
    Vendor,
    VendorStatus,
)
from logistics.quarters import local_date
from logistics.quarters import today as local_today
from logistics.reasons import bilingual

if TYPE_CHECKING:
    from logistics.models import User


# --- Certificates and expiry ----------------------------------------------------------------------------
def valid_certificates(day: dt.date) -> Q:
    """Verified by the office and in force on ``day`` (``Certificate.is_valid_on`` in Python)."""
    return (
        Q(review=CertificateReview.VERIFIED)
        & Q(issued_on__lte=day)
        & (Q(expires_on__isnull=True) | Q(expires_on__gte=day))
    )


@dataclass(frozen=True)
class ExpiringItem:
    kind: str  # "certificate" or "staff_certificate"
    pk: int
    vendor_id: int
    vendor_name: str
    what: str
    number: str
    holder: str  # the staff member for a staff certificate, else ""
    expires_on: dt.date
    days_left: int  # negative: expired that many days ago

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def certificates_expiring(
    *, within_days: int, today: dt.date | None = None, vendor_ids: Any = None, visible_to: Any = None
) -> list[ExpiringItem]:
    """Certificates and staff work certificates that expire within ``within_days`` days or have expired.

    Two queries whatever the number of vendors. Superseded certificates (an expired one for which the vendor
    holds a newer valid one of the same type) are left out: they need no action.
    """
    today = today or local_today()
    horizon = today + dt.timedelta(days=within_days)
    newer_valid = Certificate.objects.filter(
        vendor=OuterRef("vendor"), type=OuterRef("type"), expires_on__gt=OuterRef("expires_on")
    ).filter(valid_certificates(today))
    certificates = (
        Certificate.objects.filter(review=CertificateReview.VERIFIED, expires_on__isnull=False, expires_on__lte=horizon)
        .exclude(Exists(newer_valid))
        .select_related("vendor", "type")
    )
    staff_certificates = StaffCertificate.objects.filter(
        expires_on__isnull=False, expires_on__lte=horizon, staff__is_active=True
    ).select_related("staff__vendor", "type")
    if vendor_ids is not None:
        certificates = certificates.filter(vendor_id__in=vendor_ids)
        staff_certificates = staff_certificates.filter(staff__vendor_id__in=vendor_ids)
    if visible_to is not None:  # the same rules as the certificate lists (logistics.access)
        from logistics.access import scoped

        certificates = scoped(visible_to, certificates)
        staff_certificates = scoped(visible_to, staff_certificates)
    items = [
        ExpiringItem(
            kind="certificate",
            pk=c.pk,
            vendor_id=c.vendor_id,
            vendor_name=c.vendor.legal_name,
            what=str(c.type),
            number=c.number,
            holder="",
            expires_on=c.expires_on,
            days_left=(c.expires_on - today).days,
        )
        for c in certificates
    ]
    items += [
        ExpiringItem(
            kind="staff_certificate",
            pk=s.pk,
            vendor_id=s.staff.vendor_id,
            vendor_name=s.staff.vendor.legal_name,
            what=str(s.type),
            number=s.number,
            holder=s.staff.name,
            expires_on=s.expires_on,
            days_left=(s.expires_on - today).days,
        )
        for s in staff_certificates
    ]
    return sorted(items, key=lambda i: (i.expires_on, i.vendor_name, i.what))


def missing_mandatory_certificates(today: dt.date) -> QuerySet:
    """(vendor, category, certificate type) rows where a mandatory certificate is not valid on ``today``."""
    through = CertificateType.mandatory_for.through
    return through.objects.filter(servicecategory__vendors=OuterRef("pk")).exclude(
        Exists(
            Certificate.objects.filter(vendor=OuterRef(OuterRef("pk")), type=OuterRef("certificatetype")).filter(
                valid_certificates(today)
            )
        )
    )


def vendors_with_flags(queryset: QuerySet | None = None, today: dt.date | None = None) -> QuerySet:
    """Vendors annotated with ``certificate_problem``: admitted and missing a valid mandatory certificate.

    One query (an EXISTS subquery per row), whatever the number of vendors.
    """
    today = today or local_today()
    queryset = Vendor.objects.all() if queryset is None else queryset
    return queryset.annotate(
        certificate_problem=Exists(missing_mandatory_certificates(today)) & Q(status=VendorStatus.ADMITTED)
    )


def mandatory_certificate_gaps(
    vendor: Vendor, categories: Any = None, today: dt.date | None = None
) -> list[admission_checks.RequiredCertificate]:
    """For each category (default: the vendor's), the mandatory types and whether a valid one is held."""
    today = today or local_today()
    categories = list(categories if categories is not None else vendor.categories.all())
    category_ids = [c.pk for c in categories]
    through = CertificateType.mandatory_for.through
    pairs = through.objects.filter(servicecategory_id__in=category_ids).select_related(
        "servicecategory", "certificatetype"
    )
    held = defaultdict(list)
    for cert in Certificate.objects.filter(vendor=vendor).only("type_id", "issued_on", "expires_on", "review"):
        held[cert.type_id].append(cert)
    out = []
    for pair in sorted(pairs, key=lambda p: (p.servicecategory.sort_order, p.certificatetype.code)):
        certs = held.get(pair.certificatetype_id, [])
        valid = any(c.is_valid_on(today) for c in certs)
        expired = [c.expires_on for c in certs if c.expires_on is not None and c.expires_on < today]
        out.append(
            admission_checks.RequiredCertificate(
                category=bilingual(pair.servicecategory),
                type=bilingual(pair.certificatetype),
                valid=valid,
                expired_on=max(expired) if (expired and not valid) else None,
            )
        )
    return out


def admission_facts(
    vendor: Vendor, categories: Any = None, today: dt.date | None = None
) -> admission_checks.AdmissionFacts:
    today = today or local_today()
    business_licence = Certificate.objects.filter(vendor=vendor, type__code="business_licence").filter(
        valid_certificates(today)
    )
    staff = list(vendor.staff.filter(is_active=True))
    staff_certs = StaffCertificate.objects.filter(staff__vendor=vendor, staff__is_active=True).select_related(
        "staff", "type"
    )
    return admission_checks.AdmissionFacts(
        today=today,
        legal_representative=vendor.legal_representative,
        has_valid_business_licence=business_licence.exists(),
        required_certificates=mandatory_certificate_gaps(vendor, categories, today),
        is_blacklisted=vendor.status == VendorStatus.BLACKLISTED,
        serious_bad_records=list(
            BadRecord.objects.filter(vendor=vendor, severity=Severity.SERIOUS).values_list("date", "source")
        ),
        experience_years=vendor.management_experience_years,
        staff_count=len(staff),
        staff_certificates=[
            admission_checks.StaffCertificateFact(
                staff_name=c.staff.name, kind=bilingual(c.type), expires_on=c.expires_on
            )
            for c in staff_certs
        ],
    )


# --- Tenders --------------------------------------------------------------------------------------------
def tenders_public() -> QuerySet:
    """Tenders the public page lists: published, newest deadline first."""
    return (
        Tender.objects.filter(status=TenderStatus.PUBLISHED, method=Tender.Method.OPEN)
        .select_related("category")
        .order_by("bid_deadline")
    )


def tenders_open_to_vendor(vendor: Vendor) -> QuerySet:
    invited = Q(method=Tender.Method.OPEN) | Q(invited_vendors=vendor)
    return Tender.objects.filter(invited, status=TenderStatus.PUBLISHED).select_related("category").distinct()


def bidder_facts(tender: Tender, bids: list[Bid]) -> dict[int, tendering.BidderFacts]:
    """Facts for the qualification check of every bid of a tender, in three queries."""
    deadline_day = local_date(tender.bid_deadline)
    vendor_ids = [b.vendor_id for b in bids]
    valid_types: dict[int, set[int]] = defaultdict(set)
    for vendor_id, type_id in (
        Certificate.objects.filter(vendor_id__in=vendor_ids)
        .filter(valid_certificates(deadline_day))
        .values_list("vendor_id", "type_id")
    ):
        valid_types[vendor_id].add(type_id)
    return {
        bid.pk: tendering.BidderFacts(
            vendor_id=bid.vendor_id,
            vendor_status=bid.vendor.status,
            vendor_status_label=bid.vendor.status,
            registered_capital=bid.vendor.registered_capital,
            valid_certificate_type_ids=frozenset(valid_types[bid.vendor_id]),
            past_projects=bid.past_projects,
            price=bid.price,
        )
        for bid in bids
    }


def tender_requirements(tender: Tender) -> tendering.Requirements:
    invited = (
        frozenset(tender.invited_vendors.values_list("pk", flat=True))
        if tender.method == Tender.Method.INVITED
        else None
    )
    return tendering.Requirements(
        min_registered_capital=tender.min_registered_capital,
        required_certificate_types=[(t.pk, bilingual(t)) for t in tender.required_certificate_types.all()],
        min_similar_projects=tender.min_similar_projects,
        budget_ceiling=tender.budget_ceiling,
        invited_vendor_ids=invited,
    )


def qualified_bids(tender: Tender) -> list[Bid]:
    bids = tender.bids.select_related("vendor")
    return [b for b in bids if b.is_qualified]


def tender_ranking(tender: Tender, submitted_only: bool = True) -> list[tendering.RankedBid]:
    """The ranking of the qualified bids from the committee's submitted score sheets."""
    bids = qualified_bids(tender)
    sheets = ScoreSheet.objects.filter(tender=tender)
    if submitted_only:
        sheets = sheets.filter(submitted_at__isnull=False)
    totals: dict[int, list[Decimal]] = defaultdict(list)
    rows = (
        BidScore.objects.filter(sheet__in=sheets, bid__in=[b.pk for b in bids])
        .values("bid_id", "sheet_id")
        .annotate(total=Sum("score"))
        .order_by("bid_id", "sheet_id")
    )
    for row in rows:
        totals[row["bid_id"]].append(row["total"])
    return tendering.rank(
        [tendering.BidForRanking(b.pk, b.price, b.submitted_at) for b in bids], totals, tender.price_weight
    )


def score_sheet_visible_to(user: User, tender: Tender) -> QuerySet:
    """Score sheets a committee member may read: their own, and the others' once they submitted their own."""
    sheets = ScoreSheet.objects.filter(tender=tender)
    own = sheets.filter(member=user)
    if own.filter(submitted_at__isnull=False).exists() or tender.status == TenderStatus.AWARDED:
        return sheets.filter(Q(member=user) | Q(submitted_at__isnull=False))
    return own


def work_calendar(first: dt.date, last: dt.date) -> workdays.WorkCalendar:
    """The official calendar between two dates, in one query."""
    from logistics.models import CalendarDay

    rows = CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "kind")
    return workdays.WorkCalendar(dict(rows))


def calendar_known(year: int) -> bool:
    """Whether any official day of ``year`` is in the calendar (a year without any was never imported)."""
    from logistics.models import CalendarDay

    return CalendarDay.objects.filter(date__year=year).exists()
