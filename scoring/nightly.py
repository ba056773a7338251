"""The nightly job's work: running scores, overdue marking, expiry alerts (each step safe to run twice)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts import notices as contract_notices
from contracts import selectors as contract_selectors
from contracts import services as contract_services
from contracts import services_staffing as staffing_services
from contracts.choices import ContractStatus
from contracts.models import Contract
from inspections.services import complaints as complaint_services
from inspections.services import rectifications as rectification_services
from logistics import selectors as logistics_selectors
from logistics.models import Vendor
from logistics.notify import notify, notify_office
from logistics.quarters import Quarter
from logistics.quarters import today as local_today
from scoring import services
from scoring.models import Evaluation, EvaluationStatus, ObjectionStatus

logger = logging.getLogger(__name__)
ALERT_DAYS = (30, 7)  # certificates: a month to renew one, and a last week
CONTRACT_ALERT_DAYS = (90, 30)  # contracts: a quarter to decide on a renewal or a tender, and a last month


def _threshold(days_left: int, alerts: tuple[int, ...] = ALERT_DAYS) -> int | None:
    """The alert a remaining number of days falls under (7 or 30 for certificates), or none (beyond them)."""
    for days in sorted(alerts):
        if days_left <= days:
            return days
    return None


def expiry_alerts(today: dt.date | None = None) -> int:
    """Certificates and staff certificates expiring within 30 and 7 days: the vendor's staff are told first (at
    30 and 7 days: they upload the renewed one on their portal), the office from 7 days and on expiry; contracts
    ending within 90 and 30 days: the office. Each once per threshold."""
    today = today or local_today()
    sent = 0
    with override("zh-hans"):
        items = logistics_selectors.certificates_expiring(within_days=max(ALERT_DAYS), today=today)
        vendors = {v.pk: v for v in Vendor.objects.filter(pk__in={i.vendor_id for i in items})}
        vendor_users = {v: list(v.users.filter(is_active=True).order_by("pk")) for v in vendors.values()}
        for item in items:
            threshold = _threshold(item.days_left)
            if threshold is None:
                continue
            what = f"{item.what}{'（' + item.holder + '）' if item.holder else ''}"
            subject = (
                _("Expired: %(what)s of %(vendor)s")
                if item.expired
                else _("Expires in %(days)d days: %(what)s of %(vendor)s")
            ) % {"what": what, "vendor": item.vendor_name, "days": item.days_left}
            key = f"expiry:{item.kind}:{item.pk}:{item.expires_on}:{'expired' if item.expired else threshold}"
            body = _("%(what)s, number %(number)s, expires on %(date)s.") % {
                "what": what,
                "number": item.number or "—",
                "date": item.expires_on,
            }
            if item.expired or threshold == min(ALERT_DAYS):  # the vendor renews its papers; the office follows up
                sent += len(notify_office(subject=subject, body=body, dedup_key=f"{key}:office"))
            sent += len(
                notify(
                    users=vendor_users[vendors[item.vendor_id]],
                    vendors=[vendors[item.vendor_id]],
                    subject=subject,
                    body=body
                    + " "
                    + _("Upload the renewed one on your portal for the office to verify (%(url)s).")
                    % {"url": reverse("logistics:vendor_portal")},
                    dedup_key=f"{key}:vendor",
                )
            )
        expiring = contract_selectors.contracts_expiring(within_days=max(CONTRACT_ALERT_DAYS), today=today)
        for contract in expiring.prefetch_related("renewals"):
            days_left = (contract.end_date - today).days
            threshold = _threshold(days_left, CONTRACT_ALERT_DAYS)
            renewal = next(iter(contract.renewals.all()), None)
            subject = _("Contract %(number)s ends in %(days)d days") % {"number": contract.number, "days": days_left}
            body = _("%(vendor)s, %(category)s: ends on %(date)s.") % {
                "vendor": contract.vendor,
                "category": contract.category,
                "date": contract.end_date,
            }
            if renewal is not None:
                body += " " + _("Its renewal %(number)s is %(status)s.") % {
                    "number": renewal.number,
                    "status": renewal.get_status_display(),
                }
            else:
                body += " " + _("No renewal yet: renew it or tender the service again (%(url)s).") % {
                    "url": reverse("contracts:renewals")
                }
            sent += len(
                notify_office(
                    subject=subject,
                    body=body,
                    dedup_key=f"expiry:contract:{contract.pk}:{contract.end_date}:{threshold}",
                )
            )
    return sent


def objection_periods_ended(now: dt.datetime | None = None) -> int:
    """Published evaluations whose objection period is over (or accepted): the office is told once per
    evaluation and deadline which can be finalized and which wait for rulings (and formal notices not
    acknowledged after NOTICE_ACK_DAYS, once each)."""
    now = now or timezone.now()
    sent = 0
    with override("zh-hans"):
        ended = (
            Evaluation.objects.filter(status=EvaluationStatus.PUBLISHED)
            .filter(Q(objection_deadline__lte=now) | Q(accepted_at__isnull=False))
            .select_related("contract")
            .annotate(waiting=Count("objections", filter=Q(objections__status=ObjectionStatus.OPEN)))
        )
        for evaluation in ended:
            subject = (
                _("%(number)s %(quarter)s: %(count)d objections await a ruling")
                if evaluation.waiting
                else _("%(number)s %(quarter)s: the objection period is over, it can be finalized")
            ) % {"number": evaluation.contract.number, "quarter": evaluation.quarter, "count": evaluation.waiting}
            sent += len(
                notify_office(
                    subject=subject,
                    body=_("The vendor's objection period ended at %(deadline)s.")
                    % {"deadline": evaluation.objection_deadline_text},
                    dedup_key=f"objection-period:{evaluation.pk}:{evaluation.objection_deadline.isoformat()}"
                    f":{evaluation.waiting}",
                )
            )
        for notice in contract_notices.unacknowledged(now=now):
            sent += len(
                notify_office(
                    subject=_("Notice %(number)s not acknowledged by %(vendor)s")
                    % {"number": notice.number, "vendor": notice.contract.vendor},
                    body=notice.title,
                    dedup_key=f"notice-unacknowledged:{notice.pk}",
                )
            )
    return sent


def payment_schedules_refresh() -> int:
    """Every signed contract's payment schedule brought up to date (a quarter finalized or corrected, a contract
    ended or amended); a paid instalment never changes."""
    from contracts.services_payments import payments_refresh

    contracts = Contract.objects.exclude(status=ContractStatus.DRAFT).order_by("pk")
    return sum(1 for contract in contracts if payments_refresh(contract=contract) is not None)


def nightly(today: dt.date | None = None) -> dict[str, Any]:
    today = today or local_today()
    report = {}
    report["running_scores"] = len(services.evaluations_compute(quarter=Quarter.containing(today)))
    report["overdue_rectifications"] = rectification_services.rectifications_mark_overdue()
    report["overdue_complaints"] = complaint_services.complaints_mark_overdue()
    report["contracts_expired"] = contract_services.contracts_expire_due(today=today)
    report["expiry_alerts"] = expiry_alerts(today)
    report["staffing_alerts"] = staffing_services.staffing_alerts(today)  # roster gaps, expiring certificates
    report["objection_periods"] = objection_periods_ended()
    report["payment_schedules"] = payment_schedules_refresh()
    logger.info("nightly job: %s", report)
    return report
