"""Satisfaction surveys: the office's survey pages and the employee's answer page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from inspections import forms, selectors
from inspections.models import Survey, SurveyInvitation
from inspections.services import surveys as survey_services
from logistics import documents
from logistics.access import is_office
from logistics.quarters import Quarter
from logistics.web import role_required

SURVEY_VALUES = ("1", "2", "3", "4", "5")


@role_required("office", "leader")
@require_http_methods(["GET", "POST"])
def survey_list(request: HttpRequest) -> HttpResponse:
    form = forms.SurveyCreateForm(request.POST or None)
    if request.method == "POST":
        if not is_office(request.user):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                survey = survey_services.survey_create(
                    title=data["title"],
                    quarter=Quarter.parse(data["quarter"]),
                    contracts=list(data["contracts"]),
                    category=data["category"],
                    deadline=data["deadline"],
                    by=request.user,
                )
                for contract in survey.contracts.all():
                    survey_services.survey_invite(survey=survey, contract=contract, count=data["invitations"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("inspections:survey", pk=survey.pk)
    surveys = Survey.objects.order_by("-quarter", "-created_at")
    return render(request, "inspections/survey_list.html", {"surveys": surveys, "form": form})


@role_required("office", "leader")
@require_http_methods(["GET", "POST"])
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.prefetch_related("questions", "contracts"), pk=pk)
    if request.method == "POST" and not is_office(request.user):
        raise PermissionDenied
    if request.method == "POST":
        document = documents.document_request(
            kind="survey_qr_sheet",
            title=_("Survey invitations: %(title)s") % {"title": survey.title},
            params={"survey": survey.pk},
            by=request.user,
        )
        return redirect("inspections:document", pk=document.pk)
    results = selectors.survey_results(survey)
    invitations = SurveyInvitation.objects.filter(survey=survey, response__isnull=True).select_related("contract")[:20]
    return render(
        request, "inspections/survey_detail.html", {"survey": survey, "results": results, "invitations": invitations}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    if "\x00" in token:  # no token has one, and PostgreSQL refuses it in a query (a 500)
        raise Http404
    invitation = get_object_or_404(
        SurveyInvitation.objects.select_related("survey", "contract__vendor", "contract__category"), token=token
    )
    survey = invitation.survey
    questions = list(survey.questions.all())
    state = "open"
    errors: dict[str, list[str]] = {}
    if hasattr(invitation, "response"):
        state = "used"
    elif not survey.is_open():
        state = "closed"
    elif request.method == "POST":
        answers = {}
        for question in questions:
            raw = request.POST.get(f"q{question.pk}", "")
            if raw in SURVEY_VALUES:  # not str.isdigit(): "²" is a digit that int() refuses
                answers[question.pk] = int(raw)
        try:
            survey_services.survey_answer(
                invitation=invitation, answers=answers, comment=request.POST.get("comment", "")
            )
        except survey_services.InvitationUsed:
            state = "used"
        except survey_services.SurveyClosed:
            state = "closed"
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            state = "thanks"
    rows = [(q, f"q{q.pk}", request.POST.get(f"q{q.pk}", ""), errors.get(f"q{q.pk}", [])) for q in questions]
    return render(
        request,
        "inspections/survey_answer.html",
        {
            "invitation": invitation,
            "survey": survey,
            "rows": rows,
            "state": state,
            "errors": errors,
            "comment": request.POST.get("comment", ""),
            "scale": range(5, 0, -1),
        },
        status=200,
    )
