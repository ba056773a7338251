"""Reads of the staffing: a contract's posts and roster, their compliance on a day (in a fixed number of
queries, whatever the number of contracts, posts and people), and the overlaps the roster refuses."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from contracts import staffing
from contracts.models import Post, RosterEntry
from logistics.models import CertificateReview, StaffCertificate
from logistics.models.base import english_active, in_language

if TYPE_CHECKING:
    from contracts.models import Contract


def posts_of(contract_ids: Iterable[int] | QuerySet) -> QuerySet:
    """The posts of these contracts with their role and required certificate types (two queries)."""
    from logistics.models import CertificateType

    return (
        Post.objects.filter(contract_id__in=contract_ids)
        .select_related("role")
        .prefetch_related(Prefetch("required_certificates", CertificateType.objects.order_by("code")))
        .order_by("contract_id", "sort_order", "id")
    )


def on_post_q(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}starts_on__lte": day}) & (
        Q(**{f"{prefix}leaves_on__isnull": True}) | Q(**{f"{prefix}leaves_on__gte": day})
    )


def _post_fact(post: Post, english: bool) -> staffing.PostFact:
    role_name = in_language(post.role.name, post.role.name_en, english)
    shift_label = str(post.get_shift_display())
    shift_text = f"{shift_label} {post.hours}" if post.hours else shift_label
    return staffing.PostFact(
        id=post.pk,
        contract_id=post.contract_id,
        label=f"{role_name}（{shift_text}）" if not english else f"{role_name} ({shift_text})",
        role_id=post.role_id,
        role_name=role_name,
        headcount=post.headcount,
        on_duty=post.on_duty,
        shift=post.shift,
        shift_text=shift_text,
        full_time=post.full_time,
        required=tuple(
            staffing.RequiredType(t.pk, in_language(t.name, t.name_en, english))
            for t in post.required_certificates.all()
        ),
    )


def _people_on(post_ids: list[int], day: dt.date) -> dict[int, list[staffing.PersonFact]]:
    """post id -> the people on it on ``day`` with their certificates (two queries)."""
    entries = list(
        RosterEntry.objects.filter(on_post_q(day), post_id__in=post_ids)
        .select_related("staff")
        .order_by("post_id", "staff__name", "id")
    )
    certificates: dict[int, list[staffing.CertificateFact]] = defaultdict(list)
    if entries:
        rows = StaffCertificate.objects.filter(
            staff_id__in={e.staff_id for e in entries}, review=CertificateReview.VERIFIED
        ).values_list("staff_id", "pk", "type_id", "number", "issued_on", "expires_on")
        for staff_id, pk, type_id, number, issued_on, expires_on in rows:
            certificates[staff_id].append(staffing.CertificateFact(pk, type_id, number, issued_on, expires_on))
    out: dict[int, list[staffing.PersonFact]] = defaultdict(list)
    for entry in entries:
        out[entry.post_id].append(
            staffing.PersonFact(
                entry.staff_id,
                entry.staff.name,
                entry.pk,
                entry.starts_on,
                entry.leaves_on,
                tuple(certificates.get(entry.staff_id, ())),
            )
        )
    return out


def staffing_compliance(
    contract_ids: Iterable[int] | QuerySet, day: dt.date
) -> dict[int, list[staffing.PostCompliance]]:
    """contract id -> each of its posts' compliance on ``day``: required headcount, people on post, certified
    people, gap, certificates expiring within 30 days. Four queries, whatever the size."""
    return staffing_compliance_in(contract_ids, day, [get_language() or settings.LANGUAGE_CODE])[0]


def staffing_compliance_in(
    contract_ids: Iterable[int] | QuerySet, day: dt.date, languages: list[str]
) -> list[dict[int, list[staffing.PostCompliance]]]:
    """``staffing_compliance`` once per language asked ("zh-hans", "en"), from the same four queries."""
    rows = list(posts_of(contract_ids))
    people = _people_on([p.pk for p in rows], day)
    results = []
    for language in languages:
        out: dict[int, list[staffing.PostCompliance]] = defaultdict(list)
        with override(language):
            english = english_active()
            for row in rows:
                post = _post_fact(row, english)
                out[post.contract_id].append(staffing.post_compliance(post, people.get(post.id, []), day))
        results.append(dict(out))
    return results


def contract_compliance(contract: Contract, day: dt.date) -> list[staffing.PostCompliance]:
    return staffing_compliance([contract.pk], day).get(contract.pk, [])


def totals(posts: list[staffing.PostCompliance]) -> dict[str, int]:
    """A contract's headcount, people on post, certified, gaps and expiring certificates, added up."""
    return {
        "required": sum(p.required for p in posts),
        "on_post": sum(p.on_post for p in posts),
        "certified": sum(p.certified for p in posts),
        "gap": sum(p.gap for p in posts),
        "expiring": sum(len(p.expiring) for p in posts),
    }


def roster_of(contract_ids: Iterable[int] | QuerySet) -> QuerySet:
    """Every roster entry of these contracts' posts (past, present and coming), by post and start."""
    return (
        RosterEntry.objects.filter(post__contract_id__in=contract_ids)
        .select_related("staff", "post__role")
        .order_by("post__contract_id", "post__sort_order", "post_id", "-starts_on", "id")
    )


def overlap_problem(entry: RosterEntry) -> str | None:
    """Why ``entry`` cannot be on the roster: the same person on the same post, or on another full-time post,
    for some of the same days; None when it can."""
    post = entry.post
    full_time = post.full_time
    others = (
        RosterEntry.objects.filter(staff_id=entry.staff_id)
        .exclude(pk=entry.pk)
        .select_related("post__role", "post__contract")
        .order_by("starts_on", "id")
    )
    for other in others:
        if not staffing.ranges_overlap(entry.starts_on, entry.leaves_on, other.starts_on, other.leaves_on):
            continue
        period = (
            _("%(start)s to %(end)s") % {"start": other.starts_on.isoformat(), "end": other.leaves_on.isoformat()}
            if other.leaves_on
            else _("since %(start)s") % {"start": other.starts_on.isoformat()}
        )
        spell = {"name": entry.staff.name, "post": other.post, "contract": other.post.contract.number, "period": period}
        if other.post_id == entry.post_id:
            return _("%(name)s is already on this post (%(period)s).") % spell
        if full_time and other.full_time:
            return (
                _(
                    "%(name)s is on the full-time post %(post)s of contract %(contract)s (%(period)s); a person "
                    "holds one full-time post at a time."
                )
                % spell
            )
    return None


def tablet_roster(contract: Contract, day: dt.date) -> dict[str, Any]:
    """The roster the tablet's post check chooses from: each post with the people on it on ``day`` and the
    certificates each of them lacks that day (the server decides the result again at submission)."""
    posts = contract_compliance(contract, day)
    return {
        "contract": contract.pk,
        "day": day.isoformat(),
        "posts": [
            {
                "id": p.post.id,
                "role": p.post.role_id,
                "name": p.post.label,
                "headcount": p.post.headcount,
                "on_duty": p.post.on_duty,
                "required": [t.name for t in p.post.required],
                "people": [
                    {"id": person.staff_id, "name": person.name, "lacking": list(person.lacking)} for person in p.people
                ],
            }
            for p in posts
        ],
    }
