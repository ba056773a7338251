"""The half-year and annual appraisal, computed and stored (the rules: ``scoring.appraisal``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract
from contracts.selectors import contracts_active_in
from logistics.quarters import Quarter
from scoring import appraisal, selectors
from scoring.calculations import grade_for
from scoring.models import Appraisal, AppraisalLine, Evaluation, VendorAppraisal

if TYPE_CHECKING:
    from logistics.models import User


@transaction.atomic
def appraisal_compute(
    *, year: int, half: int | None = None, by: User | None = None, now: dt.datetime | None = None
) -> Appraisal:
    """Compute (or compute again) the appraisal of a year or a half: every contract in force in one of its
    quarters, each vendor, their ranks. A fixed number of queries whatever the number of contracts."""
    if half not in (None, 1, 2):
        raise ValidationError(_("A half is 1 (January to June) or 2 (July to December)."))
    if not 2000 <= year <= 2200:
        raise ValidationError(_("%(year)s is not a year the product can appraise.") % {"year": year})
    numbers = appraisal.period_quarters(half)
    quarters = {n: Quarter(year, n) for n in numbers}
    in_force: dict[int, set[int]] = {
        n: set(contracts_active_in(q).values_list("pk", flat=True)) for n, q in quarters.items()
    }
    contract_ids = set().union(*in_force.values())
    evaluations = {
        (e.contract_id, e.quarter): e
        for e in Evaluation.objects.filter(
            contract_id__in=contract_ids, quarter__in=[q.key for q in quarters.values()]
        ).select_related("scheme")
    }
    schemes = selectors.current_schemes()
    contracts = list(Contract.objects.filter(pk__in=contract_ids).select_related("vendor").order_by("number"))
    results = {}
    scheme_of = {}
    for contract in contracts:
        inputs = {}
        used_schemes = []
        for n, quarter in quarters.items():
            evaluation = evaluations.get((contract.pk, quarter.key))
            if evaluation is not None:
                used_schemes.append(evaluation.scheme)
            inputs[n] = appraisal.QuarterInput(
                number=n,
                in_force=contract.pk in in_force[n],
                score=evaluation.score if evaluation is not None else None,
                status=evaluation.status if evaluation is not None else None,
            )
        scheme = used_schemes[-1] if used_schemes else schemes.for_contract(contract)
        scheme_of[contract.pk] = scheme
        results[contract.pk] = appraisal.appraise(
            year, half, inputs, scheme.quarter_weights, scheme.bands, scheme.renewal_grade
        )
    now = now or timezone.now()
    record, _created = Appraisal.objects.select_for_update().get_or_create(
        year=year, half=half or 0, defaults={"computed_at": now, "computed_by": by}
    )
    record.computed_at, record.computed_by = now, by
    record.provisional = any(r.provisional for r in results.values()) or not results
    record.save()
    record.lines.all().delete()
    record.vendor_lines.all().delete()
    ranks = appraisal.ranks([results[c.pk].score for c in contracts])
    AppraisalLine.objects.bulk_create(
        [
            AppraisalLine(
                appraisal=record,
                contract=contract,
                scheme=scheme_of[contract.pk],
                score=results[contract.pk].score,
                grade=results[contract.pk].grade,
                rank=rank,
                provisional=results[contract.pk].provisional,
                renewal_preferred=results[contract.pk].renewal_preferred,
                quarters=[q.as_dict() for q in results[contract.pk].quarters],
            )
            for contract, rank in zip(contracts, ranks, strict=True)
        ]
    )
    by_vendor: dict[int, list[appraisal.Result]] = defaultdict(list)
    for contract in contracts:
        by_vendor[contract.vendor_id].append(results[contract.pk])
    vendor_ids = sorted(by_vendor)
    vendor_scores = [appraisal.mean_of(by_vendor[v]) for v in vendor_ids]
    vendor_ranks = appraisal.ranks(vendor_scores)
    bands = schemes.default.bands
    VendorAppraisal.objects.bulk_create(
        [
            VendorAppraisal(
                appraisal=record,
                vendor_id=vendor_id,
                score=score,
                grade=grade_for(score, bands) if score is not None else "",
                rank=rank,
                contracts=len(by_vendor[vendor_id]),
                provisional=any(r.provisional for r in by_vendor[vendor_id]),
                renewal_preferred=any(r.renewal_preferred for r in by_vendor[vendor_id]),
            )
            for vendor_id, score, rank in zip(vendor_ids, vendor_scores, vendor_ranks, strict=True)
        ]
    )
    return record
