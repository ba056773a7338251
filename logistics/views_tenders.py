"""Tender pages: the public notices, bidding from the vendor portal, and the office's evaluation
(qualification, committee scoring, award)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Sum
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from logistics import forms, selectors
from logistics.access import is_vendor_user, scoped
from logistics.models import (
    AwardObjection,
    Bid,
    BidCheck,
    BidScore,
    CertificateHolder,
    ObjectionRuling,
    ScoreSheet,
    Tender,
    TenderQuestion,
    TenderStatus,
)
from logistics.policy import may
from logistics.services import tenders as tender_services
from logistics.web import add_errors, role_required, vendor_notes


# --- Public tenders -------------------------------------------------------------------------------------
def tenders_public(request: HttpRequest) -> HttpResponse:
    tenders = selectors.tenders_public()
    now = timezone.now()
    context = {"tenders": tenders, "awards": selectors.awards_public(), "now": now}
    return render(request, "logistics/tenders_public.html", context)


@require_http_methods(["GET", "POST"])
def tender_public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The tender notice; its published clarifications; the award's publicity with the ranking. A vendor's staff
    also register, ask, see their bid's qualification checks and object to a proposed award here."""
    queryset = Tender.objects.exclude(status=TenderStatus.DRAFT).filter(method=Tender.Method.OPEN)
    if request.user.is_authenticated:
        queryset = queryset | Tender.objects.filter(pk__in=scoped(request.user, Tender.objects.all()).values("pk"))
    tender = get_object_or_404(
        queryset.select_related("category", "awarded_bid__vendor")
        .prefetch_related("sites", "required_certificate_types", "criteria", "attachments")
        .distinct(),
        pk=pk,
    )
    vendor = request.user.vendor if is_vendor_user(request.user) else None
    data = request.POST if request.method == "POST" else None
    action = data.get("action", "") if data else ""
    question = forms.TenderQuestionForm(data if action == "ask" else None)
    objection = forms.AwardObjectionForm(data if action == "object" else None)
    if data is not None:
        if vendor is None or action not in VENDOR_ACTIONS or not may(request.user, f"tender.{action}"):
            raise PermissionDenied
        done = _vendor_action(request, tender, vendor, action, {"ask": question, "object": objection}.get(action))
        if done:
            messages.success(request, done)
            return redirect("logistics:tender_detail", pk=tender.pk)
    context = {
        "tender": tender,
        "now": timezone.now(),
        "answers": selectors.tender_answers(tender),
        "publicity": selectors.award_publicity(tender),
        "mandatory_types": list(tender.category.mandatory_certificate_types.filter(holder=CertificateHolder.COMPANY)),
        "vendor": vendor,
        "question": question,
        "objection": objection,
    }
    if vendor is not None:
        context.update(selectors.tender_for_vendor(tender, vendor))
    return render(request, "logistics/tender_detail.html", context)


VENDOR_ACTIONS = {"register", "ask", "object"}


def _vendor_action(request: HttpRequest, tender: Tender, vendor: Any, action: str, form: Any) -> str:
    """A bidder's action on the tender page through its service: the success message, or "" with the problems
    on the form (or, for the registration, in the page's messages)."""
    try:
        if action == "register":
            tender_services.tender_register(tender=tender, vendor=vendor, by=request.user)
            return _("Your company is registered for this tender: you will hear every clarification.")
        if not form.is_valid():
            return ""
        if action == "ask":
            tender_services.tender_question_ask(
                tender=tender, vendor=vendor, question=form.cleaned_data["question"], by=request.user
            )
            return _("Your question has been sent. The answer will be published to every registered bidder.")
        tender_services.award_objection_file(
            tender=tender, vendor=vendor, grounds=form.cleaned_data["grounds"], by=request.user
        )
        return _("Your objection has been filed. The office rules on it with reasons before the award.")
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(exc.messages))
        else:
            add_errors(form, exc)
        return ""


@role_required("vendor")
@require_http_methods(["GET", "POST"])
def bid_form(request: HttpRequest, pk: int) -> HttpResponse:
    if not may(request.user, "bid.submit"):
        raise PermissionDenied
    tender = get_object_or_404(scoped(request.user, Tender.objects.all()).select_related("category"), pk=pk)
    vendor = request.user.vendor
    existing = Bid.objects.filter(tender=tender, vendor=vendor).first()
    if request.method == "POST":
        form = forms.BidForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                tender_services.bid_submit(
                    tender=tender,
                    vendor=vendor,
                    price=data["price"],
                    proposal=data["proposal"],
                    past_projects=data["past_projects"],
                    past_projects_description=data["past_projects_description"],
                    attachments=[(f.name, f) for f in data["documents"]],
                    by=request.user,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Your sealed bid has been received. You can revise it until the deadline."))
                return redirect("logistics:vendor_portal")
    else:
        initial = {}
        if existing:
            initial = {
                "price": existing.price,
                "proposal": existing.proposal,
                "past_projects": existing.past_projects,
                "past_projects_description": existing.past_projects_description,
            }
        form = forms.BidForm(initial=initial)
    context = {"tender": tender, "form": form, "existing": existing, "open": tender.is_open_for_bids()}
    return render(request, "logistics/bid_form.html", context)


# --- Tender evaluation (office: qualification, committee scoring, award) --------------------------------
@role_required("office")
@require_http_methods(["GET", "POST"])
def tender_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    tender = get_object_or_404(
        Tender.objects.select_related("category", "awarded_bid__vendor").prefetch_related("criteria", "committee"),
        pk=pk,
    )
    criteria = list(tender.criteria.all())
    is_member = any(m.pk == request.user.pk for m in tender.committee.all())
    sealed = tender.bids_are_sealed()
    bids = (
        []
        if sealed
        else list(
            tender.bids.select_related("vendor").prefetch_related(
                "attachments", Prefetch("checks", queryset=BidCheck.objects.select_related("overridden_by"))
            )
        )
    )
    notes = vendor_notes([b.vendor_id for b in bids], tender.category_id)  # e.g. preferred for renewal
    for bid in bids:
        bid.notes = notes.get(bid.vendor_id, [])
    qualified = [b for b in bids if b.is_qualified]
    sheet = ScoreSheet.objects.filter(tender=tender, member=request.user).first()
    scoring_open = tender.status == TenderStatus.EVALUATING and tender.qualification_confirmed_at is not None
    errors: list[str] = []
    action = request.POST.get("action") if request.method == "POST" else None
    bound: dict[str, Any] = {}  # the form sent, with what was typed, shown again at its place when refused
    if action in OFFICE_ACTIONS:
        response = _office_action(request, tender, action)
        if isinstance(response, HttpResponse):
            return response
        errors, bound = response
    elif action in {"save_scores", "submit_scores"}:
        scores = {}
        for bid in qualified:
            for criterion in criteria:
                raw = request.POST.get(f"score-{bid.pk}-{criterion.pk}", "").strip()
                if raw != "":
                    scores[(bid.pk, criterion.pk)] = raw
        try:
            tender_services.score_sheet_save(
                tender=tender, member=request.user, scores=scores, submit=request.POST["action"] == "submit_scores"
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Your scores have been saved."))
            return redirect("logistics:tender_evaluate", pk=tender.pk)
    elif action == "award":
        choices = [(b.pk, b.vendor.legal_name) for b in qualified]
        award_form = forms.AwardForm(request.POST, choices=choices)
        if award_form.is_valid():
            chosen = next(b for b in qualified if b.pk == award_form.cleaned_data["bid"])
            try:
                tender_services.tender_award(
                    tender=tender, bid=chosen, reason=award_form.cleaned_data["reason"], by=request.user
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(
                    request, _("The proposed award is published; bidders may object until the publicity ends.")
                )
                return redirect("logistics:tender_evaluate", pk=tender.pk)
    own_scores = {}
    if sheet is not None:
        own_scores = {(s.bid_id, s.criterion_id): s.score for s in sheet.scores.all()}
        if request.method == "POST" and errors:
            own_scores.update(
                {(b.pk, c.pk): request.POST.get(f"score-{b.pk}-{c.pk}", "") for b in qualified for c in criteria}
            )
    visible_sheets = selectors.score_sheet_visible_to(request.user, tender).exclude(member=request.user)
    others: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for row in (
        BidScore.objects.filter(sheet__in=visible_sheets)
        .values("sheet__member__username", "sheet__member__last_name", "sheet__member__first_name", "bid_id")
        .annotate(total=Sum("score"))
        .order_by("sheet__member__username")
    ):
        name = f"{row['sheet__member__last_name']}{row['sheet__member__first_name']}" or row["sheet__member__username"]
        others[name][row["bid_id"]] = row["total"]
    # the ranking shows once every member has submitted (and after the award): nobody is swayed by it
    members = {m.pk for m in tender.committee.all()}
    submitted = set(
        ScoreSheet.objects.filter(tender=tender, submitted_at__isnull=False).values_list("member_id", flat=True)
    )
    ranking = []
    if tender.status in (TenderStatus.PUBLICITY, TenderStatus.AWARDED) or (
        scoring_open and members and members <= submitted
    ):
        ranking = selectors.tender_ranking(tender)
    bids_by_id = {b.pk: b for b in bids}
    rows = []
    for bid in qualified:
        rows.append(
            {
                "bid": bid,
                "cells": [
                    {"criterion": c, "name": f"score-{bid.pk}-{c.pk}", "value": own_scores.get((bid.pk, c.pk), "")}
                    for c in criteria
                ],
            }
        )
    top = ranking[0].bid_id if ranking else None
    context = {
        "tender": tender,
        "criteria": criteria,
        "sealed": sealed,
        "bids": bids,
        "rows": rows,
        "is_member": is_member,
        "sheet": sheet,
        "scoring_open": scoring_open,
        "others": [(name, [totals.get(b.pk) for b in qualified]) for name, totals in others.items()],
        "ranking": [(r, bids_by_id.get(r.bid_id)) for r in ranking],
        "bonus_shown": bool(tender.renewal_bonus) or any(r.bonus for r in ranking),
        "award_form": forms.AwardForm(choices=[(b.pk, b.vendor.legal_name) for b in qualified], initial={"bid": top}),
        "errors": errors,
        "technical_max": sum((c.weight for c in criteria), Decimal(0)),
        "may_override": tender.status == TenderStatus.EVALUATING and tender.qualification_confirmed_at is None,
        "bound": bound,
        "bound_target": _int(request.POST.get(bound.get("target_field", ""), "")) if bound else None,
        "override_form": forms.CheckOverrideForm(),
        "questions": list(tender.questions.select_related("vendor").order_by("answered_at", "created_at")),
        "answer_form": forms.TenderAnswerForm(),
        "deadline_form": forms.DeadlineForm(),
        "objections": list(tender.objections.select_related("bid__vendor", "objected_bid__vendor")),
        "ruling_form": forms.RulingForm(),
        "now": timezone.now(),
    }
    return render(request, "logistics/tender_evaluate.html", context)


#: the office's actions on the evaluation page besides scoring and the award
OFFICE_ACTIONS = {
    "override": "bid.override_check",
    "answer": "tender.answer",
    "extend": "tender.extend_deadline",
    "rule": "tender.rule_objection",
    "confirm_award": "tender.confirm_award",
}


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


NOTHING_SAVED = gettext_lazy("Nothing has been saved. Please correct the marked fields.")

#: the form of each office action and the field naming its target (a check, a question, an objection)
ACTION_FORMS = {
    "override": (forms.CheckOverrideForm, "check"),
    "answer": (forms.TenderAnswerForm, "question"),
    "extend": (forms.DeadlineForm, ""),
    "rule": (forms.RulingForm, "objection"),
}


def _office_action(request: HttpRequest, tender: Tender, action: str) -> HttpResponse | tuple[list[str], dict]:
    """One of ``OFFICE_ACTIONS`` through its service; a redirect when done, else the messages to show and the
    bound form (what was typed is shown again at its place; nothing is saved)."""
    if not may(request.user, OFFICE_ACTIONS[action]):
        raise PermissionDenied
    result = _run_office_action(request, tender, action)
    if isinstance(result, HttpResponse):
        return result
    form_class, target_field = ACTION_FORMS.get(action, (None, ""))
    bound = {"action": action, "form": form_class(request.POST), "target_field": target_field} if form_class else {}
    if bound:
        bound["form"].is_valid()  # its field errors show under its fields
    return result, bound


def _posted(form_class: type[Form], request: HttpRequest) -> dict[str, Any]:
    """The posted form's cleaned data; an invalid form saves nothing (a ValidationError saying so)."""
    form = form_class(request.POST)
    if not form.is_valid():
        raise ValidationError(NOTHING_SAVED)
    return form.cleaned_data


def _run_office_action(request: HttpRequest, tender: Tender, action: str) -> HttpResponse | list[str]:
    try:
        if action == "override":
            check = get_object_or_404(BidCheck, pk=request.POST.get("check"), bid__tender=tender)
            data = _posted(forms.CheckOverrideForm, request)
            passed = None if data["result"] == "withdraw" else data["result"] == "pass"
            tender_services.bid_check_override(check=check, passed=passed, reason=data["reason"], by=request.user)
            done = _("The check's override is saved in the bid's history.")
        elif action == "answer":
            question = get_object_or_404(TenderQuestion, pk=request.POST.get("question"), tender=tender)
            data = _posted(forms.TenderAnswerForm, request)
            tender_services.tender_question_answer(question=question, answer=data["answer"], by=request.user)
            done = _("The answer is published to every registered bidder.")
        elif action == "extend":
            data = _posted(forms.DeadlineForm, request)
            tender_services.tender_deadline_extend(tender=tender, by=request.user, **data)
            done = _("The deadline has moved; every registered bidder is told.")
        elif action == "rule":
            objection = get_object_or_404(AwardObjection, pk=request.POST.get("objection"), tender=tender)
            data = _posted(forms.RulingForm, request)
            tender_services.award_objection_rule(
                objection=objection,
                upheld=data["ruling"] == ObjectionRuling.UPHELD,
                reason=data["reason"],
                by=request.user,
            )
            done = _("The ruling is recorded and the bidders are told.")
        else:
            tender_services.tender_award_confirm(tender=tender, by=request.user)
            done = _("The award is final; the draft contract has been created.")
    except ValidationError as exc:
        return exc.messages
    messages.success(request, done)
    return redirect("logistics:tender_evaluate", pk=tender.pk)
