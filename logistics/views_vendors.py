"""Vendor pages: the vendor's portal (its papers, tenders, bids and the sections the other apps add) and the
office's admission review."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from logistics import forms, selectors
from logistics.access import is_office, is_vendor_user
from logistics.models import (
    AdmissionCheck,
    AdmissionReview,
    Bid,
    Certificate,
    ReviewOpinion,
)
from logistics.reasons import describe_all
from logistics.services import admission as admission_services
from logistics.services import vendors as vendor_services
from logistics.web import portal_sections, role_required


# --- Vendor portal --------------------------------------------------------------------------------------
@role_required("vendor")
@require_http_methods(["GET", "POST"])
def vendor_portal(request: HttpRequest) -> HttpResponse:
    if not is_vendor_user(request.user):
        raise PermissionDenied
    upload = forms.CertificateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload.is_valid():
        data = upload.cleaned_data
        try:
            certificate = vendor_services.certificate_submit(
                user=request.user,
                certificate_type=data["certificate_type"],
                number=data["number"],
                issuer=data["issuer"],
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
                scan=data["scan"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    target = "certificate_type" if field == "type" else field
                    upload.add_error(target if target in upload.fields else None, error)
        else:
            messages.success(
                request,
                _("%(type)s %(number)s has been sent to the office for verification.")
                % {"type": certificate.type, "number": certificate.number},
            )
            return redirect("logistics:vendor_portal")
    vendor = selectors.vendors_with_flags().get(pk=request.user.vendor_id)
    certificates = Certificate.objects.filter(vendor=vendor).select_related("type").order_by("expires_on")
    expiring = selectors.certificates_expiring(within_days=60, vendor_ids=[vendor.pk])
    open_tenders = selectors.tenders_open_to_vendor(vendor)
    bids = list(
        Bid.objects.filter(vendor=vendor)
        .select_related("tender__category", "tender__awarded_bid__vendor")
        .prefetch_related("checks")
        .order_by("-submitted_at")
    )
    bid_by_tender = {b.tender_id: b for b in bids}
    extra = {"now": timezone.now(), "today": timezone.localdate()}
    for bid in bids:
        failing = [c for c in bid.checks.all() if not c.result]
        bid.reasons_text = [text for c in failing for text in describe_all(c.reasons)]
        bid.won = bid.tender.awarded_bid_id == bid.pk
    context = {
        "vendor": vendor,
        "upload": upload,
        "certificates": certificates,
        "expiring": expiring,
        "open_tenders": [(t, bid_by_tender.get(t.pk)) for t in open_tenders],
        "bids": bids,
        "annual_appraisal": selectors.vendor_annual_appraisal(vendor.pk),
        **extra,
    }
    for name, provider in portal_sections():
        context[name] = provider(request, vendor)
    return render(request, "logistics/vendor_portal.html", context)


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
        done = ""
        try:
            if action == "opinion":
                opinion_form = forms.OpinionForm(request.POST, instance=own)
                if opinion_form.is_valid():
                    data = opinion_form.cleaned_data
                    admission_services.admission_opinion_give(
                        review=review, reviewer=request.user, opinion=data["opinion"], comments=data["comments"]
                    )
                    done = _("Your opinion has been recorded.")
            elif action == "verdict":
                verdict = forms.CheckVerdictForm(request.POST)
                if verdict.is_valid():
                    data = verdict.cleaned_data
                    check = get_object_or_404(AdmissionCheck, pk=data["check_id"], review=review)
                    admission_services.admission_check_override(
                        check=check, result=data["result"], note=data["note"], by=request.user
                    )
                    done = _("The office's verdict has been recorded.")
                else:
                    verdict_errors[int(request.POST.get("check_id", 0) or 0)] = [
                        e for errs in verdict.errors.values() for e in errs
                    ]
            elif action == "decide":
                decision_form = forms.DecisionForm(request.POST)
                if decision_form.is_valid():
                    data = decision_form.cleaned_data
                    admission_services.admission_review_decide(
                        review=review, decision=data["decision"], reason=data["reason"], by=request.user
                    )
                    done = _("The decision has been recorded and the vendor's status updated.")
        except ValidationError as exc:
            errors = exc.messages
        if done:
            messages.success(request, done)
            return redirect("logistics:admission_review", pk=review.pk)
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
