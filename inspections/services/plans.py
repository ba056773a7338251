"""Plans and rounds: a plan made or changed, the nightly rounds (made, closed, notified), a submitted
inspection doing its round, and the rounds an inspector opens on.

Placement and windows are ``inspections.planning`` (pure); the rules where the design was silent are written
there and in the README ("Plans, rounds and coverage")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts.models import Contract, ContractStatus
from inspections import planning
from inspections.choices import InspectionKind, RoundStatus
from inspections.models import Inspection, InspectionPlan, InspectionStatus, Round
from logistics import selectors as logistics_selectors
from logistics.access import is_inspector, is_office
from logistics.models import KeyPoint, stamp
from logistics.notify import notify, notify_office, notify_vendor
from logistics.quarters import local_date
from logistics.quarters import today as local_today

if TYPE_CHECKING:
    from logistics.models import User

#: how far back the nightly job makes rounds it did not make (a worker down for a few days)
CATCH_UP_DAYS = 14
OPEN = (RoundStatus.DUE, RoundStatus.MISSED)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- plans ----------------------------------------------------------------------------------------------
def _check_people_and_places(
    plan: InspectionPlan, inspectors: Sequence[Any], key_points: Sequence[KeyPoint]
) -> dict[str, list[Any]]:
    errors: dict[str, list[Any]] = {}
    if plan.kind == InspectionKind.SELF:
        if inspectors:
            errors["inspectors"] = [_("A self-check is done by the vendor: leave the inspectors empty.")]
    elif not inspectors:
        errors["inspectors"] = [_("Name at least one inspector for the office's rounds.")]
    elif any(not (is_inspector(user) or is_office(user)) for user in inspectors):
        errors["inspectors"] = [_("Only inspectors and the logistics office can be given rounds.")]
    if key_points:
        if plan.site_id is None:
            errors["key_points"] = [_("Choose the site of these key points.")]
        elif any(point.site_id != plan.site_id for point in key_points):
            errors["key_points"] = [_("A key point does not belong to the chosen site.")]
    return errors


def plan_problems(
    plan: InspectionPlan,
    inspectors: Sequence[Any] = (),
    key_points: Sequence[KeyPoint] = (),
    *,
    today: dt.date | None = None,
    allow_past: bool = False,
) -> dict[str, list[Any]]:
    """Field -> messages of what is wrong with a new plan (empty when it can be made); the admin form shows
    them beside its fields and ``plan_create`` refuses with them."""
    today = today or local_today()
    errors: dict[str, list[Any]] = {}
    try:
        plan.full_clean(exclude=["created_by", "replaces"], validate_unique=False)
    except ValidationError as exc:
        errors = {k: list(v) for k, v in exc.message_dict.items()}
    for field, messages in _check_people_and_places(plan, inspectors, key_points).items():
        errors.setdefault(field, []).extend(messages)
    if plan.effective_from and plan.effective_from < today and not allow_past:
        errors.setdefault("effective_from", []).append(
            _("A plan takes effect today or later: the rounds already made are not rewritten.")
        )
    old = plan.replaces
    if old is not None and plan.effective_from:
        if old.contract_id != plan.contract_id:
            errors.setdefault("replaces", []).append(_("A plan can only replace a plan of the same contract."))
        elif plan.effective_from <= old.effective_from:
            errors.setdefault("effective_from", []).append(
                _("The change must take effect after the plan it replaces (in force from %(date)s).")
                % {"date": old.effective_from.isoformat()}
            )
        elif old.effective_to is not None and old.effective_to < plan.effective_from - planning.ONE_DAY:
            errors.setdefault("replaces", []).append(_("That plan has already ended."))
    return errors


@transaction.atomic
def plan_create(
    *,
    by: User | None,
    inspectors: Sequence[Any] = (),
    key_points: Sequence[KeyPoint] = (),
    today: dt.date | None = None,
    allow_past: bool = False,
    **fields: Any,
) -> InspectionPlan:
    """A new plan. With ``replaces`` it is a change of that plan: the old one ends the day before this one
    takes effect, and its rounds not yet done from that day on are dropped (the new plan makes them).
    ``allow_past`` (the demo, tests, an import) lets it take effect before today."""
    plan = InspectionPlan(created_by=by, **fields)
    if plan.replaces_id:
        plan.replaces = InspectionPlan.objects.select_for_update().get(pk=plan.replaces_id)
    errors = plan_problems(plan, inspectors, key_points, today=today, allow_past=allow_past)
    if errors:
        raise ValidationError(errors)
    old = plan.replaces
    if old is not None:
        old.effective_to = plan.effective_from - planning.ONE_DAY
        stamp(old, by=by, reason=_("Replaced from %(date)s") % {"date": plan.effective_from.isoformat()})
        old.save(update_fields=["effective_to", "updated_at"])
        Round.objects.filter(plan=old, due_on__gte=plan.effective_from, status__in=OPEN).delete()
    stamp(plan, by=by)
    plan.save()
    plan.inspectors.set(inspectors)
    plan.key_points.set(key_points)
    return plan


@transaction.atomic
def plan_end(*, plan: InspectionPlan, last_day: dt.date, by: User | None) -> InspectionPlan:
    """Stop a plan after ``last_day`` (not before its start); its rounds after that day not yet done are dropped."""
    if last_day < plan.effective_from:
        raise ValidationError({"effective_to": _("The plan cannot end before it takes effect.")})
    plan.effective_to = last_day
    stamp(plan, by=by, reason=_("Ended after %(date)s") % {"date": last_day.isoformat()})
    plan.save(update_fields=["effective_to", "updated_at"])
    Round.objects.filter(plan=plan, due_on__gt=last_day, status__in=OPEN).delete()
    return plan


# --- rounds ---------------------------------------------------------------------------------------------
def _plans_in_force(first: dt.date, last: dt.date) -> QuerySet:
    return (
        InspectionPlan.objects.filter(effective_from__lte=last)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=first))
        .filter(contract__status=ContractStatus.ACTIVE, contract__start_date__lte=last, contract__end_date__gte=first)
        .select_related("contract")
        .order_by("pk")
    )


def rounds_create(first: dt.date, last: dt.date) -> int:
    """Make the rounds the plans give from ``first`` to ``last`` (safe to run twice: one round per plan and
    day); rounds whose window has opened take the inspections already submitted for them. Returns how many
    rounds were made."""
    plans = list(_plans_in_force(first, last))
    if not plans:
        return 0
    # the calendar over every period these days fall in (a month either side is enough)
    calendar = logistics_selectors.work_calendar(first - dt.timedelta(days=31), last + dt.timedelta(days=31))
    zone = _zone()
    rows = []
    for plan in plans:
        spec = plan.spec()
        contract = plan.contract
        start = max(first, contract.start_date)
        end = min(last, contract.effective_end)
        for day in planning.due_days(spec, start, end, calendar):
            opens, closes, late_until = planning.window(spec, day, zone)
            rows.append(
                Round(
                    plan=plan,
                    contract_id=plan.contract_id,
                    kind=plan.kind,
                    due_on=day,
                    opens_at=opens,
                    closes_at=closes,
                    late_until=late_until,
                )
            )
    if not rows:
        return 0
    with transaction.atomic():
        before = Round.objects.filter(due_on__gte=first, due_on__lte=last).count()
        Round.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        made = Round.objects.filter(due_on__gte=first, due_on__lte=last).count() - before
        if made:
            _attach_submitted(first, last)
    return made


@transaction.atomic
def round_excuse(*, round: Round, reason: str, by: User | None) -> Round:
    """The office excuses a round that is not done (the site closed for works, the check moved by agreement, a
    vendor's objection upheld): it is no longer due, not missed and never priced. With a reason, in the history."""
    row = Round.objects.select_for_update().get(pk=round.pk)
    if not reason.strip():
        raise ValidationError({"note": _("Give the reason the round is excused.")})
    if row.status not in OPEN:
        raise ValidationError(
            _("Only a round that is due or missed can be excused; this one is %(status)s.")
            % {"status": row.get_status_display()}
        )
    row.status, row.note = RoundStatus.EXCUSED, reason.strip()[:300]
    stamp(row, by=by, reason=row.note)
    row.save(update_fields=["status", "note"])
    return row


def rounds_close(now: dt.datetime | None = None) -> int:
    """Mark missed every due round whose window has passed (safe to run twice). Returns how many."""
    now = now or timezone.now()
    return Round.objects.filter(status=RoundStatus.DUE, closes_at__lte=now).update(status=RoundStatus.MISSED)


@dataclass(frozen=True)
class _Candidate:
    round: Round
    site_id: int | None
    key_point_ids: frozenset[int]


def _candidates(contract_ids: Iterable[int], first: dt.datetime, last: dt.datetime) -> list[_Candidate]:
    """The open rounds of these contracts that an inspection started between ``first`` and ``last`` may do."""
    rounds = list(
        Round.objects.filter(
            contract_id__in=list(contract_ids),
            status__in=OPEN,
            inspection__isnull=True,
            opens_at__lte=last,
            late_until__gt=first,
        )
        .select_related("plan")
        .order_by("due_on", "pk")
    )
    points: dict[int, set[int]] = defaultdict(set)
    through = InspectionPlan.key_points.through
    for plan_id, point_id in through.objects.filter(inspectionplan_id__in={r.plan_id for r in rounds}).values_list(
        "inspectionplan_id", "keypoint_id"
    ):
        points[plan_id].add(point_id)
    return [_Candidate(r, r.plan.site_id, frozenset(points.get(r.plan_id, ()))) for r in rounds]


def _pick(
    inspection: Inspection, key_point_ids: set[int], candidates: list[_Candidate], wanted: int | None = None
) -> tuple[_Candidate, str] | None:
    """The round an inspection does: the one the tablet opened it from when it fits, else the round whose
    window it started in, else the oldest round still open for a late check; (candidate, status) or None."""
    started = inspection.started_at
    fitting = [
        c
        for c in candidates
        if c.round.inspection_id is None
        and c.round.contract_id == inspection.contract_id
        and c.round.kind == inspection.kind
        and (c.site_id is None or c.site_id == inspection.site_id)
        and c.key_point_ids <= key_point_ids
        and c.round.opens_at <= started < c.round.late_until
    ]
    in_window = [c for c in fitting if started < c.round.closes_at]
    late = [c for c in fitting if started >= c.round.closes_at]
    for group in (in_window, late):
        if wanted is not None:
            chosen = [c for c in group if c.round.pk == wanted]
            if chosen:
                group = chosen
        if group:
            chosen = group[0]
            return chosen, RoundStatus.DONE if started < chosen.round.closes_at else RoundStatus.LATE
    return None


def round_for_inspection(
    inspection: Inspection, wanted: int | None = None, key_point_ids: set[int] | None = None
) -> Round | None:
    """Called when an inspection is submitted: the round it does, marked done or late (None: unplanned).

    A retried submission never gets here twice (it returns the inspection already submitted), and the round
    holds one inspection (a unique column), so a round counts once."""
    started = inspection.started_at
    candidates = _candidates([inspection.contract_id], started, started)
    if key_point_ids is None:
        key_point_ids = set(inspection.key_points.values_list("pk", flat=True))
    picked = _pick(inspection, key_point_ids, candidates, wanted)
    if picked is None:
        return None
    candidate, status = picked
    row = candidate.round
    updated = Round.objects.filter(pk=row.pk, inspection__isnull=True).update(
        status=status, inspection=inspection, done_at=inspection.submitted_at or timezone.now()
    )
    if not updated:  # taken by a concurrent submission: try the next one
        return None
    row.refresh_from_db()
    return row


def _attach_submitted(first: dt.date, last: dt.date) -> int:
    """Rounds made after their window opened (the catch-up) take the inspections already submitted."""
    zone = _zone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=8), dt.time.min, tzinfo=zone)
    inspections = list(
        Inspection.objects.filter(
            status=InspectionStatus.SUBMITTED, started_at__gte=start, started_at__lt=end, round__isnull=True
        )
        .prefetch_related("key_points")
        .order_by("started_at", "pk")
    )
    if not inspections:
        return 0
    grouped: dict[tuple[int, str], list[_Candidate]] = defaultdict(list)
    for candidate in _candidates({i.contract_id for i in inspections}, start, end):
        grouped[(candidate.round.contract_id, candidate.round.kind)].append(candidate)
    attached = 0
    for inspection in inspections:
        candidates = grouped.get((inspection.contract_id, inspection.kind))
        if not candidates:
            continue
        picked = _pick(inspection, {k.pk for k in inspection.key_points.all()}, candidates)
        if picked is None:
            continue
        candidate, status = picked
        Round.objects.filter(pk=candidate.round.pk, inspection__isnull=True).update(
            status=status, inspection=inspection, done_at=inspection.submitted_at
        )
        candidates.remove(candidate)  # taken: not offered to the next inspection
        attached += 1
    return attached


# --- the hourly job ------------------------------------------------------------------------------------
#: the hour (local) from which the day's rounds are sent to the people who do them
MORNING = dt.time(6, 0)


def rounds_tick(now: dt.datetime | None = None) -> dict[str, int]:
    """The rounds job (hourly, beat): make the rounds up to tomorrow (and those of the last CATCH_UP_DAYS a
    stopped worker did not make), mark the passed ones missed and tell who does them what was missed, and from
    MORNING on tell each inspector and vendor what is due today. Safe to run twice: nothing is made, marked or
    sent twice."""
    now = now or timezone.now()
    today = local_date(now)
    made = rounds_create(today - dt.timedelta(days=CATCH_UP_DAYS), today + planning.ONE_DAY)
    missed = rounds_close(now)
    sent = _notify_missed()
    if timezone.localtime(now).time() >= MORNING:
        sent += _notify_due(today)
    sent += _warn_unknown_calendar(today)
    return {"rounds_made": made, "rounds_missed": missed, "round_notices": sent}


def _round_line(row: Round) -> str:
    site = row.plan.site.display_name if row.plan.site_id else ""
    return " · ".join(
        part
        for part in (
            row.contract.number,
            str(row.get_kind_display()),
            site,
            f"{timezone.localtime(row.opens_at):%H:%M}–{timezone.localtime(row.closes_at):%H:%M}",
        )
        if part
    )


def _by_person(rows: list[Round]) -> tuple[dict[Any, list[Round]], dict[Any, list[Round]]]:
    """Who each round concerns: its plan's inspectors (office kinds) or its contract's vendor (self-checks)."""
    users: dict[Any, list[Round]] = defaultdict(list)
    vendors: dict[Any, list[Round]] = defaultdict(list)
    for row in rows:
        if row.kind == InspectionKind.SELF:
            vendors[row.contract.vendor].append(row)
        else:
            for user in row.plan.inspectors.all():
                users[user].append(row)
    return users, vendors


def _rounds(queryset: QuerySet) -> list[Round]:
    return list(
        queryset.select_related("contract__vendor", "plan__site")
        .prefetch_related("plan__inspectors")
        .order_by("due_on", "opens_at", "pk")
    )


def _notify_due(day: dt.date) -> int:
    rows = _rounds(Round.objects.filter(due_on=day, status=RoundStatus.DUE))
    users, vendors = _by_person(rows)
    sent = 0
    with override(settings.LANGUAGE_CODE):
        subject = _("Rounds due on %(date)s: %(count)d")
        for user, mine in users.items():
            sent += len(
                notify(
                    users=[user],
                    subject=subject % {"date": day.isoformat(), "count": len(mine)},
                    body="\n".join(_round_line(r) for r in mine),
                    dedup_key=f"rounds-due:{day.isoformat()}:user:{user.pk}",
                )
            )
        for vendor, mine in vendors.items():
            sent += len(
                notify_vendor(
                    vendor,
                    subject=_("Self-checks due on %(date)s: %(count)d") % {"date": day.isoformat(), "count": len(mine)},
                    body="\n".join(_round_line(r) for r in mine),
                    dedup_key=f"rounds-due:{day.isoformat()}:vendor:{vendor.pk}",
                )
            )
    return sent


def _notify_missed() -> int:
    rows = _rounds(Round.objects.filter(status=RoundStatus.MISSED, missed_notified=False))
    if not rows:
        return 0
    users, vendors = _by_person(rows)
    sent = 0
    with override(settings.LANGUAGE_CODE):
        for user, mine in users.items():
            sent += len(
                notify(
                    users=[user],
                    subject=_("Missed rounds: %(count)d") % {"count": len(mine)},
                    body="\n".join(f"{r.due_on.isoformat()} {_round_line(r)}" for r in mine),
                    dedup_key=f"rounds-missed:{min(r.pk for r in mine)}:{max(r.pk for r in mine)}:user:{user.pk}",
                )
            )
        for vendor, mine in vendors.items():
            sent += len(
                notify_vendor(
                    vendor,
                    subject=_("Missed self-checks: %(count)d") % {"count": len(mine)},
                    body="\n".join(f"{r.due_on.isoformat()} {_round_line(r)}" for r in mine),
                    dedup_key=f"rounds-missed:{min(r.pk for r in mine)}:{max(r.pk for r in mine)}:vendor:{vendor.pk}",
                )
            )
    Round.objects.filter(pk__in=[r.pk for r in rows]).update(missed_notified=True)
    return sent


def _warn_unknown_calendar(day: dt.date) -> int:
    """From 15 December on, tell the office once if next year's official calendar is not in yet (the State
    Council publishes it in November or December)."""
    if (day.month, day.day) < (12, 15):
        return 0
    year = day.year + 1
    if logistics_selectors.calendar_known(year):
        return 0
    with override(settings.LANGUAGE_CODE):
        return len(
            notify_office(
                subject=_("The %(year)d calendar of public holidays is not in yet") % {"year": year},
                body=_(
                    "Rounds on working days follow the official calendar. Import it once the State Council "
                    "publishes it (manage.py calendar_import %(year)d) or enter the days in the admin."
                )
                % {"year": year},
                dedup_key=f"calendar-missing:{year}",
            )
        )


# --- what an inspector opens on -------------------------------------------------------------------------
def rounds_for(user: User, first: dt.date, last: dt.date, contracts: QuerySet | None = None) -> list[Round]:
    """The rounds of ``user`` between two days: an inspector's own (their plans), the office's all of the
    office's kinds, vendor staff their self-checks."""
    rows = Round.objects.filter(due_on__gte=first, due_on__lte=last)
    if contracts is not None:
        rows = rows.filter(contract__in=contracts)
    if is_office(user):
        rows = rows.exclude(kind=InspectionKind.SELF)
    elif is_inspector(user):
        rows = rows.filter(plan__inspectors=user).exclude(kind=InspectionKind.SELF)
    elif getattr(user, "vendor_id", None):
        rows = rows.filter(kind=InspectionKind.SELF, contract__vendor_id=user.vendor_id)
    else:
        return []
    return list(
        rows.select_related("plan__site", "contract", "inspection")
        .prefetch_related("plan__key_points")
        .order_by("due_on", "opens_at", "pk")
    )


def contracts_with_plans() -> QuerySet:
    return Contract.objects.filter(plans__isnull=False).distinct()
