"""Reads of the half-year and annual appraisals: a vendor's latest annual result (the tender's qualification
and renewal bonus read it), an appraisal's lines for its pages, PDF and command."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

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


def vendor_annual_summary(vendor_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For the vendor's pages (``settings.VENDOR_ANNUAL_APPRAISAL``): each vendor's latest final annual result -
    ``final``: year, score, grade with its words ({"zh", "en"}), rank among the vendors appraised that year
    (``ranked`` of them), renewal preference - and ``provisional_year``, a later year whose result is not final
    yet (its figures are not shown: they may rest on quarters not published). A vendor never appraised is left
    out. Three queries."""
    from scoring.appraisal import grade_words
    from scoring.selectors import current_schemes

    final: dict[int, VendorAppraisal] = {}
    provisional: dict[int, int] = {}
    for line in (
        VendorAppraisal.objects.filter(vendor_id__in=vendor_ids, appraisal__half=0)
        .select_related("appraisal")
        .order_by("vendor_id", "-appraisal__year")
    ):
        if line.vendor_id in final:
            continue
        if line.provisional or line.score is None:
            provisional.setdefault(line.vendor_id, line.appraisal.year)
        else:
            final[line.vendor_id] = line
    if not final and not provisional:
        return {}
    ranked = dict(
        VendorAppraisal.objects.filter(appraisal_id__in={line.appraisal_id for line in final.values()})
        .exclude(rank=None)
        .values_list("appraisal_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    bands = current_schemes().default.bands if final else []
    out: dict[int, dict[str, Any]] = {}
    for vendor_id in {*final, *provisional}:
        line = final.get(vendor_id)
        out[vendor_id] = {
            "final": None
            if line is None
            else {
                "year": line.appraisal.year,
                "score": line.score,
                "grade": line.grade,
                "label": grade_words(line.grade, bands),
                "rank": line.rank,
                "ranked": ranked.get(line.appraisal_id, 0),
                "renewal_preferred": line.renewal_preferred,
            },
            "provisional_year": provisional.get(vendor_id),
        }
    return out


def appraisal_lines(record: Appraisal) -> QuerySet:
    return record.lines.select_related("contract__vendor", "contract__category").order_by("rank", "contract__number")


def vendor_lines(record: Appraisal) -> QuerySet:
    return record.vendor_lines.select_related("vendor").order_by("rank", "vendor__legal_name")
