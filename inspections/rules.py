"""The small rules of rectification orders and complaints, in one place (the pages, the API, the nightly jobs and
the quarter's facts read them from here). No ORM beyond the ``Q`` forms of the rules.

A rectification order's clock stops when the vendor answers in time: waiting for the inspector's check is not
the vendor's delay. It is late while open past its deadline, or when its answer came after the deadline.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q
from django.db.models.functions import Now

from inspections.choices import ComplaintStatus, RectificationStatus


def answered_in_time(status: str, answered_at: dt.datetime | None, deadline: dt.datetime) -> bool:
    """The vendor answered by the deadline and the order waits for the inspector (not overdue meanwhile)."""
    return status == RectificationStatus.ANSWERED and answered_at is not None and answered_at <= deadline


def clock_stopped_at(
    status: str, answered_at: dt.datetime | None, resolved_at: dt.datetime | None, deadline: dt.datetime
) -> dt.datetime | None:
    """When the order's overdue clock stopped: its resolution, or an answer in time; None while it runs."""
    if resolved_at is None and answered_in_time(status, answered_at, deadline):
        return answered_at
    return resolved_at


def answered_in_time_q() -> Q:
    return Q(status=RectificationStatus.ANSWERED, answered_at__lte=F("deadline"))


def late_q() -> Q:
    """Late now: open past the deadline, or answered after it (the database form of the rule above)."""
    return Q(status=RectificationStatus.OPEN, deadline__lt=Now()) | Q(
        status=RectificationStatus.ANSWERED, answered_at__gt=F("deadline")
    )


def complaint_late_q() -> Q:
    """A complaint is late while it waits for the service company past its answer deadline."""
    return Q(status=ComplaintStatus.DISPATCHED, response_deadline__lt=Now())


def work_order_late_q(prefix: str = "") -> Q:
    """A work order is late while it is with a service company and a clock of its current round has passed
    undone (``prefix``: the path to the round, "" on ``WorkOrderRound`` itself)."""
    open_round = Q(
        **{
            f"{prefix}completed_at__isnull": True,
            f"{prefix}declined_at__isnull": True,
            f"{prefix}withdrawn_at__isnull": True,
        }
    )
    passed = (
        Q(**{f"{prefix}accepted_at__isnull": True, f"{prefix}response_due__lt": Now()})
        | Q(**{f"{prefix}arrived_at__isnull": True, f"{prefix}arrival_due__lt": Now()})
        | Q(**{f"{prefix}completion_due__lt": Now()})
    )
    return open_round & passed
