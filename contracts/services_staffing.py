"""Staffing writes: the vendor's roster (a person on a post from a day, their last day there), its people and
their work certificates, the posts' full-time flag on the roster, and the nightly alert of the roster's gaps
and expiring certificates (safe to run twice: each alert once)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts import selectors_staffing, staffing
from contracts.choices import ContractStatus
from contracts.models import Contract, Post, RosterEntry
from logistics.models import (
    CertificateHolder,
    CertificateReview,
    CertificateType,
    StaffCertificate,
    Vendor,
    VendorStaff,
    stamp,
)
from logistics.policy import may
from logistics.services.vendors import scan_cleaned, staff_certificate_submitted

if TYPE_CHECKING:
    from logistics.models import User

#: what the database's exclusion constraints (PostgreSQL) say when two requests slipped past the check at once
OVERLAP_MESSAGE = _("This person is already on this post, or on another full-time post, for some of these days.")


def _may_manage(user: User, contract: Contract) -> None:
    if not may(user, "roster.manage", contract):
        raise PermissionDenied(_("Only the contract's vendor or the office keep this roster."))


def _save_entry(entry: RosterEntry, user: User) -> RosterEntry:
    # the person's row is locked first: two assignments of one person at once take turns (PostgreSQL), so the
    # overlap check of the second sees the first
    VendorStaff.objects.select_for_update().filter(pk=entry.staff_id).first()
    entry.full_clean()
    stamp(entry, by=user)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # the exclusion constraints: a concurrent write won
        if "rosterentry" in str(exc).lower():
            raise ValidationError({"starts_on": [str(OVERLAP_MESSAGE)]}) from None
        raise
    return entry


@transaction.atomic
def roster_assign(
    *, user: User, post: Post, staff: VendorStaff, starts_on: dt.date, leaves_on: dt.date | None = None
) -> RosterEntry:
    """Put a person of the contract's vendor on a post from ``starts_on`` (until ``leaves_on``, their last day
    there). Refused: someone else's person, a last day before the first, the same person on the post for the
    same days, or on two full-time posts at once."""
    _may_manage(user, post.contract)
    return _save_entry(RosterEntry(post=post, staff=staff, starts_on=starts_on, leaves_on=leaves_on), user)


@transaction.atomic
def roster_leave(*, user: User, entry: RosterEntry, leaves_on: dt.date | None) -> RosterEntry:
    """Record a person's last day on a post (or clear it: still on the post)."""
    entry = RosterEntry.objects.select_related("post__contract", "staff").get(pk=entry.pk)
    _may_manage(user, entry.post.contract)
    entry.leaves_on = leaves_on
    return _save_entry(entry, user)


@transaction.atomic
def staff_add(*, user: User, vendor: Vendor, name: str, role: str, phone: str = "") -> VendorStaff:
    """A new person of the vendor (before they are put on a post)."""
    if not (user.vendor_id == vendor.pk or may(user, "post.manage")):
        raise PermissionDenied(_("Only the vendor's staff add its people here."))
    person = VendorStaff(vendor=vendor, name=" ".join(name.split()), role=" ".join(role.split()), phone=phone.strip())
    person.full_clean()
    stamp(person, by=user)
    person.save()
    return person


@transaction.atomic
def staff_certificate_upload(
    *,
    user: User,
    staff: VendorStaff,
    certificate_type: CertificateType,
    number: str,
    issued_on: dt.date | None,
    expires_on: dt.date | None,
    scan: Any,
) -> StaffCertificate:
    """A person's work certificate with its scan (PDF or image only). Every problem is said at once, in the
    user's language, and nothing is saved: no row, no file."""
    if not (user.vendor_id == staff.vendor_id or may(user, "post.manage")):
        raise PermissionDenied(_("Only the vendor's staff upload its people's certificates here."))
    errors: dict[str, list[str]] = {}
    scan = scan_cleaned(scan, errors)
    if certificate_type.holder != CertificateHolder.PERSON:
        errors["type"] = [_("“%(type)s” is a company's certificate, not a person's.") % {"type": certificate_type}]
    by_vendor = user.vendor_id == staff.vendor_id  # the office's own entries are verified as made
    certificate = StaffCertificate(
        staff=staff,
        type=certificate_type,
        number=number.strip(),
        issued_on=issued_on,
        expires_on=expires_on,
        review=CertificateReview.PENDING if by_vendor else CertificateReview.VERIFIED,
        submitted_by=user if by_vendor else None,
    )
    try:
        certificate.full_clean(exclude=["scan"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
    if errors:
        raise ValidationError(errors)
    certificate.scan.save(scan.name, scan, save=False)
    stamp(certificate, by=user)
    certificate.save()
    if by_vendor:
        staff_certificate_submitted(certificate)
    return certificate


@transaction.atomic
def post_roster_sync(*, post: Post) -> int:
    """After a post's full-time flag changed (the admin): its roster rows carry it, and a post made full-time
    is refused while one of its people is on another full-time post on the same days. Returns the rows changed."""
    entries = list(RosterEntry.objects.filter(post=post).exclude(full_time=post.full_time).select_related("staff"))
    for entry in entries:
        entry.post = post
        problem = selectors_staffing.overlap_problem(entry) if post.full_time else None
        if problem:
            raise ValidationError({"full_time": [problem]})
    return RosterEntry.objects.filter(pk__in=[e.pk for e in entries]).update(full_time=post.full_time)


# --- the nightly alert --------------------------------------------------------------------------------------
def _problems(posts: list[staffing.PostCompliance]) -> list[str]:
    lines = []
    for p in posts:
        if p.gap:
            line = _("%(post)s: %(certified)d of %(required)d certified people on post, %(gap)d missing") % {
                "post": p.post.label,
                "certified": p.certified,
                "required": p.required,
                "gap": p.gap,
            }
            lacking = [
                _("%(name)s lacks a valid %(certificates)s") % {"name": x.name, "certificates": _(", ").join(x.lacking)}
                for x in p.uncertified
            ]
            lines.append(line + (_("; ") + _("; ").join(lacking) if lacking else ""))
        for e in p.expiring:
            lines.append(
                _("%(post)s: %(name)s's %(type)s %(number)s expires on %(date)s (%(days)d days)")
                % {
                    "post": p.post.label,
                    "name": e.name,
                    "type": e.type_name,
                    "number": e.number or "—",
                    "date": e.expires_on.isoformat(),
                    "days": e.days_left,
                }
            )
    return lines


def _signature(posts: list[staffing.PostCompliance]) -> str:
    """What the problems are (not how they are worded): a new or changed problem is told at once."""
    parts = []
    for p in posts:
        if p.gap:
            parts.append(f"g{p.post.id}:{p.gap}:{','.join(str(x.staff_id) for x in p.uncertified)}")
        parts += [f"e{p.post.id}:{e.certificate_id}:{e.expires_on}" for e in p.expiring]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def staffing_alerts(today: dt.date) -> int:
    """Every running contract whose roster has gaps or certificates expiring within 30 days: its vendor and the
    office are told, in one notice each listing the problems. The same problems are told once a week (the ISO
    week is in the notice's key); a new or changed one at once; a second run the same day sends nothing."""
    from logistics.notify import notify_office, notify_vendor

    sent = 0
    contracts = {
        c.pk: c
        for c in Contract.objects.filter(status__in=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED]).select_related(
            "vendor"
        )
    }
    year, week, _day = today.isocalendar()
    with override("zh-hans"):
        compliance = selectors_staffing.staffing_compliance(list(contracts), today)
        for contract_id, posts in sorted(compliance.items()):
            lines = _problems(posts)
            if not lines:
                continue
            contract = contracts[contract_id]
            total = selectors_staffing.totals(posts)
            subject = _("%(number)s roster: %(gap)d missing on posts, %(expiring)d certificates expiring") % {
                "number": contract.number,
                "gap": total["gap"],
                "expiring": total["expiring"],
            }
            body = "\n".join(lines)
            key = f"staffing:{contract_id}:{year}W{week:02d}:{_signature(posts)}"
            vendor_body = (
                body
                + "\n"
                + _("Keep the roster and upload the renewed certificates on your portal (%(url)s).")
                % {"url": reverse("contracts:roster")}
            )
            sent += len(notify_vendor(contract.vendor, subject=subject, body=vendor_body, dedup_key=f"{key}:vendor"))
            sent += len(notify_office(subject=subject, body=body, dedup_key=f"{key}:office"))
    return sent
