"""Bid qualification and the evaluation formula (pure code, no ORM).

Price score by the base-price method: the lowest qualified price earns the full price weight, another bid
earns ``price_weight x lowest / price``. Renewal bonus (续签优先加分): a bidder whose latest final annual appraisal
preferred it for renewal gets the tender's bonus points, fixed at the opening. Total = mean of the members'
technical totals + price score + renewal bonus, rounded half-up to 2 decimals (only the total is rounded).
Ranking: total descending, then lower price, then earlier submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from logistics.choices import QualificationCheck as Check
from logistics.reasons import reason

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Requirements:
    category_id: int
    category: Any  # the category's names ({"zh": ..., "en": ...})
    min_registered_capital: Decimal
    #: the category's mandatory types and the tender's own, each once: (type id, its names)
    required_certificate_types: Sequence[tuple[int, Any]]
    certificates_on: dt.date  # the contract start: the certificates must be valid that day
    min_similar_projects: int
    budget_ceiling: Decimal
    invited_vendor_ids: frozenset[int] | None  # None: open tendering
    bad_records_since: dt.date  # serious bad records dated on or after this day disqualify
    lookback_months: int


@dataclass(frozen=True)
class BidderFacts:
    vendor_id: int
    vendor_status: str
    vendor_status_label: str  # the status code, worded at display time
    admitted_category_ids: frozenset[int]
    registered_capital: Decimal
    valid_certificate_type_ids: frozenset[int]  # valid on ``Requirements.certificates_on``
    past_projects: int
    price: Decimal
    serious_bad_records: Sequence[tuple[dt.date, str]] = ()  # (date, source), any date
    #: contracts of the vendor under a termination recommendation: their numbers
    termination_recommended: Sequence[str] = ()
    #: the latest final annual appraisal's (year, grade, the grade's words {"zh", "en"}), when there is one
    annual_grade: tuple[int, str, Any] | None = None
    #: (year, grade) of the latest final annual appraisal when it earned renewal preference (续签优先)
    renewal_preference: tuple[int, str] | None = None


@dataclass(frozen=True)
class CheckOutcome:
    item: str  # a ``QualificationCheck`` value
    passed: bool
    reasons: list[dict[str, Any]]


#: the grade that refuses a bid (the scheme's lowest band)
REFUSED_GRADE = "D"  # scoring.choices.Grade.D; logistics sits below scoring


def qualify(requirements: Requirements, bidder: BidderFacts) -> list[CheckOutcome]:
    """Every qualification check of a bid, in the order they are shown, each with the reasons for its result.

    A check that does not apply (not an invited tender; no annual appraisal yet) passes and says why."""
    checks: list[CheckOutcome] = []

    def add(item: str, problems: list[dict[str, Any]], ok: dict[str, Any]) -> None:
        checks.append(CheckOutcome(item, not problems, problems or [ok]))

    problems = []
    if bidder.vendor_status != "admitted":
        problems.append(reason("vendor_not_admitted", status=bidder.vendor_status_label))
    elif requirements.category_id not in bidder.admitted_category_ids:
        problems.append(reason("not_admitted_for_category", category=requirements.category))
    add(Check.ADMITTED, problems, reason("admitted_for_category", category=requirements.category))

    if requirements.invited_vendor_ids is not None:
        invited = bidder.vendor_id in requirements.invited_vendor_ids
        add(Check.INVITED, [] if invited else [reason("not_invited")], reason("invited"))

    capital_ok = bidder.registered_capital >= requirements.min_registered_capital
    capital = {"capital": f"{bidder.registered_capital:,.2f}", "minimum": f"{requirements.min_registered_capital:,.2f}"}
    add(Check.CAPITAL, [] if capital_ok else [reason("capital_too_low", **capital)], reason("capital_ok", **capital))

    day = requirements.certificates_on.isoformat()
    missing = [
        reason("required_certificate_missing", type=names, date=day)
        for type_id, names in requirements.required_certificate_types
        if type_id not in bidder.valid_certificate_type_ids
    ]
    count = len(requirements.required_certificate_types)
    add(Check.CERTIFICATES, missing, reason("certificates_ok", count=count, date=day))

    recent = sorted((d, source) for d, source in bidder.serious_bad_records if d >= requirements.bad_records_since)
    add(
        Check.BAD_RECORDS,
        [
            reason("serious_bad_record_recent", date=d.isoformat(), source=source, months=requirements.lookback_months)
            for d, source in recent
        ],
        reason("no_serious_bad_record", months=requirements.lookback_months),
    )

    add(
        Check.TERMINATION,
        [reason("termination_recommended", number=number) for number in sorted(bidder.termination_recommended)],
        reason("no_termination_recommendation"),
    )

    if bidder.annual_grade is None:
        add(Check.ANNUAL_GRADE, [], reason("no_annual_grade"))
    else:
        year, grade, words = bidder.annual_grade
        refused = grade == REFUSED_GRADE
        add(
            Check.ANNUAL_GRADE,
            [reason("annual_grade_refused", year=year, grade=grade, label=words)] if refused else [],
            reason("annual_grade_ok", year=year, grade=grade, label=words),
        )

    projects = {"count": bidder.past_projects, "minimum": requirements.min_similar_projects}
    enough = bidder.past_projects >= requirements.min_similar_projects
    add(Check.EXPERIENCE, [] if enough else [reason("too_few_projects", **projects)], reason("projects_ok", **projects))

    prices = {"price": f"{bidder.price:,.2f}", "ceiling": f"{requirements.budget_ceiling:,.2f}"}
    within = bidder.price <= requirements.budget_ceiling
    add(Check.PRICE, [] if within else [reason("price_over_budget", **prices)], reason("price_ok", **prices))

    add(Check.DOCUMENTS, [], reason("documents_no_finding"))
    return checks


def qualified(checks: Sequence[CheckOutcome]) -> bool:
    return all(check.passed for check in checks)


def renewal_bonus(points: Decimal, bidder: BidderFacts) -> tuple[Decimal, list[dict[str, Any]]]:
    """The bid's renewal bonus and why: the tender's ``points`` when the bidder's latest final annual appraisal
    preferred it for renewal, else 0. A tender without a bonus gives 0 and no reason."""
    if points <= 0:
        return Decimal(0), []
    shown = f"{points:.2f}"
    if bidder.renewal_preference is not None:
        year, grade = bidder.renewal_preference
        words = bidder.annual_grade[2] if bidder.annual_grade is not None else grade  # the same appraisal's
        return points, [reason("renewal_bonus", year=year, grade=grade, label=words, points=shown)]
    if bidder.annual_grade is not None:
        year, grade, words = bidder.annual_grade
        return Decimal(0), [reason("renewal_bonus_not_preferred", year=year, grade=grade, label=words)]
    return Decimal(0), [reason("renewal_bonus_no_appraisal")]


@dataclass(frozen=True)
class BidForRanking:
    bid_id: int
    price: Decimal
    submitted_at: dt.datetime
    bonus: Decimal = Decimal(0)  # the renewal bonus fixed at the opening


@dataclass(frozen=True)
class RankedBid:
    bid_id: int
    rank: int
    price: Decimal
    technical: Decimal  # mean of the members' technical totals (unrounded)
    price_score: Decimal  # unrounded
    total: Decimal  # technical + price score + bonus, rounded half-up to 0.01
    members_scored: int
    bonus: Decimal = Decimal(0)  # renewal bonus (points)


def price_scores(prices: Mapping[int, Decimal], price_weight: Decimal) -> dict[int, Decimal]:
    """Base-price method over the qualified bids' prices."""
    if not prices:
        return {}
    lowest = min(prices.values())
    return {bid_id: price_weight * lowest / price for bid_id, price in prices.items()}


def rank(
    bids: Sequence[BidForRanking],
    technical_totals: Mapping[int, Sequence[Decimal]],
    price_weight: Decimal,
) -> list[RankedBid]:
    """Rank the qualified bids; ``technical_totals[bid_id]`` holds one total per member who scored it."""
    scores = price_scores({b.bid_id: b.price for b in bids}, price_weight)
    rows = []
    for bid in bids:
        totals = list(technical_totals.get(bid.bid_id, []))
        technical = sum(totals, Decimal(0)) / len(totals) if totals else Decimal(0)
        total = (technical + scores[bid.bid_id] + bid.bonus).quantize(CENT, rounding=ROUND_HALF_UP)
        rows.append((bid, technical, scores[bid.bid_id], total, len(totals)))
    rows.sort(key=lambda r: (-r[3], r[0].price, r[0].submitted_at, r[0].bid_id))
    return [
        RankedBid(
            bid_id=bid.bid_id,
            rank=index,
            price=bid.price,
            technical=technical,
            price_score=price_score,
            total=total,
            members_scored=count,
            bonus=bid.bonus,
        )
        for index, (bid, technical, price_score, total, count) in enumerate(rows, start=1)
    ]
