"""Inspection use cases: draft sync from the tablet, idempotent submission, photos, signatures, sign-offs,
amendments."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from contracts.models import Contract, ContractStatus
from inspections import calculations
from inspections.choices import ANSWER_RESULTS, AnswerType
from inspections.models import (
    INSPECTION_FLOW,
    OFFICE_KINDS,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAmendment,
    InspectionKind,
    InspectionPhoto,
    InspectionSignature,
    InspectionSignoff,
    InspectionStatus,
    ItemResult,
    ItemResultChoice,
    JointRectificationCheck,
    RectificationOrder,
    RectificationStatus,
)
from inspections.services.plans import round_for_inspection
from logistics.access import is_inspector, is_office, is_vendor_user
from logistics.immutability import allow_locked_changes
from logistics.models import Department, KeyPoint, Site, stamp
from logistics.policy import may
from logistics.quarters import local_date
from logistics.uploads import clean_photo

if TYPE_CHECKING:
    from logistics.models import User


MAX_PHOTOS_PER_ITEM = 5
#: a reading is a plain decimal number of at most this many decimal places (the column keeps 3)
READING_PLACES = 3
#: the manager the bulk writes of a draft's item results go through: simple-history writes their history rows
#: itself (the default manager's audited update would write them a second time, without the user); the
#: service has locked the draft and checked it is one, so the locked-row guard has nothing to add
PLAIN = ItemResult._base_manager


#: an item result's columns the tablet's answer (and, at submission, its points) writes
ANSWER_COLUMNS = ("result", "points", "note", "reading", "post_check", "awarded")


class InspectionInvalid(ValidationError):
    """The submission has problems; ``message_dict`` says which field or item (``items.<code>``)."""


def parse_points(value: Any) -> Decimal:
    """Partial points as typed or sent by a tablet: a finite decimal number, or ValueError (never a 500 for
    "NaN", "Infinity", "1e999" or text)."""
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a number: {value!r}") from None
    if not points.is_finite() or abs(points) > Decimal("1e6"):
        raise ValueError(f"not a finite number of points: {value!r}")
    return points


def parse_reading(value: Any) -> Decimal:
    """A reading as typed: a finite decimal number (a comma as the decimal mark too) of at most three decimal
    places and below a billion, or ValueError."""
    reading = parse_points(str(value).strip().replace(",", ".").replace("，", "."))
    if reading.as_tuple().exponent < -READING_PLACES:  # type: ignore[operator]
        raise ValueError(f"too many decimals: {value!r}")
    return reading


def missing_answer_message(item: ChecklistItem) -> str:
    """What the tablet says next to an item left unanswered, by what the item asks for."""
    if item.answer_type == AnswerType.READING:
        return _("Enter the reading (%(range)s), or choose n.a.") % {"range": item.allowed_range}
    if item.answer_type == AnswerType.SIGNATURE:
        return _("Sign here: the signature is missing.")
    if item.answer_type == AnswerType.POST:
        return _("Tick who of the roster is at work on the post (or say nobody is), or choose n.a.")
    return _("Choose pass, partial, fail or n.a.")


# --- who may inspect what -----------------------------------------------------------------------------
def kinds_for(user: User) -> list[str]:
    if is_office(user):
        return [*OFFICE_KINDS]
    if is_inspector(user):
        return [*OFFICE_KINDS]
    if is_vendor_user(user):
        return [InspectionKind.SELF]
    return []


def contracts_for_inspection(user: User) -> QuerySet:
    """Contracts ``user`` may inspect: the office any active one; an inspector those assigned to them;
    vendor staff their own (self-checks)."""
    active = Contract.objects.filter(status=ContractStatus.ACTIVE)
    if is_office(user):
        return active
    if is_inspector(user):
        return active.filter(inspectors=user)
    if is_vendor_user(user):
        return active.filter(vendor_id=user.vendor_id)
    return active.none()


def templates_for(kind: str, category_id: int) -> QuerySet:
    template_kind = InspectionKind.DAILY if kind == InspectionKind.SELF else kind
    return ChecklistTemplate.objects.filter(category_id=category_id, kind__in={kind, template_kind})


# --- payload --------------------------------------------------------------------------------------------
@dataclass
class Payload:
    """What the tablet sends: the whole draft, every time (last write wins while it is a draft)."""

    key: uuid.UUID
    kind: str
    contract_id: int
    template_id: int | None
    site_id: int | None = None
    key_point_ids: list[int] = field(default_factory=list)
    started_at: dt.datetime | None = None
    summary: str = ""
    vendor_representative: str = ""
    department_ids: list[int] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # item code -> {result, points, note}
    rectification_checks: dict[int, dict[str, str]] = field(default_factory=dict)  # order id -> {result, note}
    round_id: int | None = None  # the round the tablet opened the form from (a hint: the round must fit)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Payload:
        errors: dict[str, list[str]] = {}
        try:
            key = uuid.UUID(str(data.get("key", "")))
        except ValueError:
            errors["key"] = [_("The form lost its identity; reload the page.")]
            key = uuid.uuid4()

        def to_int(name: str, required: bool = False) -> int | None:
            raw = data.get(name)
            if raw in (None, ""):
                if required:
                    errors[name] = [_("This field is required.")]
                return None
            try:
                return int(raw)
            except (TypeError, ValueError):
                errors[name] = [_("Choose a valid option.")]
                return None

        def to_ints(name: str) -> list[int]:
            try:
                return [int(v) for v in data.get(name) or []]
            except (TypeError, ValueError):
                errors[name] = [_("Choose valid options.")]
                return []

        started = data.get("started_at")
        try:
            started_at = parse_datetime(started) if isinstance(started, str) else None
        except ValueError:  # well formed but impossible, e.g. 12:99
            errors["started_at"] = [_("Enter a valid date/time.")]
            started_at = None
        results = data.get("results") or {}
        if not isinstance(results, dict):
            errors["results"] = [_("The answers are malformed.")]
            results = {}
        checks = {}
        raw_checks = data.get("rectification_checks") or {}
        if not isinstance(raw_checks, dict):
            errors["rectification_checks"] = [_("The rectification checks are malformed.")]
            raw_checks = {}
        for order_id, check in raw_checks.items():
            try:
                checks[int(order_id)] = {"result": str(check.get("result", "")), "note": str(check.get("note", ""))}
            except (TypeError, ValueError, AttributeError):
                errors["rectification_checks"] = [_("The rectification checks are malformed.")]
        payload = cls(
            key=key,
            kind=str(data.get("kind", "")),
            contract_id=to_int("contract", required=True) or 0,
            template_id=to_int("template"),
            site_id=to_int("site"),
            key_point_ids=to_ints("key_points"),
            started_at=started_at,
            summary=str(data.get("summary", ""))[:5000],
            vendor_representative=str(data.get("vendor_representative", ""))[:100],
            department_ids=to_ints("departments"),
            results={str(k): v for k, v in results.items() if isinstance(v, dict)},
            rectification_checks=checks,
            round_id=to_int("round"),
        )
        if errors:
            raise InspectionInvalid(errors)
        return payload


# --- validation -----------------------------------------------------------------------------------------
@dataclass
class Checked:
    contract: Contract
    template: ChecklistTemplate | None
    site: Site | None
    key_points: list[KeyPoint]
    departments: list[Department]
    items: list[ChecklistItem]
    answers: dict[int, Answer]  # by item id
    item_errors: dict[str, list[str]]


@dataclass(frozen=True)
class Answer:
    """An item's answer as it is stored: a reading's result follows from its range, not from the tablet."""

    result: str
    points: Decimal | None
    note: str
    reading: Decimal | None = None
    post_check: dict[str, Any] | None = None


def _post_answer(item: ChecklistItem, answer: dict[str, Any], roster: PostRoster | None) -> Answer | str | None:
    """A post check: the post (of the item's role on the contract) and who the inspector found at work on it, from
    its roster of the day. The result follows: fail when fewer than the post's people on duty, or when anyone
    there lacks a valid required certificate."""
    from contracts import staffing

    result = str(answer.get("result") or "")
    note = str(answer.get("note") or "")[:1000]
    if result == ItemResultChoice.NA:
        return Answer(ItemResultChoice.NA, None, note)
    present = answer.get("present")
    if present is None:
        return None
    posts = roster.by_role.get(item.post_role_id, []) if roster is not None else []
    if not posts:
        return _("This contract has no post of this kind on its roster: choose n.a.")
    chosen = answer.get("post")
    post = (
        posts[0]
        if chosen in (None, "") and len(posts) == 1
        else next((p for p in posts if str(p.post.id) == str(chosen)), None)
    )
    if post is None:
        return _("Choose which post you checked.")
    if not isinstance(present, list):
        return _("The people at work are malformed.")
    on_post = {person.staff_id: person for person in post.people}
    try:
        ids = list(dict.fromkeys(int(x) for x in present))
    except (TypeError, ValueError):
        return _("The people at work are malformed.")
    strangers = [x for x in ids if x not in on_post]
    if strangers:
        return _("Only people on this post's roster of the day can be ticked; reload the roster.")
    people = [on_post[x] for x in ids]
    check = staffing.post_check(post.post.on_duty, people)
    snapshot = {
        "post": post.post.id,
        "name": post.post.label,
        "name_en": roster.labels_en.get(post.post.id, "") if roster is not None else "",
        "required": check.required,
        "present": [
            {
                "id": person.staff_id,
                "name": person.name,
                "lacking": list(person.lacking),
                "lacking_en": list(roster.lacking_en.get((post.post.id, person.staff_id), ())) if roster else [],
            }
            for person in people
        ],
    }
    return Answer(check.result, None, note, None, snapshot)


def _answer(item: ChecklistItem, answer: dict[str, Any], roster: PostRoster | None = None) -> Answer | str | None:
    """The answer to ``item`` the tablet sent, a message saying what is wrong with it, or None (unanswered)."""
    if item.answer_type == AnswerType.POST:
        return _post_answer(item, answer, roster)
    result = str(answer.get("result") or "")
    note = str(answer.get("note") or "")[:1000]
    if item.answer_type == AnswerType.READING:
        if result == ItemResultChoice.NA:
            return Answer(ItemResultChoice.NA, None, note)
        raw = answer.get("reading")
        if raw in (None, "") or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            reading = parse_reading(raw)
        except ValueError:
            return _("Enter the reading as a number with at most 3 decimals (%(range)s).") % {
                "range": item.allowed_range
            }
        return Answer(calculations.reading_result(reading, item.min_value, item.max_value), None, note, reading)
    if not result:
        return None
    if result not in allowed_results(item):
        if item.answer_type == AnswerType.SIGNATURE:
            return missing_answer_message(item)
        return _("Choose pass, partial, fail or n.a.")
    points = None
    if result == ItemResultChoice.PARTIAL:
        message = _("Enter the points given, between 0 and %(max)s.") % {"max": item.max_points}
        try:
            points = parse_points(answer.get("points"))
        except ValueError:
            return message
        if not (Decimal(0) <= points <= item.max_points) or points.as_tuple().exponent < -2:  # type: ignore[operator]
            return message
    return Answer(result, points, note)


def allowed_results(item: ChecklistItem) -> tuple[str, ...]:
    return ANSWER_RESULTS[AnswerType(item.answer_type)]


def _check_header(user: User, payload: Payload) -> tuple[Contract, ChecklistTemplate | None]:
    if payload.kind not in kinds_for(user):
        raise InspectionInvalid({"kind": [_("You cannot fill this kind of inspection.")]})
    contract = contracts_for_inspection(user).filter(pk=payload.contract_id).select_related("category").first()
    if contract is None:
        raise InspectionInvalid({"contract": [_("This contract is not assigned to you, or it is not active.")]})
    template = None
    if payload.kind != InspectionKind.EXTERNAL:
        template = (
            templates_for(payload.kind, contract.category_id).filter(pk=payload.template_id).first()
            if payload.template_id
            else None
        )
        if template is None:
            raise InspectionInvalid({"template": [_("Choose a checklist for this contract's service.")]})
    return contract, template


def _check(user: User, payload: Payload) -> Checked:
    contract, template = _check_header(user, payload)
    errors: dict[str, list[str]] = {}
    site = None
    if payload.site_id:
        site = contract.sites.filter(pk=payload.site_id).first() or (
            Site.objects.filter(pk=payload.site_id).first() if not contract.sites.exists() else None
        )
        if site is None:
            errors["site"] = [_("This site is not covered by the contract.")]
    key_points = list(KeyPoint.objects.filter(pk__in=payload.key_point_ids, site=site)) if site else []
    if len(key_points) != len(set(payload.key_point_ids)):
        errors["key_points"] = [_("A key point does not belong to the chosen site.")]
    departments = list(Department.objects.filter(pk__in=payload.department_ids))
    items = list(template.items.all()) if template else []
    roster = (
        post_roster(contract, local_date(_started_at(payload)))
        if any(item.answer_type == AnswerType.POST for item in items)
        else None
    )
    answers: dict[int, Answer] = {}
    item_errors: dict[str, list[str]] = {}
    for item in items:
        answer = _answer(item, payload.results.get(item.code) or {}, roster)
        if isinstance(answer, Answer):
            answers[item.pk] = answer
        elif answer is not None:
            item_errors[item.code] = [answer]
    if errors:
        raise InspectionInvalid(errors)
    return Checked(contract, template, site, key_points, departments, items, answers, item_errors)


@dataclass
class PostRoster:
    """The contract's posts of the day with the people on them (in the active language and, for the record, the
    names in English too): read once for a checklist with post checks, whatever their number."""

    by_role: dict[int, list[Any]]
    labels_en: dict[int, str]
    lacking_en: dict[tuple[int, int], tuple[str, ...]]


def post_roster(contract: Contract, day: dt.date) -> PostRoster:
    from contracts.selectors_staffing import staffing_compliance_in

    # the record keeps the Chinese names and the English ones (an inspection is read in both languages)
    chinese, in_english = staffing_compliance_in([contract.pk], day, ["zh-hans", "en"])
    posts = chinese.get(contract.pk, [])
    english = {p.post.id: p for p in in_english.get(contract.pk, [])}
    by_role: dict[int, list[Any]] = {}
    for post in posts:
        by_role.setdefault(post.post.role_id, []).append(post)
    return PostRoster(
        by_role,
        {pk: p.post.label for pk, p in english.items()},
        {(pk, person.staff_id): person.lacking for pk, p in english.items() for person in p.people},
    )


def _started_at(payload: Payload) -> dt.datetime:
    now = timezone.now()
    started = payload.started_at
    if started is None or timezone.is_naive(started):
        return now
    # a tablet's clock may be off; an inspection cannot start in the future or more than a week ago
    if started > now + dt.timedelta(minutes=10) or started < now - dt.timedelta(days=7):
        return now
    return started


# --- draft sync and submission --------------------------------------------------------------------------
def _draft_for(payload: Payload, user: User, checked: Checked, existing: Inspection | None = None) -> Inspection:
    """The draft of ``payload.key``, created on first sight with its creator as its inspector (safe against two
    requests at once). ``existing``: the row the caller already read and locked for this key."""
    if existing is None:
        existing = Inspection.objects.select_for_update().filter(idempotency_key=payload.key).first()
    if existing is not None:
        if existing.created_by_id != user.pk:
            raise InspectionInvalid({"key": [_("This form belongs to someone else.")]})
        return existing
    started = _started_at(payload)
    try:
        with transaction.atomic():
            created = Inspection.objects.create(
                idempotency_key=payload.key,
                kind=payload.kind,
                contract=checked.contract,
                template=checked.template,
                created_by=user,
                started_at=started,
                inspected_on=local_date(started),
            )
            created.inspectors.add(user)  # a draft is its creator's alone ("belongs to someone else")
            return created
    except IntegrityError:  # the same key arrived twice at once: use the row the other request created
        return Inspection.objects.select_for_update().get(idempotency_key=payload.key)


def _write_draft(
    inspection: Inspection,
    payload: Payload,
    checked: Checked,
    user: User,
    *,
    awarded: dict[int, Decimal | None] | None = None,
) -> list[ItemResult]:
    """Write the draft's header, its lists and its item results; returns the item results (each with its item).

    At submission ``awarded`` holds each answered item's points: they are written in the same statements as
    the answers, and the inspection itself is left for the caller to save once, locked."""
    inspection.kind = payload.kind
    inspection.contract = checked.contract
    inspection.template = checked.template
    inspection.site = checked.site
    inspection.summary = payload.summary
    inspection.vendor_representative = payload.vendor_representative
    if awarded is None:
        inspection.save()
    inspection.key_points.set(checked.key_points)
    inspection.departments.set(checked.departments)
    items = {item.pk: item for item in checked.items}
    existing = {r.item_id: r for r in inspection.results.all()}
    kept, created, changed = [], [], []
    fields: set[str] = set()  # the columns some row changes: the bulk update writes those only (a CASE each)
    for item_id, answer in checked.answers.items():
        row = existing.pop(item_id, None)
        points = awarded.get(item_id) if awarded is not None else None
        values = (answer.result, answer.points, answer.note, answer.reading, answer.post_check, points)
        if row is None:
            created.append(
                ItemResult(
                    inspection=inspection,
                    item=items[item_id],
                    result=answer.result,
                    points=answer.points,
                    note=answer.note,
                    reading=answer.reading,
                    post_check=answer.post_check,
                    awarded=points,
                )
            )
            continue
        before = (row.result, row.points, row.note, row.reading, row.post_check, row.awarded)
        if before != values:
            fields.update(name for name, old, new in zip(ANSWER_COLUMNS, before, values, strict=True) if old != new)
            row.result, row.points, row.note, row.reading, row.post_check, row.awarded = values
            changed.append(row)
        kept.append(row)
    # in bulk, with their audit history rows: the same number of queries for 10 items as for 40
    if created:
        created = bulk_create_with_history(created, ItemResult, default_user=user)
    if changed:
        columns = [name for name in ANSWER_COLUMNS if name in fields]
        bulk_update_with_history(changed, ItemResult, columns, default_user=user, manager=PLAIN)
    stale = [row.pk for item_id, row in existing.items() if item_id not in checked.answers]
    if stale:
        ItemResult.objects.filter(pk__in=stale).delete()
    rows = kept + list(created)
    for row in rows:
        row.item = items[row.item_id]
    return rows


@transaction.atomic
def inspection_sync(*, user: User, data: dict[str, Any]) -> tuple[Inspection, dict[str, list[str]]]:
    """Save the tablet's draft (created on first sight). Returns the draft and per-item problems, which
    do not stop the save: nothing the inspector entered is lost."""
    payload = Payload.from_data(data)
    checked = _check(user, payload)
    inspection = _draft_for(payload, user, checked)
    if inspection.is_submitted:
        return inspection, {}
    _write_draft(inspection, payload, checked, user)
    return inspection, {f"items.{code}": errors for code, errors in checked.item_errors.items()}


@transaction.atomic
def _submit(*, user: User, data: dict[str, Any]) -> tuple[Inspection, bool]:
    payload = Payload.from_data(data)
    existing = Inspection.objects.select_for_update().filter(idempotency_key=payload.key).first()
    if existing is not None and existing.is_submitted:  # a retry, or a concurrent submission got here first
        return existing, False
    checked = _check(user, payload)
    inspection = _draft_for(payload, user, checked, existing)
    errors: dict[str, list[str]] = {f"items.{code}": e for code, e in checked.item_errors.items()}
    photos = set(inspection.photos.values_list("item_id", flat=True))
    signed = set(inspection.signatures.values_list("item_id", flat=True))
    for item in checked.items:
        answer = checked.answers.get(item.pk)
        if answer is None or (item.answer_type == AnswerType.SIGNATURE and item.pk not in signed):
            if f"items.{item.code}" not in errors:
                errors[f"items.{item.code}"] = [missing_answer_message(item)]
        elif answer.result == ItemResultChoice.FAIL and item.photo_required_on_fail and item.pk not in photos:
            errors.setdefault(f"items.{item.code}", []).append(_("A photo is required when this item fails."))
    if payload.kind == InspectionKind.MONTHLY_JOINT and not payload.vendor_representative.strip():
        errors["vendor_representative"] = [_("Name the vendor's representative at the joint inspection.")]
    if errors:
        raise _Rejected(inspection, errors)
    items = {item.pk: item for item in checked.items}
    answers = {
        item_id: calculations.ItemAnswer(answer.result, items[item_id].max_points, answer.points)
        for item_id, answer in checked.answers.items()
    }
    rows = _write_draft(
        inspection,
        payload,
        checked,
        user,
        awarded={item_id: calculations.awarded(answer) for item_id, answer in answers.items()},
    )
    _lock(inspection, calculations.score(answers.values()), user, rows, photos)
    round_for_inspection(inspection, payload.round_id, key_point_ids={point.pk for point in checked.key_points})
    if payload.kind == InspectionKind.MONTHLY_JOINT:
        _record_joint_checks(inspection, payload, user)
    return inspection, True


class _Rejected(Exception):
    """Carries a saved draft and its problems out of the atomic block without rolling it back."""

    def __init__(self, inspection: Inspection, errors: dict[str, list[str]]) -> None:
        self.inspection = inspection
        self.errors = errors


def inspection_submit(*, user: User, data: dict[str, Any]) -> tuple[Inspection, bool]:
    """Submit an inspection; returns (inspection, created_now).

    Idempotent on the form's key: a retried or doubled submission returns the inspection already submitted,
    unchanged. Problems raise InspectionInvalid (``items.<code>`` keys for items) and the draft, with
    everything entered, stays saved.
    """
    try:
        for attempt in range(3):
            try:
                return _submit(user=user, data=data)
            except IntegrityError as exc:  # two submissions took the same number at once: the later retries
                if attempt == 2 or "number" not in str(exc).lower():
                    raise
        raise AssertionError("unreachable")
    except _Rejected as rejected:
        inspection_sync(user=user, data=data)  # the submission rolled back: keep the draft all the same
        raise InspectionInvalid(rejected.errors)


def _lock(
    inspection: Inspection,
    outcome: calculations.InspectionScore,
    user: User,
    rows: list[ItemResult],
    photo_items: set[int],
) -> None:
    """Number, score and lock the inspection (its item results were written with their points), sign it by the
    submitter and open the rectification orders of its failed items."""
    inspection.number = _next_number()
    inspection.awarded_points = outcome.awarded
    inspection.max_points = outcome.possible
    inspection.score = outcome.score
    inspection.submitted_at = timezone.now()
    INSPECTION_FLOW.advance(inspection, InspectionStatus.SUBMITTED)
    inspection.save()
    # a sign-off needs a submitted inspection, so the submitter's is the first
    InspectionSignoff.objects.create(inspection=inspection, user=user)
    if inspection.kind in OFFICE_KINDS:
        from inspections.services.rectifications import rectifications_for_failed_items

        rectifications_for_failed_items(inspection=inspection, by=user, results=rows, photo_items=photo_items)


def _next_number() -> int:
    """The next inspection number (JC-000124), given at submission so that an abandoned draft leaves no gap.

    The row holding the greatest number is locked until the submission commits (PostgreSQL), so two
    submissions at once take turns; on SQLite writes are serialized anyway. The unique column is the last
    word: ``inspection_submit`` retries a collision."""
    last = (
        Inspection.objects.select_for_update()
        .filter(number__isnull=False)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return (last or 0) + 1


def _record_joint_checks(inspection: Inspection, payload: Payload, user: User) -> None:
    from inspections.services import rectifications as rect

    orders = {
        o.pk: o
        for o in RectificationOrder.objects.filter(pk__in=payload.rectification_checks, contract=inspection.contract)
    }
    for order_id, check in payload.rectification_checks.items():
        order = orders.get(order_id)
        if order is None or check["result"] not in JointRectificationCheck.Result.values:
            continue
        JointRectificationCheck.objects.update_or_create(
            inspection=inspection, order=order, defaults={"result": check["result"], "note": check["note"][:500]}
        )
        if order.status == RectificationStatus.ANSWERED:
            if check["result"] == JointRectificationCheck.Result.DONE:
                rect.rectification_verify(order=order, by=user, note=_("Verified at the monthly joint inspection"))
            else:
                rect.rectification_return(
                    order=order, by=user, reason=check["note"] or _("Not done at the monthly joint inspection")
                )


# --- photos ---------------------------------------------------------------------------------------------
#: why an upload finds no draft to go to: the draft was never saved, or it has been submitted
_NO_DRAFT = {
    InspectionPhoto: (
        gettext_noop("Save the inspection once before adding photos."),
        gettext_noop("This inspection has been submitted; photos can no longer be added."),
    ),
    InspectionSignature: (
        gettext_noop("Save the inspection once before adding a signature."),
        gettext_noop("This inspection has been submitted; it can no longer be signed."),
    ),
}


def _draft_for_upload(
    user: User, key: uuid.UUID, model: type[InspectionPhoto | InspectionSignature], client_id: str
) -> tuple[Inspection, Any]:
    """The user's draft ``key`` an upload (a ``model`` row: a photo, a signature) goes to, locked, and the row
    already stored for ``client_id`` (a retry, answered with it; None otherwise)."""
    unsaved, submitted = _NO_DRAFT[model]
    inspection = Inspection.objects.select_for_update().filter(idempotency_key=key, created_by=user).first()
    if inspection is None:
        raise InspectionInvalid({"key": [_(unsaved)]})
    if client_id:
        existing = model.objects.filter(inspection=inspection, client_id=client_id[:64]).first()
        if existing is not None:
            return inspection, existing
    if inspection.is_submitted:
        raise InspectionInvalid({"key": [_(submitted)]})
    return inspection, None


def _draft_item(inspection: Inspection, item_code: str) -> ChecklistItem:
    item = inspection.template.items.filter(code=item_code).first() if inspection.template else None
    if item is None:
        raise InspectionInvalid({"item": [_("Unknown checklist item.")]})
    return item


@transaction.atomic
def inspection_photo_add(
    *, user: User, key: uuid.UUID, item_code: str, upload: Any, client_id: str = ""
) -> InspectionPhoto:
    """Attach a photo to an item of a draft (re-encoded, EXIF gone). ``client_id`` makes a retry a no-op."""
    inspection, existing = _draft_for_upload(user, key, InspectionPhoto, client_id)
    if existing is not None:
        return existing
    item = _draft_item(inspection, item_code)
    if InspectionPhoto.objects.filter(inspection=inspection, item=item).count() >= MAX_PHOTOS_PER_ITEM:
        raise InspectionInvalid(
            {f"items.{item.code}": [_("At most %(count)d photos per item.") % {"count": MAX_PHOTOS_PER_ITEM}]}
        )
    try:
        cleaned = clean_photo(upload)
    except ValidationError as exc:
        raise InspectionInvalid({f"items.{item.code}": exc.messages})
    photo = InspectionPhoto(inspection=inspection, item=item, client_id=client_id[:64], uploaded_by=user)
    photo.image.save(cleaned.name, cleaned, save=False)
    photo.save()
    return photo


# --- signatures -----------------------------------------------------------------------------------------
@transaction.atomic
def inspection_signature_add(
    *, user: User, key: uuid.UUID, item_code: str, upload: Any, signer_name: str, client_id: str = ""
) -> InspectionSignature:
    """Store the signature drawn for a signature item of a draft (re-encoded as PNG). Signing again replaces
    the draft's signature; ``client_id`` makes a retry of the same upload a no-op."""
    inspection, existing = _draft_for_upload(user, key, InspectionSignature, client_id)
    if existing is not None:
        return existing
    item = _draft_item(inspection, item_code)
    field = f"items.{item.code}"
    if item.answer_type != AnswerType.SIGNATURE:
        raise InspectionInvalid({field: [_("This item does not ask for a signature.")]})
    name = " ".join(str(signer_name or "").split())[:100]
    if not name:
        raise InspectionInvalid({field: [_("Write the signer's name under the signature.")]})
    try:
        cleaned = clean_photo(upload)
    except ValidationError as exc:
        raise InspectionInvalid({field: exc.messages})
    if _blank_image(cleaned):
        raise InspectionInvalid({field: [_("The signature is empty: sign in the box.")]})
    InspectionSignature.objects.filter(inspection=inspection, item=item).delete()
    signature = InspectionSignature(
        inspection=inspection,
        item=item,
        signer_name=name,
        client_id=client_id[:64],
        signed_at=timezone.now(),
        uploaded_by=user,
    )
    signature.image.save(cleaned.name, cleaned, save=False)
    signature.save()
    return signature


def _blank_image(image: Any) -> bool:
    """True when every pixel of the image has one colour (a signature box nobody drew in)."""
    from PIL import Image

    image.seek(0)
    with Image.open(image) as picture:
        low, high = picture.convert("L").getextrema()
    image.seek(0)
    return low == high


# --- after submission -----------------------------------------------------------------------------------
@transaction.atomic
def inspection_signoff(*, inspection: Inspection, user: User, note: str = "") -> InspectionSignoff:
    """A co-inspector (or the vendor's representative) signs a submitted joint inspection."""
    if not inspection.is_submitted:
        raise ValidationError(_("Only a submitted inspection can be signed off."))
    signoff, _created = InspectionSignoff.objects.get_or_create(
        inspection=inspection, user=user, defaults={"note": note[:300]}
    )
    return signoff


@transaction.atomic
@allow_locked_changes()  # the one audited way to change a submitted inspection (past the PostgreSQL trigger)
def inspection_amend(
    *, inspection: Inspection, changes: dict[str, dict[str, Any]], reason: str, by: User
) -> InspectionAmendment:
    """The office changes item results of a submitted inspection; the original stays in the history and the
    amendment records old and new values, who, when and why. The score is recomputed."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if not inspection.is_submitted:
        raise ValidationError(_("A draft is edited directly; amendments are for submitted inspections."))
    if not may(by, "inspection.amend", inspection):
        raise ValidationError(_("Only the logistics office may amend a submitted inspection."))
    if not reason.strip():
        raise ValidationError({"reason": _("Please give the reason for the amendment.")})
    results = {r.item.code: r for r in inspection.results.select_related("item")}
    recorded: dict[str, Any] = {}
    for code, change in changes.items():
        row = results.get(code)
        if row is None:
            raise ValidationError(_("Unknown checklist item %(code)s.") % {"code": code})
        new_result, new_points, new_reading = _amended(row, change)
        new_note = change.get("note", row.note)
        awarded = calculations.awarded(calculations.ItemAnswer(new_result, row.item.max_points, new_points))
        before = _recorded(row.result, row.points, row.note, row.reading, row.item)
        after = _recorded(new_result, new_points, new_note, new_reading, row.item)
        if before == after:
            continue
        recorded[code] = {"before": before, "after": after}
        row.result, row.points, row.note, row.reading, row.awarded = (
            new_result,
            new_points,
            new_note,
            new_reading,
            awarded,
        )
        stamp(row, by=by, reason=reason.strip())
        row.save(update_fields=["result", "points", "note", "reading", "awarded"])
    if not recorded:
        raise ValidationError(_("The amendment changes nothing."))
    all_rows = inspection.results.select_related("item")
    outcome = calculations.score(calculations.ItemAnswer(r.result, r.item.max_points, r.points) for r in all_rows)
    amendment = InspectionAmendment.objects.create(
        inspection=inspection,
        reason=reason.strip(),
        changes=recorded,
        score_before=inspection.score,
        score_after=outcome.score,
        amended_by=by,
    )
    inspection.awarded_points, inspection.max_points, inspection.score = (
        outcome.awarded,
        outcome.possible,
        outcome.score,
    )
    inspection.amendment_count += 1
    stamp(inspection, by=by, reason=reason.strip())
    inspection.save(update_fields=["awarded_points", "max_points", "score", "amendment_count", "updated_at"])
    return amendment


def _amended(row: ItemResult, change: dict[str, Any]) -> tuple[str, Decimal | None, Decimal | None]:
    """(result, points, reading) of an item after an amendment, or a ValidationError naming the item.
    A reading's result follows from the new reading (or it is made n.a.); a signature is never amended."""
    item = row.item
    new_result = str(change.get("result", row.result))
    if item.answer_type == AnswerType.SIGNATURE:
        if new_result != row.result:
            raise ValidationError(_("Item %(code)s: a signature cannot be amended.") % {"code": item.code})
        return row.result, None, None
    if item.answer_type == AnswerType.READING:
        if new_result == ItemResultChoice.NA:
            return ItemResultChoice.NA, None, None
        raw = change.get("reading", row.reading)
        try:
            if raw in (None, ""):
                raise ValueError("no reading")
            reading = parse_reading(raw)
        except ValueError:
            raise ValidationError(
                _("Item %(code)s: enter the reading as a number (%(range)s), or choose n.a.")
                % {"code": item.code, "range": item.allowed_range}
            )
        return calculations.reading_result(reading, item.min_value, item.max_value), None, reading
    if item.answer_type == AnswerType.POST:  # the office corrects the verdict; who was there stays recorded
        if new_result not in ANSWER_RESULTS[AnswerType.POST]:
            raise ValidationError(_("Item %(code)s: a post check passes, fails or is n.a.") % {"code": item.code})
        return new_result, None, None
    if new_result not in ItemResultChoice.values:
        raise ValidationError(_("Item %(code)s: choose pass, partial, fail or n.a.") % {"code": item.code})
    new_points = change.get("points", row.points if new_result == ItemResultChoice.PARTIAL else None)
    try:
        new_points = None if new_points in (None, "") else parse_points(new_points)
        calculations.awarded(calculations.ItemAnswer(new_result, item.max_points, new_points))
    except ValueError:
        raise ValidationError(
            _("Item %(code)s: enter the points given, between 0 and %(max)s.")
            % {"code": item.code, "max": item.max_points}
        )
    return new_result, new_points, None


def _recorded(
    result: str, points: Decimal | None, note: str, reading: Decimal | None, item: ChecklistItem
) -> dict[str, Any]:
    """An item's answer as an amendment records it (before and after); a reading only for a reading item."""
    out = {"result": result, "points": str(points) if points is not None else None, "note": note}
    if item.answer_type == AnswerType.READING:
        out["reading"] = calculations.plain_number(reading) if reading is not None else None
    return out
