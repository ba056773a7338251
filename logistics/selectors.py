"""Reads of the core app: expiry lists, vendor flags, admission facts, tender rankings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils.module_loading import import_string

from logistics import admission_checks, tendering, workdays
from logistics.models import (
    AwardObjection,
    BadRecord,
    Bid,
    BidScore,
    Certificate,
    CertificateHolder,
    CertificateReview,
    CertificateType,
    ScoreSheet,
    Severity,
    StaffCertificate,
    Tender,
    TenderQuestion,
    TenderRegistration,
    TenderStatus,
    Vendor,
    VendorStatus,
)
from logistics.quarters import local_date
from logistics.quarters import today as local_today
from logistics.reasons import bilingual, localized

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
        review=CertificateReview.VERIFIED, expires_on__isnull=False, expires_on__lte=horizon, staff__is_active=True
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


def awards_public() -> QuerySet:
    """Open tenders whose award is in publicity or final, newest first (the public list's second table)."""
    return (
        Tender.objects.filter(status__in=[TenderStatus.PUBLICITY, TenderStatus.AWARDED], method=Tender.Method.OPEN)
        .select_related("category", "awarded_bid__vendor")
        .order_by("-publicity_started_at", "-pk")[:20]
    )


def tenders_open_to_vendor(vendor: Vendor) -> QuerySet:
    invited = Q(method=Tender.Method.OPEN) | Q(invited_vendors=vendor)
    return Tender.objects.filter(invited, status=TenderStatus.PUBLISHED).select_related("category").distinct()


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day where that month is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month0 = divmod(index, 12)
    first_of_next = dt.date(year + (month0 + 1) // 12, (month0 + 1) % 12 + 1, 1)
    last = (first_of_next - dt.timedelta(days=1)).day
    return dt.date(year, month0 + 1, min(day.day, last))


def tender_requirements(tender: Tender) -> tendering.Requirements:
    """What a bid must meet: the tender's own requirements and its category's mandatory certificates."""
    invited = (
        frozenset(tender.invited_vendors.values_list("pk", flat=True))
        if tender.method == Tender.Method.INVITED
        else None
    )
    types = {t.pk: t for t in tender.category.mandatory_certificate_types.filter(holder=CertificateHolder.COMPANY)}
    types.update({t.pk: t for t in tender.required_certificate_types.all()})
    deadline_day = local_date(tender.bid_deadline)
    return tendering.Requirements(
        category_id=tender.category_id,
        category=bilingual(tender.category),
        min_registered_capital=tender.min_registered_capital,
        required_certificate_types=[(t.pk, bilingual(t)) for t in sorted(types.values(), key=lambda t: t.code)],
        certificates_on=tender.period_start,
        min_similar_projects=tender.min_similar_projects,
        budget_ceiling=tender.budget_ceiling,
        invited_vendor_ids=invited,
        bad_records_since=_months_before(deadline_day, tender.bad_record_lookback_months),
        lookback_months=tender.bad_record_lookback_months,
    )


def vendor_annual_appraisal(vendor_id: int) -> dict[str, Any] | None:
    """The vendor's latest annual appraisal for its pages, from ``settings.VENDOR_ANNUAL_APPRAISAL`` (kept by an
    app above this one): ``final`` (year, score, grade, its words in the reader's language, rank of ``ranked``,
    renewal preference) or None when not appraised yet, and ``provisional_year``. None: no provider."""
    path = getattr(settings, "VENDOR_ANNUAL_APPRAISAL", "")
    if not path:
        return None
    summary = import_string(path)([vendor_id]).get(vendor_id) or {"final": None, "provisional_year": None}
    final = summary["final"]
    return {
        "final": None if final is None else {**final, "label": localized(final["label"])},
        "provisional_year": summary["provisional_year"],
    }


def bidder_fact_providers() -> list[Any]:
    """Facts of the bidders that apps above this one keep (termination recommendations, annual grades):
    ``settings.TENDER_BIDDER_FACTS``, each ``provider(vendor_ids) -> {vendor_id: {fact: value}}``."""
    return [import_string(path) for path in getattr(settings, "TENDER_BIDDER_FACTS", [])]


def bidder_facts(bids: list[Bid], requirements: tendering.Requirements) -> dict[int, tendering.BidderFacts]:
    """Facts for the qualification checks of every bid of a tender, in a fixed number of queries."""
    vendor_ids = [b.vendor_id for b in bids]
    valid_types: dict[int, set[int]] = defaultdict(set)
    for vendor_id, type_id in (
        Certificate.objects.filter(vendor_id__in=vendor_ids)
        .filter(valid_certificates(requirements.certificates_on))
        .values_list("vendor_id", "type_id")
    ):
        valid_types[vendor_id].add(type_id)
    admitted: dict[int, set[int]] = defaultdict(set)
    for vendor_id, category_id in Vendor.admitted_categories.through.objects.filter(
        vendor_id__in=vendor_ids
    ).values_list("vendor_id", "servicecategory_id"):
        admitted[vendor_id].add(category_id)
    bad_records: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for vendor_id, day, source in BadRecord.objects.filter(
        vendor_id__in=vendor_ids, severity=Severity.SERIOUS
    ).values_list("vendor_id", "date", "source"):
        bad_records[vendor_id].append((day, source))
    extra: dict[int, dict[str, Any]] = defaultdict(dict)
    for provider in bidder_fact_providers():
        for vendor_id, facts in provider(vendor_ids).items():
            extra[vendor_id].update(facts)
    return {
        bid.pk: tendering.BidderFacts(
            vendor_id=bid.vendor_id,
            vendor_status=bid.vendor.status,
            vendor_status_label=bid.vendor.status,
            admitted_category_ids=frozenset(admitted[bid.vendor_id]),
            registered_capital=bid.vendor.registered_capital,
            valid_certificate_type_ids=frozenset(valid_types[bid.vendor_id]),
            past_projects=bid.past_projects,
            price=bid.price,
            serious_bad_records=tuple(bad_records[bid.vendor_id]),
            **extra[bid.vendor_id],
        )
        for bid in bids
    }


@dataclass(frozen=True)
class BidOpening:
    """What the opening finds of one bid in the institution's records: its checks and its renewal bonus."""

    checks: list[tendering.CheckOutcome]
    bonus: Decimal
    bonus_basis: list[dict[str, Any]]


def bid_opening(tender: Tender, bids: list[Bid]) -> dict[int, BidOpening]:
    """Every bid's checks and renewal bonus against the institution's records now (one read of the facts)."""
    requirements = tender_requirements(tender)
    facts = bidder_facts(bids, requirements)
    out = {}
    for bid in bids:
        bonus, basis = tendering.renewal_bonus(tender.renewal_bonus, facts[bid.pk])
        out[bid.pk] = BidOpening(tendering.qualify(requirements, facts[bid.pk]), bonus, basis)
    return out


def bid_qualification(tender: Tender, bids: list[Bid] | None = None) -> dict[int, list[tendering.CheckOutcome]]:
    """Every bid's checks against the institution's records now (the opening stores them)."""
    bids = bids if bids is not None else list(tender.bids.select_related("vendor"))
    return {pk: opening.checks for pk, opening in bid_opening(tender, bids).items()}


def qualified_bids(tender: Tender) -> list[Bid]:
    return list(tender.bids.filter(qualified=True).select_related("vendor"))


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
        [tendering.BidForRanking(b.pk, b.price, b.submitted_at, b.renewal_bonus) for b in bids],
        totals,
        tender.price_weight,
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


# --- A tender's clarifications, publicity and a bidder's own view ----------------------------------------
def tender_answers(tender: Tender) -> list[TenderQuestion]:
    """The published clarifications, oldest first; the asker is never shown."""
    return list(
        TenderQuestion.objects.filter(tender=tender, answered_at__isnull=False)
        .only("question", "answer", "answered_at", "created_at")
        .order_by("answered_at", "pk")
    )


@dataclass(frozen=True)
class PublicityRow:
    rank: int
    vendor: str
    price: Decimal
    technical: Decimal
    price_score: Decimal
    total: Decimal
    proposed: bool
    bonus: Decimal = Decimal(0)  # renewal bonus (points)
    bonus_basis: tuple[dict[str, Any], ...] = ()  # why, when the bid got one (stored reasons)


def award_publicity(tender: Tender) -> dict[str, Any] | None:
    """The proposed award with the ranking and scores, published while in publicity and after the award."""
    if tender.status not in (TenderStatus.PUBLICITY, TenderStatus.AWARDED) or tender.awarded_bid_id is None:
        return None
    stored = tender.bids.values_list("pk", "vendor__legal_name", "renewal_basis")
    bids = {pk: (name, basis) for pk, name, basis in stored}
    rows = [
        PublicityRow(
            rank=r.rank,
            vendor=bids[r.bid_id][0],
            price=r.price,
            technical=r.technical,
            price_score=r.price_score,
            total=r.total,
            proposed=r.bid_id == tender.awarded_bid_id,
            bonus=r.bonus,
            bonus_basis=tuple(bids[r.bid_id][1] or ()) if r.bonus else (),
        )
        for r in tender_ranking(tender)
    ]
    return {
        "rows": rows,
        "ends_at": tender.publicity_ends_at,
        "open": tender.in_publicity(),
        "bonus_shown": bool(tender.renewal_bonus) or any(row.bonus for row in rows),
    }


def tender_for_vendor(tender: Tender, vendor: Vendor) -> dict[str, Any]:
    """What one bidder sees of a tender besides the notice: its registration, its own questions, its bid's
    qualification checks (after the opening) and its objections with their rulings."""
    bid = Bid.objects.filter(tender=tender, vendor=vendor).first()
    checks = list(bid.checks.all()) if bid is not None and not tender.bids_are_sealed() else []
    return {
        "registered": TenderRegistration.objects.filter(tender=tender, vendor=vendor).exists() or bid is not None,
        "own_questions": list(TenderQuestion.objects.filter(tender=tender, vendor=vendor).order_by("created_at")),
        "own_bid": bid,
        "own_checks": checks,
        "own_objections": list(AwardObjection.objects.filter(tender=tender, bid__vendor=vendor).order_by("created_at")),
        "may_object": bid is not None and tender.in_publicity() and bid.pk != tender.awarded_bid_id,
        "may_ask": tender.is_open_for_bids(),
    }
