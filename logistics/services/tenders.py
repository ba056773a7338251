"""Tendering use cases: publish, bid, open, qualify, score, award."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from logistics import selectors, tendering
from logistics.models import (
    TENDER_FLOW,
    Bid,
    BidAttachment,
    BidScore,
    ScoreSheet,
    Tender,
    TenderCriterion,
    TenderStatus,
    Vendor,
    VendorStatus,
    stamp,
)

if TYPE_CHECKING:
    from logistics.models import User


MIN_QUALIFIED_BIDS = 3


def _local(moment: Any) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _lock(tender: Tender) -> Tender:
    return Tender.objects.select_for_update().get(pk=tender.pk)


@transaction.atomic
def tender_publish(*, tender: Tender, by: User | None = None) -> Tender:
    tender = _lock(tender)
    TENDER_FLOW.check(tender.status, TenderStatus.PUBLISHED, _("Only a draft tender can be published."))
    criteria = list(tender.criteria.all())
    if not criteria:
        raise ValidationError(_("Add the technical evaluation criteria before publishing."))
    total = sum((c.weight for c in criteria), Decimal(0)) + tender.price_weight
    if total != Decimal(100):
        raise ValidationError(
            _(
                "The technical criteria (%(technical)s points) and the price weight (%(price)s points) must add up to "
                "100; they add up to %(total)s."
            )
            % {"technical": total - tender.price_weight, "price": tender.price_weight, "total": total}
        )
    now = timezone.now()
    if tender.bid_deadline <= now:
        raise ValidationError(_("The bid deadline must be in the future."))
    if tender.method == Tender.Method.INVITED and not tender.invited_vendors.exists():
        raise ValidationError(_("An invited tender needs the list of invited vendors."))
    TENDER_FLOW.advance(tender, TenderStatus.PUBLISHED)
    tender.published_at = now
    tender.save(update_fields=["status", "published_at", "updated_at"])
    return tender


def _check_can_bid(tender: Tender, vendor: Vendor, now: Any) -> None:
    if vendor.status == VendorStatus.BLACKLISTED:
        raise ValidationError(_("A blacklisted vendor cannot bid."))
    if vendor.status != VendorStatus.ADMITTED:
        raise ValidationError(
            _("Only admitted vendors can bid; your status is “%(status)s”.") % {"status": vendor.get_status_display()}
        )
    if tender.status != TenderStatus.PUBLISHED or tender.published_at is None:
        raise ValidationError(_("This tender is not open for bids."))
    if now >= tender.bid_deadline:
        raise ValidationError(
            _("The bid deadline (%(deadline)s) has passed; bids are no longer accepted.")
            % {"deadline": _local(tender.bid_deadline)}
        )
    if tender.method == Tender.Method.INVITED and not tender.invited_vendors.filter(pk=vendor.pk).exists():
        raise ValidationError(_("This tender is by invitation and your company was not invited."))


@transaction.atomic
def bid_submit(
    *,
    tender: Tender,
    vendor: Vendor,
    price: Decimal,
    proposal: str,
    past_projects: int = 0,
    past_projects_description: str = "",
    attachments: list[tuple[str, Any]] | None = None,
    by: User | None = None,
) -> Bid:
    """Submit or revise a sealed bid before the deadline (one bid per vendor and tender)."""
    tender = _lock(tender)
    now = timezone.now()
    _check_can_bid(tender, vendor, now)
    try:
        price = Decimal(price)
    except (InvalidOperation, TypeError):
        raise ValidationError({"price": _("Enter the price as a number.")})
    if price <= 0:
        raise ValidationError({"price": _("The price must be greater than zero.")})
    if not proposal or not proposal.strip():
        raise ValidationError({"proposal": _("Describe your technical proposal.")})
    bid, _created = Bid.objects.update_or_create(
        tender=tender,
        vendor=vendor,
        defaults={
            "price": price,
            "proposal": proposal.strip(),
            "past_projects": past_projects,
            "past_projects_description": past_projects_description.strip(),
            "submitted_at": now,
            "submitted_by": by,
        },
    )
    bid.full_clean()
    for title, content in attachments or []:
        attachment = BidAttachment(bid=bid, title=title[:200])
        attachment.file.save(content.name, content, save=False)
        attachment.save()
    return bid


@transaction.atomic
def tender_open(*, tender: Tender, by: User | None = None, now: Any = None) -> Tender:
    """At the opening time: close the tender for bids and check every bid against the requirements."""
    tender = _lock(tender)
    now = now or timezone.now()
    TENDER_FLOW.check(tender.status, TenderStatus.EVALUATING, _("Only a published tender can be opened."))
    if now < tender.opening_at:
        raise ValidationError(
            _("The bids are sealed until the opening time (%(opening)s).") % {"opening": _local(tender.opening_at)}
        )
    bids = list(tender.bids.select_related("vendor"))
    requirements = selectors.tender_requirements(tender)
    facts = selectors.bidder_facts(tender, bids)
    for bid in bids:
        qualified, reasons = tendering.qualify(requirements, facts[bid.pk])
        bid.auto_qualified = qualified
        bid.qualification_reasons = reasons
        bid.save(update_fields=["auto_qualified", "qualification_reasons", "updated_at"])
    TENDER_FLOW.advance(tender, TenderStatus.EVALUATING)
    tender.save(update_fields=["status", "updated_at"])
    return tender


@transaction.atomic
def bid_override_qualification(*, bid: Bid, qualified: bool, reason: str, by: User | None = None) -> Bid:
    """The office overrides the automatic check of one bid, with a written reason."""
    tender = _lock(bid.tender)
    if tender.status != TenderStatus.EVALUATING or tender.qualification_confirmed_at is not None:
        raise ValidationError(_("Qualification can only be changed after the opening and before it is confirmed."))
    if not reason.strip():
        raise ValidationError({"override_reason": _("Please write why the automatic check is overridden.")})
    bid.qualified_override = qualified
    bid.override_reason = reason.strip()
    bid.overridden_by = by
    stamp(bid, by=by, reason=reason.strip())
    bid.save(update_fields=["qualified_override", "override_reason", "overridden_by", "updated_at"])
    return bid


@transaction.atomic
def tender_confirm_qualification(*, tender: Tender, by: User | None = None) -> Tender:
    """Confirm the qualified bids; with fewer than three the tender fails (流标) and says why."""
    tender = _lock(tender)
    if tender.status != TenderStatus.EVALUATING or tender.qualification_confirmed_at is not None:
        raise ValidationError(_("The qualification of this tender cannot be confirmed now."))
    qualified = selectors.qualified_bids(tender)
    if len(qualified) < MIN_QUALIFIED_BIDS:
        TENDER_FLOW.advance(tender, TenderStatus.FAILED)
        tender.failure_reason = _("Only %(count)d qualified bid(s); at least %(minimum)d are required (流标).") % {
            "count": len(qualified),
            "minimum": MIN_QUALIFIED_BIDS,
        }
        tender.save(update_fields=["status", "failure_reason", "updated_at"])
        return tender
    tender.qualification_confirmed_at = timezone.now()
    tender.save(update_fields=["qualification_confirmed_at", "updated_at"])
    return tender


def _scoring_open(tender: Tender) -> None:
    if tender.status != TenderStatus.EVALUATING or tender.qualification_confirmed_at is None:
        raise ValidationError(_("Scoring is open once the qualification is confirmed and until the award."))


@transaction.atomic
def score_sheet_save(
    *, tender: Tender, member: Any, scores: Mapping[tuple[int, int], Decimal], submit: bool = False
) -> ScoreSheet:
    """Save a member's technical scores ``{(bid_id, criterion_id): score}``; ``submit`` locks the sheet."""
    tender = _lock(tender)
    _scoring_open(tender)
    if not tender.committee.filter(pk=member.pk).exists():
        raise ValidationError(_("Only members of the evaluation committee can score this tender."))
    sheet, _created = ScoreSheet.objects.get_or_create(tender=tender, member=member)
    if sheet.submitted_at is not None:
        raise ValidationError(_("Your score sheet has been submitted and can no longer change."))
    criteria = {c.pk: c for c in TenderCriterion.objects.filter(tender=tender)}
    bid_ids = {b.pk for b in selectors.qualified_bids(tender)}
    errors = {}
    for (bid_id, criterion_id), raw in scores.items():
        criterion = criteria.get(criterion_id)
        if bid_id not in bid_ids or criterion is None:
            raise ValidationError(_("A score refers to a bid or criterion outside this tender."))
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            errors[f"{bid_id}-{criterion_id}"] = _("Enter a number.")
            continue
        if not (Decimal(0) <= value <= criterion.weight):
            errors[f"{bid_id}-{criterion_id}"] = _("Between 0 and %(max)s points.") % {"max": criterion.weight}
            continue
        BidScore.objects.update_or_create(sheet=sheet, bid_id=bid_id, criterion=criterion, defaults={"score": value})
    if errors:
        raise ValidationError(errors)
    if submit:
        expected = {(b, c) for b in bid_ids for c in criteria}
        have = set(sheet.scores.values_list("bid_id", "criterion_id"))
        if expected - have:
            raise ValidationError(_("Score every qualified bid on every criterion before submitting."))
        sheet.submitted_at = timezone.now()
        sheet.save(update_fields=["submitted_at", "updated_at"])
    return sheet


def award_handlers() -> list[Any]:
    return [import_string(path) for path in getattr(settings, "TENDER_AWARD_HANDLERS", [])]


@transaction.atomic
def tender_award(*, tender: Tender, bid: Bid | None = None, reason: str = "", by: User | None = None) -> Tender:
    """Award the top-ranked bid, or another qualified one with a written reason; then the award handlers run
    (the contracts app creates the prefilled draft contract)."""
    tender = _lock(tender)
    _scoring_open(tender)
    members = set(tender.committee.values_list("pk", flat=True))
    submitted = set(
        ScoreSheet.objects.filter(tender=tender, submitted_at__isnull=False).values_list("member_id", flat=True)
    )
    if not members or members - submitted:
        raise ValidationError(_("Every committee member must submit their score sheet before the award."))
    ranking = selectors.tender_ranking(tender)
    if not ranking:
        raise ValidationError(_("There is no qualified bid to award."))
    top = ranking[0].bid_id
    chosen = bid.pk if bid is not None else top
    if chosen not in {r.bid_id for r in ranking}:
        raise ValidationError(_("Only a qualified bid can be awarded."))
    if chosen != top and not reason.strip():
        raise ValidationError(
            {"award_reason": _("Awarding a bid other than the top-ranked one needs a written reason.")}
        )
    TENDER_FLOW.advance(tender, TenderStatus.AWARDED)
    tender.awarded_bid_id = chosen
    tender.award_reason = reason.strip()
    tender.awarded_at = timezone.now()
    tender.awarded_by = by
    tender.full_clean()
    tender.save()
    for handler in award_handlers():
        handler(tender=tender, by=by)
    return tender
