"""The service desk's rules, pure (no ORM): a round's clocks, whether a clock was kept, which closed work orders
get a callback, and the quarter's figures per contract (``DeskFigures``) that the ``service_desk`` command, the
pages and the score component ``R`` read.

Rules where the design was silent (README, "The service desk"):
- Clocks run from the round's dispatch. A clock "in working hours" counts only the institution's working hours
  on working days of the official calendar; otherwise it runs around the clock.
- Response is kept when the vendor takes the job or declines it back with a reason before the response clock
  passes; completion when the job is completed (with evidence) before the completion clock passes. A round
  withdrawn by the office (reassigned, cancelled) before a clock passed is not judged on that clock; a clock
  that passed before the withdrawal counts as missed.
- A round counts in the quarter of its dispatch; a clock still running at the quarter's end (``as_of``) is
  not judged yet.
- Every closed complaint gets a callback. A closed work order gets one when the requester did not confirm it
  themselves, rated it 1 or 2, or falls in the sample (``DESK_CALLBACK_SAMPLE_PERCENT``, decided by a keyed hash
  of its number, so neither the vendor nor the clerk can steer it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from logistics.workdays import WorkCalendar, add_working_minutes


@dataclass(frozen=True)
class ClockSpec:
    response_minutes: int
    arrival_minutes: int
    completion_minutes: int
    working_hours_only: bool


def dues(
    spec: ClockSpec, start: dt.datetime, calendar: WorkCalendar, opens: dt.time, closes: dt.time
) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(respond by, on site by, complete by) for a round dispatched at ``start`` (local time)."""

    def after(minutes: int) -> dt.datetime:
        if spec.working_hours_only:
            return add_working_minutes(calendar, start, minutes, opens, closes)
        return start + dt.timedelta(minutes=minutes)

    return after(spec.response_minutes), after(spec.arrival_minutes), after(spec.completion_minutes)


def clock_kept(done_at: dt.datetime | None, due: dt.datetime, ended_at: dt.datetime | None, as_of: dt.datetime):
    """True (kept), False (missed) or None (not judged: still running, or withdrawn before it passed)."""
    if done_at is not None:
        return done_at <= due
    if ended_at is not None:
        return False if ended_at > due else None
    return False if as_of > due else None


def needs_callback(*, order_id: int, confirmed: bool, rating: int | None, percent: int, key: str) -> bool:
    """Whether a closed work order is called back (see the module's rules)."""
    if not confirmed or (rating is not None and rating <= 2):
        return True
    if percent <= 0:
        return False
    if percent >= 100:
        return True
    digest = hashlib.sha256(f"{key}:callback:{order_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


@dataclass(frozen=True)
class RoundFacts:
    """What the quarter's figures read of one round."""

    contract_id: int
    dispatched_at: dt.datetime
    response_due: dt.datetime
    completion_due: dt.datetime
    accepted_at: dt.datetime | None
    declined_at: dt.datetime | None
    completed_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    escalations: int
    number: int
    order_id: int


def rate(kept: int, judged: int) -> Decimal | None:
    """Kept / judged as a percentage with two decimals (half up), or None when nothing was judged."""
    if judged == 0:
        return None
    return (Decimal(100 * kept) / Decimal(judged)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


@dataclass
class DeskFigures:
    """One contract's service desk in a quarter."""

    received: dict[str, dict[str, int]] = field(default_factory=dict)  # channel -> kind -> count
    rounds: int = 0
    response_kept: int = 0
    response_judged: int = 0
    completion_kept: int = 0
    completion_judged: int = 0
    escalations: int = 0
    redo_rounds: int = 0
    late_rounds: list[RoundFacts] = field(default_factory=list)  # completion missed (the clause prices them)
    callbacks_due: int = 0
    callbacks: dict[str, int] = field(default_factory=dict)  # result -> count
    repeats: int = 0
    repeat_base: int = 0

    @property
    def response_rate(self) -> Decimal | None:
        return rate(self.response_kept, self.response_judged)

    @property
    def completion_rate(self) -> Decimal | None:
        return rate(self.completion_kept, self.completion_judged)

    @property
    def callback_satisfaction(self) -> Decimal | None:
        reached = self.callbacks.get("satisfied", 0) + self.callbacks.get("not_satisfied", 0)
        return rate(self.callbacks.get("satisfied", 0), reached)

    @property
    def repeat_rate(self) -> Decimal | None:
        return rate(self.repeats, self.repeat_base)

    def score(self) -> Decimal | None:
        """``R``: the mean of the on-time response and completion rates that were judged (None when neither
        was: the component drops out and the weights rescale)."""
        rates = [r for r in (self.response_rate, self.completion_rate) if r is not None]
        if not rates:
            return None
        return (sum(rates, Decimal(0)) / len(rates)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def add_round(figures: DeskFigures, facts: RoundFacts, as_of: dt.datetime) -> None:
    figures.rounds += 1
    if facts.number > 1:
        figures.redo_rounds += 1
    figures.escalations += facts.escalations
    responded = facts.accepted_at or facts.declined_at
    kept = clock_kept(responded, facts.response_due, facts.withdrawn_at, as_of)
    if kept is not None:
        figures.response_judged += 1
        figures.response_kept += int(kept)
    # a declined round was never the vendor's job to complete: only its response is judged
    ended = facts.withdrawn_at or facts.declined_at
    kept = clock_kept(facts.completed_at, facts.completion_due, ended, as_of)
    if kept is not None:
        figures.completion_judged += 1
        figures.completion_kept += int(kept)
        if not kept:
            figures.late_rounds.append(facts)


def repeats(reports: Iterable[tuple[int, object, object, dt.datetime]], days: int = 30) -> tuple[int, int]:
    """(repeats, reports) among ``(id, place, category, at)``: a report is a repeat when an earlier one of the
    same place and category came within ``days`` before it. Reports without a place are not judged."""
    last: dict[tuple[object, object], dt.datetime] = {}
    count = judged = 0
    for _id, place, category, at in sorted(reports, key=lambda r: r[3]):
        if place is None:
            continue
        judged += 1
        previous = last.get((place, category))
        if previous is not None and at - previous <= dt.timedelta(days=days):
            count += 1
        last[(place, category)] = at
    return count, judged
