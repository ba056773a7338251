"""The staffing rules (pure: plain data in, plain data out): who on a post holds every certificate the post
requires on a day, the post's gap, the certificates running out, and the tablet's post check.

Worked example: a post of 保安员 with a headcount of 8 and 2 on duty at once, requiring a 保安员证. On 2026-10-01
its roster holds 7 people; 6 hold a 保安员证 valid that day, one's lapsed on 2026-09-20. The post has 7 on post,
6 certified and a gap of 2 (8 required - 6 certified). One of the six certificates expires on 2026-10-20: it is
expiring (within 30 days). At an inspection the inspector finds two of them at work, both certified: the post
check passes; one of the two uncertified, or only one person there: it fails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: a certificate expiring within this many days is reported (the vendor has a month to renew it)
EXPIRING_DAYS = 30


@dataclass(frozen=True)
class CertificateFact:
    id: int
    type_id: int
    number: str
    issued_on: dt.date | None
    expires_on: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        """In force on ``day`` (as ``logistics.models.StaffCertificate.is_valid_on``)."""
        return (self.issued_on is None or self.issued_on <= day) and (self.expires_on is None or self.expires_on >= day)


@dataclass(frozen=True)
class RequiredType:
    id: int
    name: str


@dataclass(frozen=True)
class PostFact:
    id: int
    contract_id: int
    label: str
    role_id: int
    role_name: str
    headcount: int
    on_duty: int
    shift: str
    shift_text: str
    full_time: bool
    required: tuple[RequiredType, ...]


@dataclass(frozen=True)
class PersonFact:
    staff_id: int
    name: str
    entry_id: int
    starts_on: dt.date
    leaves_on: dt.date | None
    certificates: tuple[CertificateFact, ...]


@dataclass(frozen=True)
class Expiring:
    """A required certificate of a person on a post that runs out within ``EXPIRING_DAYS``."""

    staff_id: int
    name: str
    certificate_id: int
    type_name: str
    number: str
    expires_on: dt.date
    days_left: int


@dataclass(frozen=True)
class PersonStatus:
    staff_id: int
    name: str
    entry_id: int
    starts_on: dt.date
    leaves_on: dt.date | None
    lacking: tuple[str, ...]  # the required certificates not valid on the day (missing or lapsed), by name

    @property
    def certified(self) -> bool:
        return not self.lacking


@dataclass(frozen=True)
class PostCompliance:
    post: PostFact
    day: dt.date
    people: tuple[PersonStatus, ...]
    expiring: tuple[Expiring, ...]

    @property
    def required(self) -> int:
        return self.post.headcount

    @property
    def on_post(self) -> int:
        return len(self.people)

    @property
    def certified(self) -> int:
        return sum(1 for person in self.people if person.certified)

    @property
    def uncertified(self) -> tuple[PersonStatus, ...]:
        return tuple(person for person in self.people if not person.certified)

    @property
    def gap(self) -> int:
        """People missing for the headcount, counting only those certified for the post."""
        return max(0, self.post.headcount - self.certified)

    @property
    def ok(self) -> bool:
        return self.gap == 0 and not self.expiring


def lacking(
    required: tuple[RequiredType, ...], certificates: tuple[CertificateFact, ...], day: dt.date
) -> tuple[str, ...]:
    """The names of the required types of which none of ``certificates`` is valid on ``day``."""
    valid = {c.type_id for c in certificates if c.valid_on(day)}
    return tuple(t.name for t in required if t.id not in valid)


def expiring(
    person: PersonFact, required: tuple[RequiredType, ...], day: dt.date, within: int = EXPIRING_DAYS
) -> list[Expiring]:
    """The person's required certificates valid on ``day`` that run out within ``within`` days: of a type, the one
    lasting longest counts (a renewed one already uploaded covers the old one)."""
    out = []
    for required_type in required:
        valid = [c for c in person.certificates if c.type_id == required_type.id and c.valid_on(day)]
        if not valid or any(c.expires_on is None for c in valid):
            continue
        last = max(valid, key=lambda c: (c.expires_on, c.id))
        days_left = (last.expires_on - day).days  # type: ignore[operator]
        if days_left <= within:
            out.append(
                Expiring(
                    person.staff_id, person.name, last.id, required_type.name, last.number, last.expires_on, days_left
                )  # type: ignore[arg-type]
            )
    return out


def post_compliance(post: PostFact, people: list[PersonFact], day: dt.date) -> PostCompliance:
    """A post's state on ``day`` from the people on it that day."""
    ordered = sorted(people, key=lambda p: (p.name, p.entry_id))
    statuses = tuple(
        PersonStatus(
            p.staff_id, p.name, p.entry_id, p.starts_on, p.leaves_on, lacking(post.required, p.certificates, day)
        )
        for p in ordered
    )
    soon = tuple(e for p in ordered for e in expiring(p, post.required, day))
    return PostCompliance(post, day, statuses, soon)


@dataclass(frozen=True)
class PostCheck:
    """The tablet's post check: who the inspector found at work, against the people on duty the post needs."""

    result: str  # "pass" or "fail"
    required: int
    present: tuple[PersonStatus, ...]

    @property
    def uncertified(self) -> tuple[PersonStatus, ...]:
        return tuple(p for p in self.present if not p.certified)


def post_check(on_duty: int, present: list[PersonStatus]) -> PostCheck:
    """Fail when fewer are present than on duty, or when anyone present lacks a valid required certificate."""
    failed = len(present) < on_duty or any(not p.certified for p in present)
    return PostCheck("fail" if failed else "pass", on_duty, tuple(present))


def ranges_overlap(a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None) -> bool:
    """Two spells of days, each with its last day included (None: still running), share a day."""
    return (a_end is None or a_end >= b_start) and (b_end is None or b_end >= a_start)
