"""Reads of the half-year and annual appraisals: a vendor's latest annual result (the tender's qualification
and renewal bonus read it), an appraisal's lines for its pages, PDF and command."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from scoring.models import Appraisal, VendorAppraisal


def latest_annual(vendor_ids: list[int]) -> dict[int, VendorAppraisal]:
    """Each vendor's latest annual result that is not provisional (all its contracts' quarters final; one query)."""
    out: dict[int, VendorAppraisal] = {}
    for line in (
        VendorAppraisal.objects.filter(
            vendor_id__in=vendor_ids, appraisal__half=0, provisional=False, score__isnull=False
        )
        .select_related("appraisal")
        .order_by("vendor_id", "-appraisal__year")
    ):
        out.setdefault(line.vendor_id, line)
    return out


def bidder_annual_facts(vendor_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For the tender qualification and bid evaluation (``settings.TENDER_BIDDER_FACTS``): each vendor's latest
    final annual grade and whether it earned renewal preference. One query."""
    from scoring.appraisal import grade_words
    from scoring.selectors import current_schemes

    latest = latest_annual(vendor_ids)
    if not latest:
        return {}
    bands = current_schemes().default.bands
    return {
        vendor_id: {
            "annual_grade": (line.appraisal.year, line.grade, grade_words(line.grade, bands)),
            "renewal_preference": (line.appraisal.year, line.grade) if line.renewal_preferred else None,
        }
        for vendor_id, line in latest.items()
    }


def appraisal_lines(record: Appraisal) -> QuerySet:
    return record.lines.select_related("contract__vendor", "contract__category").order_by("rank", "contract__number")


def vendor_lines(record: Appraisal) -> QuerySet:
    return record.vendor_lines.select_related("vendor").order_by("rank", "vendor__legal_name")
