"""The automatic admission pre-checks (pure code: plain data in, results with reasons out)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from logistics.reasons import reason

LEGAL_ENTITY = "legal_entity"
CERTIFICATES = "certificates"
CREDIT_RECORD = "credit_record"
EXPERIENCE = "experience"
STAFF = "staff"
ITEMS = [LEGAL_ENTITY, CERTIFICATES, CREDIT_RECORD, EXPERIENCE, STAFF]


@dataclass(frozen=True)
class RequiredCertificate:
    category: Any  # the category's names ({"zh": ..., "en": ...}) or a plain name
    type: Any  # the certificate type's names
    valid: bool
    expired_on: dt.date | None = None  # the latest expiry of an expired certificate of this type, if any


@dataclass(frozen=True)
class StaffCertificateFact:
    staff_name: str
    kind: Any  # the certificate type's names ({"zh": ..., "en": ...}) or a plain name
    expires_on: dt.date | None


@dataclass(frozen=True)
class AdmissionFacts:
    today: dt.date
    legal_representative: str
    has_valid_business_licence: bool
    required_certificates: list[RequiredCertificate]
    is_blacklisted: bool
    serious_bad_records: list[tuple[dt.date, str]]  # (date, source)
    experience_years: int
    staff_count: int
    staff_certificates: list[StaffCertificateFact] = field(default_factory=list)


@dataclass(frozen=True)
class Rules:
    bad_record_years: int = 3
    min_experience_years: int = 3


@dataclass(frozen=True)
class CheckOutcome:
    item: str
    passed: bool
    reasons: list[dict[str, Any]]


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def run_checks(facts: AdmissionFacts, rules: Rules = Rules()) -> list[CheckOutcome]:
    outcomes = []

    problems = []
    if not facts.legal_representative.strip():
        problems.append(reason("legal_representative_missing"))
    if not facts.has_valid_business_licence:
        problems.append(reason("business_licence_missing"))
    outcomes.append(CheckOutcome(LEGAL_ENTITY, not problems, problems))

    problems = []
    for required in facts.required_certificates:
        if required.valid:
            continue
        if required.expired_on is not None:
            problems.append(
                reason(
                    "certificate_expired",
                    category=required.category,
                    type=required.type,
                    date=required.expired_on.isoformat(),
                )
            )
        else:
            problems.append(reason("certificate_missing", category=required.category, type=required.type))
    outcomes.append(CheckOutcome(CERTIFICATES, not problems, problems))

    problems = []
    if facts.is_blacklisted:
        problems.append(reason("blacklisted"))
    since = years_before(facts.today, rules.bad_record_years)
    for date, source in sorted(facts.serious_bad_records):
        if date >= since:
            problems.append(
                reason("serious_bad_record", date=date.isoformat(), source=source, years=rules.bad_record_years)
            )
    outcomes.append(CheckOutcome(CREDIT_RECORD, not problems, problems))

    problems = []
    if facts.experience_years < rules.min_experience_years:
        problems.append(reason("experience_short", years=facts.experience_years, minimum=rules.min_experience_years))
    outcomes.append(CheckOutcome(EXPERIENCE, not problems, problems))

    problems = []
    if facts.staff_count == 0:
        problems.append(reason("no_staff"))
    for cert in sorted(facts.staff_certificates, key=lambda c: (c.staff_name, str(c.kind))):
        if cert.expires_on is not None and cert.expires_on < facts.today:
            problems.append(
                reason(
                    "staff_certificate_expired", name=cert.staff_name, kind=cert.kind, date=cert.expires_on.isoformat()
                )
            )
    outcomes.append(CheckOutcome(STAFF, not problems, problems))
    return outcomes
