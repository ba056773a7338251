"""Bid qualification and the evaluation formula (pure code, no ORM).

Price score by the base-price method: the lowest qualified price earns the full price weight, another bid
earns ``price_weight x lowest / price``. Total = mean of the members' technical totals + price score,
rounded half-up to 2 decimals (only the total is rounded). Ranking: total descending, then lower price,
then earlier submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from logistics.reasons import reason

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Requirements:
    min_registered_capital: Decimal
    required_certificate_types: Sequence[tuple[int, Any]]  # (type id, its names)
    min_similar_projects: int
    budget_ceiling: Decimal
    invited_vendor_ids: frozenset[int] | None  # None: open tendering


@dataclass(frozen=True)
class BidderFacts:
    vendor_id: int
    vendor_status: str
    vendor_status_label: str  # the status code, worded at display time
    registered_capital: Decimal
    valid_certificate_type_ids: frozenset[int]  # valid at the bid deadline
    past_projects: int
    price: Decimal


def qualify(requirements: Requirements, bidder: BidderFacts) -> tuple[bool, list[dict[str, Any]]]:
    """Is the bid qualified against the tender's requirements, and why not."""
    problems = []
    if bidder.vendor_status != "admitted":
        problems.append(reason("vendor_not_admitted", status=bidder.vendor_status_label))
    if requirements.invited_vendor_ids is not None and bidder.vendor_id not in requirements.invited_vendor_ids:
        problems.append(reason("not_invited"))
    if bidder.registered_capital < requirements.min_registered_capital:
        problems.append(
            reason(
                "capital_too_low",
                capital=f"{bidder.registered_capital:,.2f}",
                minimum=f"{requirements.min_registered_capital:,.2f}",
            )
        )
    for type_id, type_name in requirements.required_certificate_types:
        if type_id not in bidder.valid_certificate_type_ids:
            problems.append(reason("required_certificate_missing", type=type_name))
    if bidder.past_projects < requirements.min_similar_projects:
        problems.append(
            reason("too_few_projects", count=bidder.past_projects, minimum=requirements.min_similar_projects)
        )
    if bidder.price > requirements.budget_ceiling:
        problems.append(
            reason("price_over_budget", price=f"{bidder.price:,.2f}", ceiling=f"{requirements.budget_ceiling:,.2f}")
        )
    return (not problems, problems or [reason("ok")])


@dataclass(frozen=True)
class BidForRanking:
    bid_id: int
    price: Decimal
    submitted_at: dt.datetime


@dataclass(frozen=True)
class RankedBid:
    bid_id: int
    rank: int
    price: Decimal
    technical: Decimal  # mean of the members' technical totals (unrounded)
    price_score: Decimal  # unrounded
    total: Decimal  # rounded half-up to 0.01
    members_scored: int


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
        total = (technical + scores[bid.bid_id]).quantize(CENT, rounding=ROUND_HALF_UP)
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
        )
        for index, (bid, technical, price_score, total, count) in enumerate(rows, start=1)
    ]
