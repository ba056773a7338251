"""Complaints: intake (public), triage, dispatch to the vendor, answer, close, rating and one reopening.

Privacy: an anonymous complaint keeps no name, contact or address anywhere; notifications to the office
carry no personal data; the employee is written to only at the email they left.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import selectors as contract_selectors
from contracts.models import Contract
from inspections.choices import Channel, RequestKind
from inspections.models import (
    COMPLAINT_FLOW,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    ComplaintSeverity,
    ComplaintStatus,
    ComplaintUrgency,
)
from logistics.models import KeyPoint, ServiceCategory, Site, stamp
from logistics.notify import notify, notify_later, notify_office, notify_vendor
from logistics.policy import may
from logistics.quarters import Quarter
from logistics.uploads import clean_photo

if TYPE_CHECKING:
    from inspections.models import WorkOrder
    from logistics.models import User


MAX_PHOTOS = 5
S = ComplaintStatus


def response_hours() -> dict[str, int]:
    return {"urgent": 4, "normal": 48, **getattr(settings, "COMPLAINT_RESPONSE_HOURS", {})}


def tracking_url(job: Complaint | WorkOrder) -> str:
    """The public page where the requester follows a complaint or a work order by its tracking code."""
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}{reverse('inspections:complaint_track', args=[job.tracking_code])}"


def clean_photos(uploads: list[Any] | None, already: int = 0) -> list[Any]:
    """The uploaded photos, each checked (``clean_photo``) before anything is saved: at most ``MAX_PHOTOS``
    with the ``already`` stored."""
    cleaned = []
    for upload in (uploads or [])[: MAX_PHOTOS + 1]:
        try:
            cleaned.append(clean_photo(upload))
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages})
    if len(cleaned) + already > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(count)d photos.") % {"count": MAX_PHOTOS}})
    return cleaned


def requester_fields(
    *, location: str, description: str, anonymous: bool, name: str, phone: str, email: str
) -> dict[str, Any]:
    """What a complaint or a work order keeps of the requester's report: each text cut to its column, and no name
    or contact at all for an anonymous one."""
    if anonymous:
        name = phone = email = ""
    return {
        "location": location.strip()[:200],
        "description": description[:2000],
        "anonymous": anonymous,
        "name": name.strip()[:50],
        "phone": phone.strip()[:30],
        "email": email.strip()[:254],
    }


def _save_photos(complaint: Complaint, images: list[Any], stage: str) -> None:
    for image in images:
        photo = ComplaintPhoto(complaint=complaint, stage=stage)
        photo.image.save(image.name, image, save=False)
        photo.save()


def _event(
    complaint: Complaint,
    kind: str,
    *,
    public: str = "",
    message: str = "",
    values: dict[str, Any] | None = None,
    internal: str = "",
    by: User | None = None,
) -> None:
    """A timeline entry: ``public`` is a person's words; ``message`` a system message's code (SYSTEM_MESSAGES),
    put into words in the reader's language when shown."""
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        public_note=public,
        message=message,
        message_values=values or {},
        internal_note=internal,
        by=by,
    )


def requester_notice(job: Complaint | WorkOrder, subject: str, body: str, key: str) -> dict[str, Any] | None:
    """The notice to the requester who left a contact (the employee, the caller): by email, or by SMS when they
    gave only a mobile number; none for an anonymous one. ``key`` says what it is about (it is deduplicated by
    job and key)."""
    if job.anonymous or not (job.email or job.phone.strip()):
        return None
    return {
        "emails": [job.email] if job.email else [],
        "phones": [] if job.email else [job.phone],
        "subject": subject,
        "body": f"{body}\n\n{tracking_url(job)}",
        "dedup_key": f"{job._meta.model_name}-{key}:{job.pk}",
    }


def _tell_employee(complaint: Complaint, subject: str, body: str, key: str) -> None:
    notice = requester_notice(complaint, subject, body, key)
    if notice is not None:
        notify(**notice)


def counts_in_quarter(contract_id: int, filed_at: dt.datetime) -> str:
    """The quarter an upheld complaint counts in (its score and its money), decided when it is upheld: the
    quarter it was filed in, unless that quarter is closed (final, or already published to the vendor, whose
    figures it was shown are the ones finalized); then the first quarter after it that is not (the ledger line
    says where it was filed)."""
    quarter = Quarter.containing(filed_at)
    closed = set(contract_selectors.closed_quarters(contract_id))
    while quarter.key in closed:
        quarter = quarter.next()
    return quarter.key


# --- intake ---------------------------------------------------------------------------------------------
@transaction.atomic
def complaint_submit(
    *,
    category: ServiceCategory,
    description: str,
    site: Site | None = None,
    key_point: KeyPoint | None = None,
    location: str = "",
    anonymous: bool = False,
    name: str = "",
    phone: str = "",
    email: str = "",
    photos: list[Any] | None = None,
    quarantined: bool = False,
    kind: str = RequestKind.COMPLAINT,
    channel: str = Channel.WEB,
    recorded_by: User | None = None,
) -> Complaint:
    """File a complaint (or a suggestion, or praise). Photos are checked before anything is saved; a
    quarantined (automated) post is stored apart and triggers nothing. ``recorded_by``: the clerk who took it
    down for a caller (hotline, visit, letter)."""
    description = description.strip()
    if not description:
        raise ValidationError({"description": _("Please say what happened.")})
    if key_point is not None and site is not None and key_point.site_id != site.pk:
        key_point = None
    cleaned = clean_photos(photos)
    complaint = Complaint(
        category=category,
        site=site,
        key_point=key_point or None,
        **requester_fields(
            location=location, description=description, anonymous=anonymous, name=name, phone=phone, email=email
        ),
        quarantined=quarantined,
        kind=kind,
        channel=channel,
        recorded_by=recorded_by,
    )
    # The fields are checked; the rest holds by construction (a new complaint: received, never rated or
    # reopened, no contact when anonymous; the related objects are the caller's saved instances; the random
    # tracking code has the unique index as its guard) and the database enforces the same constraints, so
    # the 17 statements of the unique, foreign-key and constraint checks are not run on the public page.
    complaint.full_clean(exclude=["category", "site", "key_point"], validate_unique=False, validate_constraints=False)
    complaint.save()
    _save_photos(complaint, cleaned, ComplaintPhoto.Stage.REPORT)
    if quarantined:
        return complaint  # held for the office's review (``services.held``): released, it is announced then
    complaint_announce(complaint=complaint)
    return complaint


def complaint_announce(*, complaint: Complaint) -> None:
    """A complaint comes in (filed, or released from the held posts): its "received" event, and the office's
    and the employee's notices."""
    category = complaint.category
    _event(complaint, ComplaintEvent.Kind.RECEIVED, message="received")
    # the worker makes the office's and the employee's notices from one outbox row each (both in one INSERT): the
    # public page does not read the office's people and robots or write their rows
    notices = [
        {
            "office": True,
            "subject": _("New %(kind)s %(ref)s: %(category)s")
            % {"kind": complaint.get_kind_display(), "ref": complaint.reference, "category": category},
            "body": _("A %(kind)s about %(category)s is waiting for triage.")
            % {"kind": complaint.get_kind_display(), "category": category},
            "dedup_key": f"complaint-new:{complaint.pk}",
        }
    ]
    employee = requester_notice(
        complaint,
        _("Your complaint has been received"),
        _("Keep this code to follow it: %(code)s") % {"code": complaint.tracking_code},
        "received",
    )
    notify_later(*notices, *([employee] if employee else []))


# --- office triage --------------------------------------------------------------------------------------
def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).select_related("contract__vendor").get(pk=complaint.pk)


@transaction.atomic
def complaint_reject(*, complaint: Complaint, reason: str, by: User) -> Complaint:
    complaint = _lock(complaint)
    COMPLAINT_FLOW.check(complaint.status, S.REJECTED, _("Only a new complaint can be turned down."))
    if not reason.strip():
        raise ValidationError({"reason": _("Tell the employee why (they will read it).")})
    COMPLAINT_FLOW.advance(complaint, S.REJECTED)
    complaint.rejection_reason = reason.strip()
    complaint.handled_by = by
    stamp(complaint, by=by, reason=reason.strip())
    complaint.save()
    _event(complaint, ComplaintEvent.Kind.REJECTED, public=reason.strip(), by=by)
    _tell_employee(complaint, _("About your complaint"), reason.strip(), "rejected")
    return complaint


def redispatch(complaint: Complaint, by: User | None, note: str) -> None:
    """Back to the same vendor for a redo (a callback "not satisfied"); the caller holds the lock."""
    _dispatch(complaint, by, note)


def _dispatch(complaint: Complaint, by: User | None, note: str = "", *, event: bool = True) -> None:
    now = timezone.now()
    hours = response_hours()["urgent" if complaint.urgency == ComplaintUrgency.URGENT else "normal"]
    COMPLAINT_FLOW.advance(complaint, S.DISPATCHED)
    complaint.dispatched_at = now
    complaint.response_deadline = now + dt.timedelta(hours=hours)
    complaint.overdue_notified_at = None
    complaint.save()
    if event:
        _event(complaint, ComplaintEvent.Kind.DISPATCHED, message="dispatched", internal=note, by=by)
    deadline = timezone.localtime(complaint.response_deadline).strftime("%Y-%m-%d %H:%M")
    notify_vendor(
        complaint.contract.vendor,
        subject=_("Complaint %(ref)s to answer by %(deadline)s") % {"ref": complaint.reference, "deadline": deadline},
        body=complaint.description,
        dedup_key=f"complaint-dispatched:{complaint.pk}:{complaint.dispatched_at}",
    )


@transaction.atomic
def complaint_accept(
    *,
    complaint: Complaint,
    contract: Contract,
    severity: str = ComplaintSeverity.NORMAL,
    urgency: str = ComplaintUrgency.NORMAL,
    note: str = "",
    by: User,
) -> Complaint:
    """Accept a complaint for a contract and send it to the vendor. Whether it is upheld against the vendor is
    ruled later, after the investigation (``complaint_rule``), not at triage."""
    complaint = _lock(complaint)
    COMPLAINT_FLOW.check(complaint.status, S.ACCEPTED, _("This complaint has already been triaged."))
    if complaint.quarantined:
        raise ValidationError(_("A quarantined post cannot be accepted."))
    if severity not in ComplaintSeverity.values or urgency not in ComplaintUrgency.values:
        raise ValidationError(_("Choose the severity and the urgency."))
    refusal = _serves(contract, complaint)
    if refusal:
        raise ValidationError({"contract": refusal})
    now = timezone.now()
    COMPLAINT_FLOW.advance(complaint, S.ACCEPTED)
    complaint.contract = contract
    complaint.severity = severity
    complaint.urgency = urgency
    complaint.accepted_at = now
    complaint.handled_by = by
    stamp(complaint, by=by)
    complaint.full_clean()
    complaint.save()
    _event(complaint, ComplaintEvent.Kind.ACCEPTED, message="accepted", internal=note, by=by)
    # one complaint, one job: the vendor's answer to the complaint is its rectification (deadline and evidence),
    # never a second order that could go overdue on its own (ARCHITECTURE.md, "The quarter a fact belongs to")
    _dispatch(complaint, by, note)
    return complaint


def _serves(contract: Contract, complaint: Complaint) -> str:
    from inspections.services.desk import contract_serves

    return contract_serves(contract, complaint.category, complaint.site)


@transaction.atomic
def complaint_rule(*, complaint: Complaint, upheld: bool, reason: str, by: User) -> Complaint:
    """The office's ruling after the investigation (the vendor's answer in): upheld against the vendor or not,
    with its reasons, once. Upheld, it counts in the quarter ``counts_in_quarter`` gives; the employee reads the
    outcome in plain words. A later change is ``complaint_overrule`` (after the vendor's objection)."""
    complaint = _lock(complaint)
    if not may(by, "complaint.triage", complaint):
        raise ValidationError(_("Only the logistics office rules on complaints."))
    if complaint.kind != RequestKind.COMPLAINT:
        raise ValidationError(_("Only a complaint is ruled on; a suggestion or praise is not."))
    if complaint.ruled_at is not None or complaint.upheld is not None:
        raise ValidationError(_("This complaint has already been ruled on."))
    if complaint.status not in (S.ANSWERED, S.CLOSED) or complaint.contract_id is None:
        raise ValidationError(_("Rule once the service company has answered (the investigation needs its side)."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reasons for the ruling.")})
    now = timezone.now()
    complaint.upheld = upheld
    complaint.ruled_at = now
    complaint.ruling_reason = reason.strip()
    if upheld:
        complaint.upheld_at = now
        complaint.counts_in = counts_in_quarter(complaint.contract_id, complaint.created_at)
    stamp(complaint, by=by, reason=reason.strip())
    complaint.save()
    message = "upheld" if upheld else "not_upheld"
    _event(complaint, ComplaintEvent.Kind.RULED, message=message, public=reason.strip(), by=by)
    return complaint


@transaction.atomic
def complaint_reassign(*, complaint: Complaint, contract: Contract, reason: str, by: User) -> Complaint:
    """Send a dispatched complaint to another contract (the wrong vendor had it); its answer clock starts again."""
    complaint = _lock(complaint)
    if not may(by, "complaint.triage", complaint):
        raise ValidationError(_("Only the logistics office reassigns complaints."))
    if complaint.status not in (S.DISPATCHED, S.ACCEPTED) or complaint.contract_id is None:
        raise ValidationError(_("Only a complaint sent to a service company can be reassigned."))
    if contract.pk == complaint.contract_id and complaint.status == S.DISPATCHED:
        raise ValidationError({"contract": _("The complaint is already with this contract.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it is reassigned.")})
    refusal = _serves(contract, complaint)
    if refusal:
        raise ValidationError({"contract": refusal})
    complaint.contract = contract
    stamp(complaint, by=by, reason=reason.strip())
    _event(
        complaint,
        ComplaintEvent.Kind.DISPATCHED,
        internal=_("Reassigned to %(number)s: %(reason)s") % {"number": contract.number, "reason": reason.strip()},
        by=by,
    )
    complaint.status = S.ACCEPTED if complaint.status == S.DISPATCHED else complaint.status
    _dispatch(complaint, by, reason.strip(), event=False)
    return complaint


@transaction.atomic
def complaint_decline(*, complaint: Complaint, reason: str, by: User) -> Complaint:
    """The vendor hands a complaint back to the office with a reason (not its service, not its site)."""
    complaint = _lock(complaint)
    if not may(by, "complaint.answer", complaint):
        raise ValidationError(_("Only the service company's staff can decline this complaint."))
    if complaint.status != S.DISPATCHED:
        raise ValidationError(_("This complaint is not waiting for your answer."))
    if not reason.strip():
        raise ValidationError({"reason": _("Tell the office why you decline it.")})
    COMPLAINT_FLOW.advance(complaint, S.ACCEPTED)
    stamp(complaint, by=by, reason=reason.strip())
    complaint.save()
    _event(complaint, ComplaintEvent.Kind.DECLINED, internal=reason.strip(), by=by)
    notify_office(
        subject=_("Complaint %(ref)s declined by the service company") % {"ref": complaint.reference},
        body=reason.strip(),
        dedup_key=f"complaint-declined:{complaint.pk}:{complaint.dispatched_at}",
    )
    return complaint


@transaction.atomic
def complaint_reply(*, complaint: Complaint, reply: str, by: User) -> Complaint:
    """The office answers a suggestion or praise itself and closes it (no vendor's answer is needed)."""
    complaint = _lock(complaint)
    if not may(by, "complaint.triage", complaint):
        raise ValidationError(_("Only the logistics office answers here."))
    if complaint.kind == RequestKind.COMPLAINT:
        raise ValidationError(_("A complaint goes to the service company and is ruled on before it is closed."))
    if complaint.status not in (S.RECEIVED, S.ACCEPTED):
        raise ValidationError(_("This message has already been answered."))
    if not reply.strip():
        raise ValidationError({"reply": _("Write the reply the employee will read.")})
    now = timezone.now()
    if complaint.status == S.RECEIVED:
        COMPLAINT_FLOW.advance(complaint, S.ACCEPTED)
        complaint.accepted_at = now
    COMPLAINT_FLOW.advance(complaint, S.CLOSED)
    complaint.office_reply = reply.strip()
    complaint.closed_at = now
    complaint.handled_by = by
    stamp(complaint, by=by)
    complaint.save()
    _event(complaint, ComplaintEvent.Kind.CLOSED, public=reply.strip(), by=by)
    _tell_employee(complaint, _("Your message has been answered"), reply.strip(), "closed-0")
    return complaint


@transaction.atomic
def complaint_overrule(*, complaint: Complaint, reason: str, by: User) -> Complaint:
    """The office reverses its ruling that the complaint is upheld against the vendor (after the vendor's
    objection, or a second look): it no longer counts in any quarter. The employee's case is untouched."""
    complaint = _lock(complaint)
    if not complaint.upheld:
        raise ValidationError(_("This complaint is not upheld against the vendor."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the new ruling.")})
    quarter = complaint.counts_in
    complaint.upheld, complaint.upheld_at, complaint.counts_in = False, None, ""
    stamp(complaint, by=by, reason=reason.strip())
    complaint.save(update_fields=["upheld", "upheld_at", "counts_in", "updated_at"])
    _event(
        complaint,
        ComplaintEvent.Kind.OVERRULED,
        internal=_("No longer counted in %(quarter)s: %(reason)s") % {"quarter": quarter, "reason": reason.strip()},
        by=by,
    )
    return complaint


@transaction.atomic
def complaint_answer(*, complaint: Complaint, response: str, photos: list[Any] | None = None, by: User) -> Complaint:
    """The vendor says what it did (visible to the employee once the office closes or forwards it)."""
    complaint = _lock(complaint)
    if not may(by, "complaint.answer", complaint):
        raise ValidationError(_("Only the service company's staff can answer this complaint."))
    COMPLAINT_FLOW.check(complaint.status, S.ANSWERED, _("This complaint is not waiting for your answer."))
    if not response.strip():
        raise ValidationError({"response": _("Describe what was done.")})
    already = complaint.photos.filter(stage=ComplaintPhoto.Stage.RESPONSE).count()
    _save_photos(complaint, clean_photos(photos, already), ComplaintPhoto.Stage.RESPONSE)
    COMPLAINT_FLOW.advance(complaint, S.ANSWERED)
    complaint.vendor_response = response.strip()
    complaint.answered_at = timezone.now()
    stamp(complaint, by=by)
    complaint.save()
    _event(complaint, ComplaintEvent.Kind.ANSWERED, public=response.strip(), by=by)
    notify_office(
        subject=_("Complaint %(ref)s answered by the service company") % {"ref": complaint.reference},
        body=response.strip(),
        dedup_key=f"complaint-answered:{complaint.pk}:{complaint.answered_at}",
    )
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, reply: str, by: User) -> Complaint:
    """The office checks the answer and closes the complaint with its reply to the employee."""
    complaint = _lock(complaint)
    if complaint.status != S.ANSWERED:
        raise ValidationError(_("Only an answered complaint can be closed."))
    if not reply.strip():
        raise ValidationError({"reply": _("Write the reply the employee will read.")})
    if complaint.kind == RequestKind.COMPLAINT and complaint.ruled_at is None and complaint.upheld is None:
        raise ValidationError(_("Rule on the complaint (upheld or not, with reasons) before closing it."))
    COMPLAINT_FLOW.advance(complaint, S.CLOSED)
    complaint.office_reply = reply.strip()
    complaint.closed_at = timezone.now()
    stamp(complaint, by=by)
    complaint.save()
    _event(complaint, ComplaintEvent.Kind.CLOSED, public=reply.strip(), by=by)
    from inspections.services.desk import complaint_callback_open

    complaint_callback_open(complaint, complaint.closed_at)
    _tell_employee(
        complaint, _("Your complaint has been answered"), reply.strip(), f"closed-{complaint.closed_at:%Y%m%d%H%M%S%f}"
    )
    return complaint


@transaction.atomic
def complaint_send_back(*, complaint: Complaint, reason: str, by: User) -> Complaint:
    """The answer is not good enough: back to the vendor with a new deadline."""
    complaint = _lock(complaint)
    if complaint.status != S.ANSWERED:  # an answer to send back (the flow's ANSWERED -> DISPATCHED)
        raise ValidationError(_("Only an answered complaint can be sent back."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what is still missing.")})
    _event(complaint, ComplaintEvent.Kind.SENT_BACK, internal=reason.strip(), by=by)
    stamp(complaint, by=by, reason=reason.strip())
    _dispatch(complaint, by, reason.strip())
    return complaint


# --- the employee ---------------------------------------------------------------------------------------
@transaction.atomic
def complaint_rate(*, complaint: Complaint, rating: int) -> Complaint:
    complaint = _lock(complaint)
    if complaint.status not in (S.ANSWERED, S.CLOSED):
        raise ValidationError(_("You can rate the answer once the complaint has been answered."))
    if complaint.rating is not None:
        raise ValidationError(_("You have already rated this answer."))
    if rating not in range(1, 6):
        raise ValidationError({"rating": _("Choose 1 to 5 stars.")})
    complaint.rating = rating
    complaint.rated_at = timezone.now()
    complaint.save()
    _event(complaint, ComplaintEvent.Kind.RATED, message="rated", values={"rating": rating})
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, reason: str) -> Complaint:
    """Not satisfied: the employee reopens the complaint, once; it goes back to the service company."""
    complaint = _lock(complaint)
    if complaint.status not in (S.ANSWERED, S.CLOSED) or complaint.contract_id is None:
        raise ValidationError(_("This complaint cannot be reopened now."))
    if complaint.reopen_count >= 1:
        raise ValidationError(_("A complaint can be reopened once; please file a new one."))
    if not reason.strip():
        raise ValidationError({"reason": _("Tell us what is still wrong.")})
    complaint.reopen_count += 1
    complaint.rating = None
    complaint.rated_at = None
    _event(complaint, ComplaintEvent.Kind.REOPENED, public=reason.strip()[:1000])
    _dispatch(complaint, None, reason.strip()[:1000])
    notify_office(
        subject=_("Complaint %(ref)s reopened by the employee") % {"ref": complaint.reference},
        body=reason.strip()[:1000],
        dedup_key=f"complaint-reopened:{complaint.pk}",
    )
    return complaint


@transaction.atomic
def complaints_mark_overdue(*, now: dt.datetime | None = None) -> int:
    """Nightly: each complaint past its response deadline is flagged to the office and the vendor once."""
    now = now or timezone.now()
    late = (
        Complaint.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=S.DISPATCHED, response_deadline__lt=now, overdue_notified_at__isnull=True)
        .select_related("contract__vendor")
    )
    count = 0
    for complaint in late:
        subject = _("Complaint %(ref)s is overdue") % {"ref": complaint.reference}
        notify_vendor(
            complaint.contract.vendor,
            subject=subject,
            body=complaint.description,
            dedup_key=f"complaint-overdue-vendor:{complaint.pk}:{complaint.dispatched_at}",
        )
        notify_office(
            subject=subject,
            body=complaint.description,
            dedup_key=f"complaint-overdue-office:{complaint.pk}:{complaint.dispatched_at}",
        )
        complaint.overdue_notified_at = now
        complaint.save(update_fields=["overdue_notified_at", "updated_at"])
        count += 1
    return count
