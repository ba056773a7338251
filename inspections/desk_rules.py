"""The service desk's rules, pure (no ORM): a round's clocks, whether a clock was kept, which closed work orders
get a callback, and the quarter's figures per contract (``DeskFigures``) that the ``service_desk`` command, the
pages and the score component ``R`` read.

Rules where the design was silent (README, "The service desk"):
- Clocks run from the round's dispatch. A clock "in working hours" counts only the institution's working hours
  on working days of the official calendar; otherwise it runs around the clock.
- Response is kept when the vendor takes the job or declines it back with a reason before the response clock
  passes; completion when the job is completed (with evidence) before the completion clock passes. A round
  withdrawn by the office (reassigned, cancelled) before a clock passed is not judged on that clock; a clock
  that passed before the withdrawal counts as missed. A declined round is judged on its response only (the job
  went back to the office, it was never the vendor's to complete).
- A round counts (rounds, redo, escalations) in the quarter of its dispatch; each of its clocks is judged in
  the quarter the clock falls due in, so a clock is judged exactly once (a job sent on 31 December and due on
  4 January is judged late or on time in the new quarter). A clock due in the quarter but not yet passed at
  ``as_of`` (a running quarter) is not judged yet. What happened after ``as_of`` is not seen: the figures of a
  quarter are those at its end, whenever they are computed.
- A redo round is one that follows a completed round of the same work order (the requester's "not fixed" or a
  callback "not satisfied"); a round after a decline or a reassignment is a new dispatch, not a redo.
- The repeat rate: of the complaints and work orders of a period that name a place (the key point, else the
  site), the share that follow an earlier one of the same place and service category within 30 days (the 30
  days before the period count as the earlier ones too; suggestions, praise, cancelled work orders and
  automated posts do not count).
- Callback satisfaction: satisfied / (satisfied + not satisfied); a caller who could not be reached is not
  counted either way.
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
    """True (kept), False (missed) or None (not judged: still running, or withdrawn before it passed). What
    happened after ``as_of`` is not seen."""
    if done_at is not None and done_at <= as_of:
        return done_at <= due
    if ended_at is not None and ended_at <= as_of:
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
    round_id: int | None = None
    redo: bool | None = None  # follows a completed round (None: read from the number, > 1)
    excused: bool = False  # the office excused its clocks (an upheld objection): they are not judged

    @property
    def ref(self) -> str:
        """The work order's reference and the round: "GD-000012 #2"."""
        return f"GD-{self.order_id:06d} #{self.number}"


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
    callbacks_due: int = 0  # due in the period (up to ``as_of``)
    callbacks_not_done: int = 0  # of those, not made by ``as_of``
    callbacks: dict[str, int] = field(default_factory=dict)  # result -> count, of the callbacks made in the period
    callbacks_by_job: dict[str, dict[str, int]] = field(default_factory=dict)  # complaint / work_order -> result
    complaint_reopens: int = 0  # complaints' callbacks "not satisfied": sent back for a redo
    repeats: int = 0
    repeat_base: int = 0

    @property
    def received_total(self) -> int:
        return sum(n for kinds in self.received.values() for n in kinds.values())

    @property
    def callbacks_done(self) -> int:
        return sum(self.callbacks.values())

    def add_received(self, channel: str, kind: str, count: int = 1) -> None:
        kinds = self.received.setdefault(channel, {})
        kinds[kind] = kinds.get(kind, 0) + count

    def add_callback(self, job: str, result: str, count: int = 1) -> None:
        self.callbacks[result] = self.callbacks.get(result, 0) + count
        results = self.callbacks_by_job.setdefault(job, {})
        results[result] = results.get(result, 0) + count
        if job == "complaint" and result == "not_satisfied":
            self.complaint_reopens += count

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


def total(figures: Iterable[DeskFigures]) -> DeskFigures:
    """The figures of several contracts added up (an institution's month or quarter)."""
    out = DeskFigures()
    for one in figures:
        for channel, kinds in one.received.items():
            for kind, count in kinds.items():
                out.add_received(channel, kind, count)
        for job, results in one.callbacks_by_job.items():
            for result, count in results.items():
                out.add_callback(job, result, count)
        for name in (
            "rounds",
            "response_kept",
            "response_judged",
            "completion_kept",
            "completion_judged",
            "escalations",
            "redo_rounds",
            "callbacks_due",
            "callbacks_not_done",
            "repeats",
            "repeat_base",
        ):
            setattr(out, name, getattr(out, name) + getattr(one, name))
        out.late_rounds.extend(one.late_rounds)
    return out


def add_round(
    figures: DeskFigures,
    facts: RoundFacts,
    as_of: dt.datetime,
    window: tuple[dt.datetime, dt.datetime] | None = None,
) -> None:
    """Count one round, its clocks judged as they stood at ``as_of``. With ``window`` (the period's start and
    end), the round is counted (rounds, redo, escalations) in the period of its dispatch, and each clock is judged
    in the period its due time falls in: a job sent on 30 December and due on 2 January is judged in January's
    quarter, so no clock is judged twice or never."""

    def inside(moment: dt.datetime) -> bool:
        return not facts.excused and (window is None or window[0] <= moment < window[1])

    if window is None or window[0] <= facts.dispatched_at < window[1]:
        figures.rounds += 1
        if facts.redo if facts.redo is not None else facts.number > 1:
            figures.redo_rounds += 1
        figures.escalations += facts.escalations
    responded = facts.accepted_at or facts.declined_at
    kept = clock_kept(responded, facts.response_due, facts.withdrawn_at, as_of) if inside(facts.response_due) else None
    if kept is not None:
        figures.response_judged += 1
        figures.response_kept += int(kept)
    if facts.declined_at is not None and facts.declined_at <= as_of:
        return  # a declined round was never the vendor's job to complete: only its response is judged
    kept = (
        clock_kept(facts.completed_at, facts.completion_due, facts.withdrawn_at, as_of)
        if inside(facts.completion_due)
        else None
    )
    if kept is not None:
        figures.completion_judged += 1
        figures.completion_kept += int(kept)
        if not kept:
            figures.late_rounds.append(facts)


def repeats(
    reports: Iterable[tuple[object, object, object, dt.datetime]], days: int = 30, since: dt.datetime | None = None
) -> tuple[int, int]:
    """(repeats, reports) among ``(id, place, category, at)``: a report is a repeat when an earlier one of the
    same place and category came within ``days`` before it. Reports without a place are not judged; those before
    ``since`` only look back (they may make a later one a repeat, and are not counted themselves)."""
    last: dict[tuple[object, object], dt.datetime] = {}
    count = judged = 0
    for _id, place, category, at in sorted(reports, key=lambda r: r[3]):
        if place is None:
            continue
        previous = last.get((place, category))
        last[(place, category)] = at
        if since is not None and at < since:
            continue
        judged += 1
        if previous is not None and at - previous <= dt.timedelta(days=days):
            count += 1
    return count, judged
