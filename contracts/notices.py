"""Formal notices to vendors (考评结果通知书, 书面警告): numbered per kind and year, rendered as PDFs by a task,
delivered to the vendor's portal and its contact persons, acknowledged by the vendor.

Each app registers the renderer of the notices it knows (``register_notice_renderer(kind, fn)``: the result
notice is the scoring app's, the warning notice this app's); the lifecycle is one (``RenderedFile``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contracts.choices import NOTICE_PREFIX, VENDOR_NOTICES, NoticeKind
from contracts.models import Contract, FormalNotice, FormalWarning
from logistics import outbox
from logistics.context_processors import default_institution_name
from logistics.models import stamp
from logistics.notify import notify_vendor
from logistics.numbering import next_in_series
from logistics.policy import may
from logistics.quarters import Quarter, local_date

if TYPE_CHECKING:
    from logistics.models import User

logger = logging.getLogger(__name__)
NoticeRenderer = Callable[[FormalNotice], bytes]
_RENDERERS: dict[str, NoticeRenderer] = {}


def register_notice_renderer(kind: str, renderer: NoticeRenderer) -> None:
    _RENDERERS[kind] = renderer


def next_number(kind: str, year: int) -> str:
    """考评结果通知书 KP-2026-0003: the kind's prefix, the year, the count of that kind in that year."""
    return next_in_series(FormalNotice.objects.all(), f"{NOTICE_PREFIX[kind]}-{year}-")


@transaction.atomic
def notice_issue(
    *,
    kind: str,
    contract: Contract,
    title: str,
    quarter: str = "",
    warning: FormalWarning | None = None,
    subject_id: int | None = None,
    by: User | None = None,
) -> FormalNotice:
    """Number a notice, queue its PDF and tell the vendor. Issuing the same notice twice gives the first."""
    if warning is not None:
        same = {"warning": warning}
    elif subject_id is not None:
        same = {"subject_id": subject_id}
    else:
        same = {"quarter": quarter}
    existing = FormalNotice.objects.filter(contract=contract, kind=kind, **same).first()
    if existing is not None:
        return existing
    now = timezone.now()
    for _attempt in range(3):  # two issues at the same moment take the same number: the second takes the next
        try:
            with transaction.atomic():
                notice = FormalNotice(
                    kind=kind,
                    number=next_number(kind, local_date(now).year),
                    contract=contract,
                    quarter=quarter,
                    warning=warning,
                    subject_id=subject_id,
                    title=title[:200],
                    issued_at=now,
                    issued_by=by,
                )
                stamp(notice, by=by)
                notice.save()
                break
        except IntegrityError:
            existing = FormalNotice.objects.filter(contract=contract, kind=kind, **same).first()
            if existing is not None:  # the same notice issued at the same moment (a double click)
                return existing
            continue
    else:
        raise ValidationError(_("The notice could not be numbered; try again."))
    outbox.enqueue("contracts.tasks.render_notice_task", kwargs={"notice_id": notice.pk})
    if kind not in VENDOR_NOTICES:
        return notice  # the office's own paper (the office is told by the event that made it)
    notify_vendor(
        contract.vendor,
        subject=_("Formal notice %(number)s: %(title)s") % {"number": notice.number, "title": notice.title},
        body=_(
            "The logistics office has sent you a formal notice about contract %(contract)s. Read it in the vendor "
            "portal and acknowledge its receipt there."
        )
        % {"contract": contract.number},
        dedup_key=f"notice:{notice.pk}",
    )
    return notice


def notice_render(notice_id: int) -> FormalNotice | None:
    """Render a notice's PDF (in the institution's language; a second run of a ready one does nothing)."""
    notice = FormalNotice.objects.select_related("contract__vendor", "warning").filter(pk=notice_id).first()
    if notice is None or notice.status == FormalNotice.Status.READY:
        return notice
    try:
        with translation.override(settings.LANGUAGE_CODE):
            data = _RENDERERS[notice.kind](notice)
    except Exception as exc:  # recorded on the notice, for the office
        logger.exception("notice %s (%s) failed", notice.pk, notice.kind)
        notice.mark_failed(exc)
        return notice
    notice.mark_ready(f"{notice.number}.pdf", data)
    return notice


def warning_notice_issue(*, warning: FormalWarning, by: User | None = None) -> FormalNotice:
    """The formal warning notice (警告函) of ``warning``, a clause's at finalization or the office's own."""
    contract = warning.contract
    return notice_issue(
        kind=NoticeKind.WARNING,
        contract=contract,
        quarter=warning.quarter,
        warning=warning,
        title=_("Formal warning: %(contract)s") % {"contract": contract.number},
        by=by,
    )


@transaction.atomic
def notice_acknowledge(*, notice: FormalNotice, by: User) -> FormalNotice:
    """The vendor confirms it received the notice (who and when; twice is once)."""
    notice = FormalNotice.objects.select_for_update(of=("self",)).select_related("contract").get(pk=notice.pk)
    if notice.kind not in VENDOR_NOTICES or not may(by, "notice.acknowledge", notice):
        raise ValidationError(_("Only the vendor's staff acknowledge its notices."))
    if notice.acknowledged_at is not None:
        return notice
    notice.acknowledged_at = timezone.now()
    notice.acknowledged_by = by
    stamp(notice, by=by, reason="acknowledged")
    notice.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
    return notice


def unacknowledged(*, days: int | None = None, now: dt.datetime | None = None) -> QuerySet:
    """Notices the vendor has not acknowledged ``days`` (NOTICE_ACK_DAYS) days after they were issued."""
    days = settings.NOTICE_ACK_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return FormalNotice.objects.filter(
        kind__in=VENDOR_NOTICES, acknowledged_at__isnull=True, issued_at__lte=cutoff
    ).select_related("contract__vendor")


def notice_context(notice: FormalNotice) -> dict[str, Any]:
    """What every notice's PDF shows in its head and foot."""
    return {
        "notice": notice,
        "contract": notice.contract,
        "vendor": notice.contract.vendor,
        "institution": default_institution_name(),
        "issued_on": local_date(notice.issued_at),
    }


@transaction.atomic
def warning_issue(
    *, contract: Contract, breach: str, evidence: str, rectify_by: dt.date | None, by: User
) -> FormalWarning:
    """The office warns the vendor for a serious breach, at any time: the breach, its evidence, a rectification
    deadline. It counts in the termination ladder in the quarter it is issued, like a score warning; its
    numbered notice goes to the vendor."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if not may(by, "warning.issue", contract):
        raise ValidationError(_("Only the logistics office issues a formal warning, on a signed, running contract."))
    errors = {}
    if not breach.strip():
        errors["note"] = _("Describe the breach the warning is for.")
    if not evidence.strip():
        errors["evidence"] = _("A formal warning needs its evidence: name the inspections, photos or reports.")
    today = local_date(timezone.now())
    if rectify_by is not None and rectify_by < today:
        errors["rectify_by"] = _("The rectification deadline cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    warning = FormalWarning(
        contract=contract,
        quarter=Quarter.containing(now).key,
        clause=None,
        reason={},
        note=breach.strip(),
        evidence=evidence.strip(),
        rectify_by=rectify_by,
        issued_at=now,
        issued_by=by,
    )
    stamp(warning, by=by, reason="issued by the office")
    warning.save()
    warning_notice_issue(warning=warning, by=by)
    return warning


@transaction.atomic
def warning_withdraw(*, warning: FormalWarning, reason: str, by: User) -> FormalWarning:
    """Withdraw a warning (it no longer counts in the ladder); the reason is kept and the vendor told."""
    warning = (
        FormalWarning.objects.select_for_update(of=("self",)).select_related("contract__vendor").get(pk=warning.pk)
    )
    if not may(by, "warning.withdraw", warning):
        raise ValidationError(_("Only the logistics office withdraws a formal warning."))
    if warning.withdrawn_at is not None:
        raise ValidationError(_("This warning has already been withdrawn."))
    if not reason.strip():
        raise ValidationError({"reason": _("Withdrawing a warning needs a written reason.")})
    warning.withdrawn_at = timezone.now()
    warning.withdrawn_by = by
    warning.withdrawal_reason = reason.strip()
    stamp(warning, by=by, reason=reason.strip())
    warning.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
    notify_vendor(
        warning.contract.vendor,
        subject=_("Formal warning withdrawn: %(contract)s") % {"contract": warning.contract.number},
        body=warning.withdrawal_reason,
        dedup_key=f"warning-withdrawn:{warning.pk}",
    )
    return warning
