"""The service desk's figures per contract and period (a quarter, or a month for the monthly reports), read in a
fixed number of queries whatever the number of contracts and jobs: the work orders' rounds (one query), and for
the full figures also the complaints, the work orders and the callbacks (one each). The rules are
``inspections.desk_rules``'s; what each figure counts:

- **Received**, by channel and kind: the complaints (suggestions and praise too; automated posts left out) filed
  in the period, under the contract they were sent to; the work orders (kind "repair") received in the period,
  under the contract of their latest round. A job never sent to a service company is under none.
- **Rounds**: the work order rounds dispatched in the period, each under its own contract (a reassigned job's
  first round stays its first contract's); escalations are the clocks of those rounds that escalated by then.
  Each clock is judged, as it stood at ``as_of``, in the period it falls due in (a round sent at the end of a
  quarter has its completion judged in the next); late rounds are those whose completion clock was missed.
- **Callbacks** made in the period by result (the complaints' and the work orders'), and those due in it; a
  complaint's callback "not satisfied" is a complaint sent back for a redo.
- **Repeat rate** over the period's complaints and work orders (``desk_rules.repeats``, with the 30 days before the
  period as look-back).

``as_of`` is the end of the period or now, whichever is earlier, in the institution's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from inspections import desk_rules
from inspections.choices import RequestKind, WorkOrderStatus
from inspections.models import Callback, Complaint, WorkOrder, WorkOrderRound
from logistics.quarters import institution_tz

#: the look-back of the repeat rate (days): a report within this many days of an earlier one is a repeat
REPEAT_DAYS = 30


def judged_until(period: Any, as_of: dt.datetime | None = None) -> dt.datetime:
    """The moment a period's figures are read at: its end or ``as_of`` (default now), whichever is earlier, as
    an aware datetime in the institution's time zone."""
    moment = min(period.end, as_of or timezone.now())
    return timezone.localtime(moment, institution_tz())


def _ids(contracts: Iterable[Any]) -> list[int]:
    return [c if isinstance(c, int) else c.pk for c in contracts]


def desk_figures(
    quarter: Any, contracts: Iterable[Any], as_of: dt.datetime | None = None, *, rounds_only: bool = False
) -> dict[int, desk_rules.DeskFigures]:
    """Contract id -> its ``DeskFigures`` for the period (a ``Quarter`` or a ``Month``), read at ``as_of``
    (``judged_until``). ``rounds_only``: only the rounds' figures (the score and the clauses need no more): one
    query; else four."""
    ids = _ids(contracts)
    out = {pk: desk_rules.DeskFigures() for pk in ids}
    if not ids:
        return out
    until = judged_until(quarter, as_of)
    _rounds(out, ids, quarter.start, quarter.end, until)
    if not rounds_only:
        _received_and_repeats(out, ids, quarter.start, until)
        _callbacks(out, ids, quarter, until)
    return out


def _rounds(
    out: dict[int, desk_rules.DeskFigures], ids: list[int], start: dt.datetime, end: dt.datetime, until: dt.datetime
) -> None:
    after_completed = WorkOrderRound.objects.filter(
        order_id=OuterRef("order_id"), number=OuterRef("number") - 1, completed_at__isnull=False
    )
    rows = (
        WorkOrderRound.objects.filter(contract_id__in=ids, dispatched_at__lt=until)
        .filter(
            # dispatched in the period, or a clock due in it (judged where it falls due: ``desk_rules.add_round``)
            Q(dispatched_at__gte=start)
            | Q(response_due__gte=start, response_due__lt=end)
            | Q(completion_due__gte=start, completion_due__lt=end)
        )
        .annotate(redo=Exists(after_completed))
        .values_list(
            "pk",
            "order_id",
            "number",
            "contract_id",
            "dispatched_at",
            "response_due",
            "completion_due",
            "accepted_at",
            "declined_at",
            "completed_at",
            "withdrawn_at",
            "response_escalated_at",
            "arrival_escalated_at",
            "completion_escalated_at",
            "redo",
            "excused_at",
        )
        .order_by("dispatched_at", "pk")
    )
    for (
        pk,
        order_id,
        number,
        contract_id,
        dispatched_at,
        response_due,
        completion_due,
        accepted_at,
        declined_at,
        completed_at,
        withdrawn_at,
        *escalated,
        redo,
        excused_at,
    ) in rows:
        facts = desk_rules.RoundFacts(
            contract_id=contract_id,
            dispatched_at=dispatched_at,
            response_due=response_due,
            completion_due=completion_due,
            accepted_at=accepted_at,
            declined_at=declined_at,
            completed_at=completed_at,
            withdrawn_at=withdrawn_at,
            escalations=sum(1 for moment in escalated if moment is not None and moment <= until),
            number=number,
            order_id=order_id,
            round_id=pk,
            redo=bool(redo),
            excused=excused_at is not None,
        )
        desk_rules.add_round(out[contract_id], facts, until, (start, end))


def _place(key_point_id: int | None, site_id: int | None) -> tuple[str, int] | None:
    if key_point_id is not None:
        return ("key_point", key_point_id)
    if site_id is not None:
        return ("site", site_id)
    return None


def _received_and_repeats(
    out: dict[int, desk_rules.DeskFigures], ids: list[int], start: dt.datetime, until: dt.datetime
) -> None:
    since = start - dt.timedelta(days=REPEAT_DAYS)
    reports: dict[int, list[tuple[Any, Any, Any, dt.datetime]]] = defaultdict(list)
    for pk, contract_id, channel, kind, key_point_id, site_id, category_id, at in Complaint.objects.filter(
        contract_id__in=ids, quarantined=False, created_at__gte=since, created_at__lt=until
    ).values_list("pk", "contract_id", "channel", "kind", "key_point_id", "site_id", "category_id", "created_at"):
        if at >= start:
            out[contract_id].add_received(channel, kind)
        if kind == RequestKind.COMPLAINT:
            reports[contract_id].append((("complaint", pk), _place(key_point_id, site_id), category_id, at))
    for pk, contract_id, channel, key_point_id, site_id, category_id, at, status in WorkOrder.objects.filter(
        contract_id__in=ids, received_at__gte=since, received_at__lt=until
    ).values_list("pk", "contract_id", "channel", "key_point_id", "site_id", "category_id", "received_at", "status"):
        if at >= start:
            out[contract_id].add_received(channel, RequestKind.REPAIR)
        if status != WorkOrderStatus.CANCELLED:
            reports[contract_id].append((("work_order", pk), _place(key_point_id, site_id), category_id, at))
    for contract_id, rows in reports.items():
        rows.sort(key=lambda row: (row[3], row[0]))
        figures = out[contract_id]
        figures.repeats, figures.repeat_base = desk_rules.repeats(rows, days=REPEAT_DAYS, since=start)


def _callbacks(out: dict[int, desk_rules.DeskFigures], ids: list[int], period: Any, until: dt.datetime) -> None:
    start = period.start
    last_due = min(period.last_day, until.date())
    made = {"done_at__gte": start, "done_at__lt": until}
    due = {"due_on__gte": period.first_day, "due_on__lte": last_due}
    for contract_id, complaint_id, result, done_at, due_on in (
        Callback.objects.filter(Q(**made) | Q(**due), contract_id__in=ids)
        .values_list("contract_id", "complaint_id", "result", "done_at", "due_on")
        .order_by()
    ):
        figures = out[contract_id]
        done = done_at is not None and done_at < until
        if done and done_at >= start:
            figures.add_callback("complaint" if complaint_id else "work_order", result)
        if period.first_day <= due_on <= last_due:
            figures.callbacks_due += 1
            figures.callbacks_not_done += int(not done)
