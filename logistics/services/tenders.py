"""Tendering use cases: publish, bid, open, qualify, score, award."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from logistics import bulk, selectors, tendering
from logistics.models import (
    TENDER_FLOW,
    AwardObjection,
    Bid,
    BidAttachment,
    BidCheck,
    BidScore,
    ObjectionRuling,
    ScoreSheet,
    Tender,
    TenderCriterion,
    TenderQuestion,
    TenderRegistration,
    TenderStatus,
    User,
    Vendor,
    VendorStatus,
    stamp,
)
from logistics.notify import notify, notify_office

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


def _tell_vendors(vendors: Any, **notice: Any) -> None:
    """After the commit: the vendors' contact persons and their staff's accounts (inbox, email, ...)."""
    vendors = list(vendors)
    users = list(User.objects.filter(vendor__in=vendors, is_active=True))
    transaction.on_commit(lambda: notify(vendors=vendors, users=users, **notice))


def _tell_office(**notice: Any) -> None:
    """After the commit: everyone in the office (inbox, e-mail, ...) and the office's group robots."""
    transaction.on_commit(lambda: notify_office(**notice))


def _register(tender: Tender, vendor: Vendor, by: User | None) -> TenderRegistration:
    registration, _created = TenderRegistration.objects.get_or_create(
        tender=tender, vendor=vendor, defaults={"registered_by": by}
    )
    return registration


def _check_vendor_may_take_part(tender: Tender, vendor: Vendor) -> None:
    if tender.status != TenderStatus.PUBLISHED or tender.published_at is None:
        raise ValidationError(_("This tender is not open for bids."))
    if tender.method == Tender.Method.INVITED and not tender.invited_vendors.filter(pk=vendor.pk).exists():
        raise ValidationError(_("This tender is by invitation and your company was not invited."))


@transaction.atomic
def tender_register(*, tender: Tender, vendor: Vendor, by: User | None = None) -> TenderRegistration:
    """A vendor registers for a tender (报名): it will hear every published answer and deadline change."""
    tender = _lock(tender)
    _check_vendor_may_take_part(tender, vendor)
    if timezone.now() >= tender.bid_deadline:
        raise ValidationError(
            _("The bid deadline (%(deadline)s) has passed.") % {"deadline": _local(tender.bid_deadline)}
        )
    return _register(tender, vendor, by)


@transaction.atomic
def tender_question_ask(*, tender: Tender, vendor: Vendor, question: str, by: User | None = None) -> TenderQuestion:
    """A vendor asks a clarification question before the bid deadline (and is registered for the tender)."""
    tender = _lock(tender)
    _check_vendor_may_take_part(tender, vendor)
    if timezone.now() >= tender.bid_deadline:
        raise ValidationError(
            _("The bid deadline (%(deadline)s) has passed; questions are no longer accepted.")
            % {"deadline": _local(tender.bid_deadline)}
        )
    if not (question or "").strip():
        raise ValidationError({"question": _("Please write your question.")})
    _register(tender, vendor, by)
    item = TenderQuestion(tender=tender, vendor=vendor, asked_by=by, question=question.strip())
    item.full_clean()
    item.save()
    _tell_office(
        subject=_("%(number)s: a bidder's question") % {"number": tender.number},
        body=item.question,
        dedup_key=f"tender-question:{item.pk}",
    )
    return item


def registered_vendors(tender: Tender) -> QuerySet:
    """Who hears a tender's answers and deadline changes: the registered vendors, the bidders and, for an invited
    tender, the invited ones."""
    return Vendor.objects.filter(
        Q(tender_registrations__tender=tender) | Q(bids__tender=tender) | Q(tender_invitations=tender)
    ).distinct()


@transaction.atomic
def tender_question_answer(*, question: TenderQuestion, answer: str, by: User | None = None) -> TenderQuestion:
    """The office answers; the answer is published at once to every registered bidder, without the asker's name.
    A published answer is not edited: a correction is another answer."""
    question = TenderQuestion.objects.select_for_update().select_related("tender").get(pk=question.pk)
    tender = question.tender
    if question.answered_at is not None:
        raise ValidationError(_("This question has been answered and the answer published; add a new answer instead."))
    if tender.status not in (TenderStatus.PUBLISHED, TenderStatus.CLOSED):
        raise ValidationError(_("The bids are open; questions can no longer be answered."))
    if not (answer or "").strip():
        raise ValidationError({"answer": _("Please write the answer.")})
    question.answer = answer.strip()
    question.answered_at = timezone.now()
    question.answered_by = by
    question.full_clean()
    question.save()
    vendors = list(registered_vendors(tender))
    _tell_vendors(
        vendors,
        subject=_("%(number)s: clarification published") % {"number": tender.number},
        body=_("Question: %(question)s\nAnswer: %(answer)s")
        % {"question": question.question, "answer": question.answer},
        dedup_key=f"tender-answer:{question.pk}",
    )
    return question


@transaction.atomic
def tender_deadline_extend(
    *, tender: Tender, bid_deadline: Any, opening_at: Any = None, reason: str, by: User | None = None
) -> Tender:
    """Move the bid deadline (and the opening with it) later, never earlier; every registered bidder hears it."""
    tender = _lock(tender)
    if tender.status != TenderStatus.PUBLISHED:
        raise ValidationError(_("Only a published tender's deadline can be moved."))
    if bid_deadline <= tender.bid_deadline:
        raise ValidationError(
            {
                "bid_deadline": _("A deadline moves only later: the new one must be after %(deadline)s.")
                % {"deadline": _local(tender.bid_deadline)}
            }
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Please write why the deadline moves.")})
    shift = bid_deadline - tender.bid_deadline
    opening_at = opening_at or tender.opening_at + shift
    if opening_at < bid_deadline:
        raise ValidationError({"opening_at": _("The opening cannot be before the bid deadline.")})
    old = tender.bid_deadline
    tender.bid_deadline, tender.opening_at = bid_deadline, opening_at
    stamp(tender, by=by, reason=reason.strip())
    tender.full_clean()
    tender.save(update_fields=["bid_deadline", "opening_at", "updated_at"])
    vendors = list(registered_vendors(tender))
    _tell_vendors(
        vendors,
        subject=_("%(number)s: the bid deadline moves to %(deadline)s")
        % {"number": tender.number, "deadline": _local(bid_deadline)},
        body=_(
            "The bid deadline of tender %(number)s moves from %(old)s to %(new)s; the opening is at %(opening)s. "
            "Reason: %(reason)s"
        )
        % {
            "number": tender.number,
            "old": _local(old),
            "new": _local(bid_deadline),
            "opening": _local(opening_at),
            "reason": reason.strip(),
        },
        dedup_key=f"tender-deadline:{tender.pk}:{bid_deadline.timestamp():.0f}",
    )
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
    _register(tender, vendor, by)
    for title, content in attachments or []:
        attachment = BidAttachment(bid=bid, title=title[:200])
        attachment.file.save(content.name, content, save=False)
        attachment.save()
    return bid


def _store_checks(bid: Bid, outcomes: list[tendering.CheckOutcome]) -> list[BidCheck]:
    return [BidCheck(bid=bid, item=o.item, passed=o.passed, reasons=o.reasons) for o in outcomes]


def bids_check(tender: Tender, bids: list[Bid]) -> None:
    """Check ``bids`` now and store every check with its reasons, and each bid's renewal bonus with its basis
    (the opening; the demo's past tenders)."""
    openings = selectors.bid_opening(tender, bids)
    BidCheck.objects.filter(bid__in=bids).delete()
    bulk.create_with_history(
        BidCheck,
        [check for bid in bids for check in _store_checks(bid, openings[bid.pk].checks)],
        reason=_("Checked at the opening"),
    )
    for bid in bids:
        opening = openings[bid.pk]
        bid.auto_qualified = bid.qualified = tendering.qualified(opening.checks)
        bid.renewal_bonus, bid.renewal_basis = opening.bonus, opening.bonus_basis
    bulk.update_with_history(
        Bid,
        bids,
        ["auto_qualified", "qualified", "renewal_bonus", "renewal_basis"],
        reason=_("Checked at the opening"),
    )


@transaction.atomic
def tender_open(*, tender: Tender, by: User | None = None, now: Any = None) -> Tender:
    """At the opening time: close the tender for bids and check every bid against the requirements and the
    institution's own records (admission for the category, certificates on the contract start, bad records,
    termination recommendations, the annual grade); each check is stored with its reasons."""
    tender = _lock(tender)
    now = now or timezone.now()
    TENDER_FLOW.check(tender.status, TenderStatus.EVALUATING, _("Only a published tender can be opened."))
    if now < tender.opening_at:
        raise ValidationError(
            _("The bids are sealed until the opening time (%(opening)s).") % {"opening": _local(tender.opening_at)}
        )
    bids_check(tender, list(tender.bids.select_related("vendor")))
    TENDER_FLOW.advance(tender, TenderStatus.EVALUATING)
    tender.save(update_fields=["status", "updated_at"])
    return tender


@transaction.atomic
def bid_check_override(*, check: BidCheck, passed: bool, reason: str, by: User | None = None) -> BidCheck:
    """The office overrides one check of a bid, with a written reason (kept in the history); the bid's verdict
    follows from all its checks. ``passed=None`` withdraws the override."""
    tender = _lock(check.bid.tender)
    if tender.status != TenderStatus.EVALUATING or tender.qualification_confirmed_at is not None:
        raise ValidationError(_("Qualification can only be changed after the opening and before it is confirmed."))
    check = BidCheck.objects.select_for_update().get(pk=check.pk)
    reason = (reason or "").strip()
    if passed is not None and not reason:
        raise ValidationError({"override_reason": _("Please write why the check is overridden.")})
    check.override_passed = passed
    check.override_reason = reason if passed is not None else ""
    check.overridden_by = by if passed is not None else None
    check.overridden_at = timezone.now() if passed is not None else None
    stamp(check, by=by, reason=reason or _("Override withdrawn"))
    check.save()
    bid = Bid.objects.select_for_update().get(pk=check.bid_id)
    bid.qualified = all(c.result for c in bid.checks.all())
    stamp(bid, by=by, reason=reason or _("Override withdrawn"))
    bid.save(update_fields=["qualified", "updated_at"])
    return check


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
    """Propose the award of the top-ranked bid, or another qualified one with a written reason, and publish it
    with the ranking for the objection period (中标公示); the award is final when the period ends without an
    upheld objection (``tender_award_confirm``)."""
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
    if AwardObjection.objects.filter(objected_bid_id=chosen, ruling=ObjectionRuling.UPHELD).exists():
        raise ValidationError(_("An objection against this bid was upheld; award another bid."))
    if chosen != top and not reason.strip():
        raise ValidationError(
            {"award_reason": _("Awarding a bid other than the top-ranked one needs a written reason.")}
        )
    now = timezone.now()
    TENDER_FLOW.advance(tender, TenderStatus.PUBLICITY)
    tender.awarded_bid_id = chosen
    tender.award_reason = reason.strip()
    tender.awarded_by = by
    tender.publicity_started_at = now
    tender.publicity_ends_at = now + dt.timedelta(days=tender.publicity_days)
    tender.full_clean()
    tender.save()
    winner = Bid.objects.select_related("vendor").get(pk=chosen)
    bidders = Vendor.objects.filter(bids__tender=tender).distinct()
    _tell_vendors(
        list(bidders),
        subject=_("%(number)s: proposed award in publicity until %(end)s")
        % {"number": tender.number, "end": _local(tender.publicity_ends_at)},
        body=_(
            "The proposed award of tender %(number)s (%(title)s) is to %(vendor)s. The ranking and scores are on "
            "the tender's page. A bidder may object, with its grounds, until %(end)s."
        )
        % {
            "number": tender.number,
            "title": tender.title,
            "vendor": winner.vendor.legal_name,
            "end": _local(tender.publicity_ends_at),
        },
        dedup_key=f"tender-publicity:{tender.pk}:{now.timestamp():.0f}",
    )
    return tender


@transaction.atomic
def award_objection_file(*, tender: Tender, vendor: Vendor, grounds: str, by: User | None = None) -> AwardObjection:
    """A bidder objects to the proposed award during its publicity, with its grounds."""
    tender = _lock(tender)
    now = timezone.now()
    if tender.status != TenderStatus.PUBLICITY:
        raise ValidationError(_("There is no proposed award of this tender in publicity."))
    if now >= tender.publicity_ends_at:
        raise ValidationError(
            _("The publicity period ended on %(end)s; objections are no longer accepted.")
            % {"end": _local(tender.publicity_ends_at)}
        )
    bid = Bid.objects.filter(tender=tender, vendor=vendor).first()
    if bid is None:
        raise ValidationError(_("Only a bidder of this tender can object to its award."))
    if bid.pk == tender.awarded_bid_id:
        raise ValidationError(_("The proposed winner cannot object to its own award."))
    if not (grounds or "").strip():
        raise ValidationError({"grounds": _("Please state the grounds of the objection.")})
    objection = AwardObjection(
        tender=tender, bid=bid, objected_bid_id=tender.awarded_bid_id, filed_by=by, grounds=grounds.strip()
    )
    objection.full_clean()
    objection.save()
    _tell_office(
        subject=_("%(number)s: an objection to the proposed award") % {"number": tender.number},
        body=_("%(vendor)s objects to the proposed award of tender %(number)s: %(grounds)s")
        % {"vendor": vendor.legal_name, "number": tender.number, "grounds": objection.grounds},
        dedup_key=f"award-objection:{objection.pk}",
    )
    return objection


@transaction.atomic
def award_objection_rule(
    *, objection: AwardObjection, upheld: bool, reason: str, by: User | None = None
) -> AwardObjection:
    """The office rules on an objection with reasons. Upheld: the proposed award is withdrawn and the tender is
    back in evaluation (the office awards another bid, which is published again)."""
    tender = _lock(objection.tender)
    objection = AwardObjection.objects.select_for_update().get(pk=objection.pk)
    if objection.ruling != ObjectionRuling.PENDING:
        raise ValidationError(_("This objection has already been ruled on."))
    if not (reason or "").strip():
        raise ValidationError({"ruling_reason": _("Please give the reasons for the ruling.")})
    objection.ruling = ObjectionRuling.UPHELD if upheld else ObjectionRuling.DISMISSED
    objection.ruling_reason = reason.strip()
    objection.ruled_at = timezone.now()
    objection.ruled_by = by
    objection.full_clean()
    objection.save()
    if upheld and tender.status == TenderStatus.PUBLICITY and tender.awarded_bid_id == objection.objected_bid_id:
        TENDER_FLOW.advance(tender, TenderStatus.EVALUATING)
        tender.awarded_bid = None
        tender.publicity_started_at = tender.publicity_ends_at = None
        stamp(tender, by=by, reason=reason.strip())
        tender.save()
    vendors = Vendor.objects.filter(bids__tender=tender).distinct() if upheld else [objection.bid.vendor]
    _tell_vendors(
        list(vendors),
        subject=_("%(number)s: ruling on an objection to the award") % {"number": tender.number},
        body=_("The objection to the proposed award of tender %(number)s was %(ruling)s: %(reason)s")
        % {"number": tender.number, "ruling": objection.get_ruling_display(), "reason": objection.ruling_reason},
        dedup_key=f"award-objection-ruling:{objection.pk}",
    )
    return objection


@transaction.atomic
def tender_award_confirm(*, tender: Tender, by: User | None = None, now: Any = None) -> Tender:
    """When the publicity has ended with every objection ruled and none upheld, the award is final and the award
    handlers run (the contracts app drafts the contract)."""
    tender = _lock(tender)
    now = now or timezone.now()
    if tender.status != TenderStatus.PUBLICITY:
        raise ValidationError(_("There is no proposed award of this tender in publicity."))
    if now < tender.publicity_ends_at:
        raise ValidationError(_("The publicity period runs until %(end)s.") % {"end": _local(tender.publicity_ends_at)})
    pending = AwardObjection.objects.filter(tender=tender, ruling=ObjectionRuling.PENDING).count()
    if pending:
        raise ValidationError(
            _("%(count)d objection(s) still await a ruling; the award waits for them.") % {"count": pending}
        )
    TENDER_FLOW.advance(tender, TenderStatus.AWARDED)
    tender.awarded_at = now
    tender.full_clean()
    tender.save()
    for handler in award_handlers():
        handler(tender=tender, by=by or tender.awarded_by)
    return tender


def awards_confirm_due(*, now: Any = None) -> list[Tender]:
    """The periodic job: confirm every award whose publicity has ended with no objection pending or upheld.
    Twice is once (a confirmed tender is no longer in publicity)."""
    now = now or timezone.now()
    confirmed = []
    due = Tender.objects.filter(status=TenderStatus.PUBLICITY, publicity_ends_at__lte=now).exclude(
        objections__ruling=ObjectionRuling.PENDING
    )
    for tender in due.order_by("pk"):
        try:
            confirmed.append(tender_award_confirm(tender=tender, now=now))
        except ValidationError:
            continue  # an objection came in meanwhile: next run
    return confirmed
