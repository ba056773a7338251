"""Pages of the core app: public tenders, the vendor portal and bidding, tender evaluation, admission review."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from logistics import selectors
from logistics.access import is_office, is_vendor_user, roles_of, scoped
from logistics.channels import Channel
from logistics.models import (
    AdmissionCheck,
    AdmissionReview,
    Bid,
    BidScore,
    Certificate,
    Notification,
    ReviewOpinion,
    ScoreSheet,
    Tender,
    TenderStatus,
)
from logistics.pages import forms
from logistics.policy import may
from logistics.reasons import describe_all
from logistics.services import admission as admission_services
from logistics.services import tenders as tender_services
from logistics.text import join_names


def role_required(*roles: str) -> Callable:
    """Signed-in users with one of ``roles``; anonymous visitors go to the login page, others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles_of(request.user) & set(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- Public tenders -------------------------------------------------------------------------------------
def tenders_public(request: HttpRequest) -> HttpResponse:
    tenders = selectors.tenders_public()
    now = timezone.now()
    return render(request, "logistics/tenders_public.html", {"tenders": tenders, "now": now})


def tender_public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    queryset = Tender.objects.exclude(status=TenderStatus.DRAFT).filter(method=Tender.Method.OPEN)
    if request.user.is_authenticated:
        queryset = queryset | Tender.objects.filter(pk__in=scoped(request.user, Tender.objects.all()).values("pk"))
    tender = get_object_or_404(
        queryset.select_related("category", "awarded_bid__vendor")
        .prefetch_related("sites", "required_certificate_types", "criteria", "attachments")
        .distinct(),
        pk=pk,
    )
    return render(request, "logistics/tender_detail.html", {"tender": tender, "now": timezone.now()})


# --- Vendor portal --------------------------------------------------------------------------------------
@role_required("vendor")
def vendor_portal(request: HttpRequest) -> HttpResponse:
    if not is_vendor_user(request.user):
        raise PermissionDenied
    vendor = selectors.vendors_with_flags().get(pk=request.user.vendor_id)
    certificates = Certificate.objects.filter(vendor=vendor).select_related("type").order_by("expires_on")
    expiring = selectors.certificates_expiring(within_days=60, vendor_ids=[vendor.pk])
    open_tenders = selectors.tenders_open_to_vendor(vendor)
    bids = list(
        Bid.objects.filter(vendor=vendor)
        .select_related("tender__category", "tender__awarded_bid__vendor")
        .order_by("-submitted_at")
    )
    bid_by_tender = {b.tender_id: b for b in bids}
    extra = {"now": timezone.now(), "today": timezone.localdate()}
    for bid in bids:
        bid.reasons_text = describe_all(bid.qualification_reasons) if bid.tender.status != "published" else []
        bid.won = bid.tender.awarded_bid_id == bid.pk
    context = {
        "vendor": vendor,
        "certificates": certificates,
        "expiring": expiring,
        "open_tenders": [(t, bid_by_tender.get(t.pk)) for t in open_tenders],
        "bids": bids,
        **extra,
    }
    for name, provider in portal_sections():
        context[name] = provider(request, vendor)
    return render(request, "logistics/vendor_portal.html", context)


_PORTAL_SECTIONS: list[tuple[str, Callable]] = []


def register_portal_section(name: str, provider: Callable[[HttpRequest, Any], Any]) -> None:
    """Later apps add their part of the vendor's page (contracts, rectifications, evaluations)."""
    _PORTAL_SECTIONS.append((name, provider))


def portal_sections() -> list[tuple[str, Callable]]:
    return list(_PORTAL_SECTIONS)


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
                for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
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
    bids = [] if sealed else list(tender.bids.select_related("vendor").prefetch_related("attachments"))
    for bid in bids:
        bid.reasons_text = describe_all(bid.qualification_reasons)
    qualified = [b for b in bids if b.is_qualified]
    sheet = ScoreSheet.objects.filter(tender=tender, member=request.user).first()
    scoring_open = tender.status == TenderStatus.EVALUATING and tender.qualification_confirmed_at is not None
    errors: list[str] = []
    if request.method == "POST" and request.POST.get("action") in {"save_scores", "submit_scores"}:
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
    elif request.method == "POST" and request.POST.get("action") == "award":
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
                messages.success(request, _("The tender has been awarded."))
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
    if tender.status == TenderStatus.AWARDED or (scoring_open and members and members <= submitted):
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
        "award_form": forms.AwardForm(choices=[(b.pk, b.vendor.legal_name) for b in qualified], initial={"bid": top}),
        "errors": errors,
        "technical_max": sum((c.weight for c in criteria), Decimal(0)),
    }
    return render(request, "logistics/tender_evaluate.html", context)


# --- Admission review -----------------------------------------------------------------------------------
@role_required("office")
@require_http_methods(["GET", "POST"])
def admission_review(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        AdmissionReview.objects.select_related("vendor", "decided_by", "opened_by").prefetch_related(
            "categories",
            Prefetch("checks", queryset=AdmissionCheck.objects.order_by("id")),
            Prefetch("opinions", queryset=ReviewOpinion.objects.select_related("reviewer", "department")),
        ),
        pk=pk,
    )
    own = next((o for o in review.opinions.all() if o.reviewer_id == request.user.pk), None)
    opinion_form = forms.OpinionForm(instance=own)
    decision_form = forms.DecisionForm()
    verdict_errors: dict[int, list[str]] = {}
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "opinion":
                opinion_form = forms.OpinionForm(request.POST, instance=own)
                if opinion_form.is_valid():
                    admission_services.admission_opinion_give(
                        review=review,
                        reviewer=request.user,
                        opinion=opinion_form.cleaned_data["opinion"],
                        comments=opinion_form.cleaned_data["comments"],
                    )
                    messages.success(request, _("Your opinion has been recorded."))
                    return redirect("logistics:admission_review", pk=review.pk)
            elif action == "verdict":
                verdict = forms.CheckVerdictForm(request.POST)
                if verdict.is_valid():
                    check = get_object_or_404(AdmissionCheck, pk=verdict.cleaned_data["check_id"], review=review)
                    admission_services.admission_check_override(
                        check=check,
                        result=verdict.cleaned_data["result"],
                        note=verdict.cleaned_data["note"],
                        by=request.user,
                    )
                    messages.success(request, _("The office's verdict has been recorded."))
                    return redirect("logistics:admission_review", pk=review.pk)
                verdict_errors[int(request.POST.get("check_id", 0) or 0)] = [
                    e for errs in verdict.errors.values() for e in errs
                ]
            elif action == "decide":
                decision_form = forms.DecisionForm(request.POST)
                if decision_form.is_valid():
                    admission_services.admission_review_decide(
                        review=review,
                        decision=decision_form.cleaned_data["decision"],
                        reason=decision_form.cleaned_data["reason"],
                        by=request.user,
                    )
                    messages.success(request, _("The decision has been recorded and the vendor's status updated."))
                    return redirect("logistics:admission_review", pk=review.pk)
        except ValidationError as exc:
            errors = exc.messages
    checks = list(review.checks.all())
    for check in checks:
        check.reasons_text = describe_all(check.auto_reasons)
        check.errors = verdict_errors.get(check.pk, [])
    context = {
        "review": review,
        "checks": checks,
        "opinions": review.opinions.all(),
        "opinion_form": opinion_form,
        "decision_form": decision_form,
        "can_give_opinion": request.user.department_id is not None,
        "errors": errors,
        "is_open": review.status == AdmissionReview.Status.OPEN,
        "is_office": is_office(request.user),
    }
    return render(request, "logistics/admission_review.html", context)


# --- The in-app inbox and how one is told -------------------------------------------------------------
INBOX_PAGE = 50


def inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notices (the in-app channel), newest first, and the channels they choose."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    mine = Notification.objects.filter(recipient=request.user, channel=Channel.INBOX)
    form = forms.NoticeSettingsForm(instance=request.user)
    if request.method == "POST":
        if request.POST.get("action") == "read":
            count = mine.filter(read_at__isnull=True).update(read_at=timezone.now())
            messages.success(request, _("%(count)d message(s) marked as read.") % {"count": count})
            return redirect("logistics:inbox")
        form = forms.NoticeSettingsForm(request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            chosen = [str(Channel(c).label) for c in form.instance.notify_channels if c != Channel.INBOX]
            if chosen:
                text = _("Saved: you will be notified by %(channels)s.") % {"channels": join_names(chosen)}
            else:
                text = _("Saved: your messages reach you here only.")
            messages.success(request, text)
            return redirect("logistics:inbox")
    notices = list(mine.order_by("-created_at", "-pk")[:INBOX_PAGE])
    return render(
        request,
        "logistics/inbox.html",
        {
            "notices": notices,
            "unread": sum(1 for n in notices if n.read_at is None),
            "form": form,
            "shown": INBOX_PAGE,
        },
    )
