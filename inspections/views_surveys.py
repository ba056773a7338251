"""Satisfaction surveys: the office's survey pages, the employee's answer pages (an invitation's, a public link's)."""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from inspections import forms, renderers, selectors
from inspections.models import Survey, SurveyInvitation, SurveyPublicLink
from inspections.services import surveys as survey_services
from inspections.views_complaints import document_requested
from logistics.access import is_office
from logistics.quarters import Quarter
from logistics.ratelimit import client_address, hit
from logistics.web import role_required

SURVEY_VALUES = ("1", "2", "3", "4", "5")
LINK_ACTIONS = ("link_on", "link_off", "link_print")
# answers sent through public links from one client address: a group chat's members each answer from their own
# phone (their own address, or a few behind one office router); a script posting in a loop is stopped
RATE_PUBLIC_ANSWERS = "20/10m"
DEVICE_COOKIE = "survey_device"
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600


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
    survey = get_object_or_404(Survey.objects.prefetch_related("questions", "contracts__vendor"), pk=pk)
    if request.method == "POST" and not is_office(request.user):
        raise PermissionDenied
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in LINK_ACTIONS:
            return _public_link_action(request, survey, action)
        title = _("Survey invitations: %(title)s") % {"title": survey.title}
        return document_requested(request, "survey_qr_sheet", title, {"survey": survey.pk})
    results = selectors.survey_results(survey)
    invitations = SurveyInvitation.objects.filter(survey=survey, response__isnull=True).select_related("contract")[:20]
    links = selectors.survey_public_links(survey)
    show_links = request.user.has_perm("inspections.change_survey")
    public_links = []
    for contract in survey.contracts.all():
        link = links.get(contract.pk)
        url = qr = ""
        if link is not None and link.is_active and show_links:
            url = renderers.public_url(reverse("inspections:survey_public", args=[link.token]))
            qr = renderers.qr_svg(url)
        public_links.append({"contract": contract, "link": link, "url": url, "qr": qr})
    return render(
        request,
        "inspections/survey_detail.html",
        {"survey": survey, "results": results, "invitations": invitations, "public_links": public_links},
    )


def _public_link_action(request: HttpRequest, survey: Survey, action: str) -> HttpResponse:
    """Turn a contract's public link on or off, or print its QR code (a PDF, made by a task)."""
    contract = get_object_or_404(survey.contracts.all(), pk=_int(request.POST.get("contract")))
    back = reverse("inspections:survey", args=[survey.pk]) + "#public-links"
    if action == "link_print":
        link = get_object_or_404(SurveyPublicLink, survey=survey, contract=contract, is_active=True)
        title = _("Survey QR code: %(title)s") % {"title": survey.title}
        return document_requested(request, "survey_public_qr", title, {"link": link.pk})
    try:
        survey_services.survey_public_link_set(
            survey=survey, contract=contract, on=action == "link_on", by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if action == "link_on":
            messages.success(request, _("The public link is on: anyone who has it may answer, once per device."))
        else:
            messages.success(request, _("The public link is off: it no longer takes answers."))
    return redirect(back)


def _int(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 12 else 0


def _answers(request: HttpRequest, questions: list[Any]) -> dict[int, int]:
    answers = {}
    for question in questions:
        raw = request.POST.get(f"q{question.pk}", "")
        if raw in SURVEY_VALUES:  # not str.isdigit(): "²" is a digit that int() refuses
            answers[question.pk] = int(raw)
    return answers


def _answer_page(
    request: HttpRequest,
    *,
    survey: Survey,
    contract: Any,
    questions: list[Any],
    state: str,
    errors: dict[str, list[str]] | None = None,
    notice: str = "",
    status: int = 200,
    public: bool = False,
) -> HttpResponse:
    """The answer page (both channels): the form keeps what was chosen and typed after any error."""
    errors = errors or {}
    rows = [(q, f"q{q.pk}", request.POST.get(f"q{q.pk}", ""), errors.get(f"q{q.pk}", [])) for q in questions]
    return render(
        request,
        "inspections/survey_answer.html",
        {
            "contract": contract,
            "survey": survey,
            "rows": rows,
            "state": state,
            "errors": errors,
            "notice": notice,
            "public": public,
            "comment": request.POST.get("comment", ""),
            "scale": range(5, 0, -1),
        },
        status=status,
    )


def _by_token(model: type[SurveyInvitation | SurveyPublicLink], token: str) -> Any:
    """The invitation or public link a survey address names, with its survey and contract (404 when none)."""
    if "\x00" in token:  # no token has one, and PostgreSQL refuses it in a query (a 500)
        raise Http404
    return get_object_or_404(
        model.objects.select_related("survey", "contract__vendor", "contract__category"), token=token
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _by_token(SurveyInvitation, token)
    survey = invitation.survey
    questions = list(survey.questions.all())
    state = "open"
    errors: dict[str, list[str]] = {}
    if hasattr(invitation, "response"):
        state = "used"
    elif not survey.is_open():
        state = "closed"
    elif request.method == "POST":
        try:
            survey_services.survey_answer(
                invitation=invitation, answers=_answers(request, questions), comment=request.POST.get("comment", "")
            )
        except survey_services.InvitationUsed:
            state = "used"
        except survey_services.SurveyClosed:
            state = "closed"
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            state = "thanks"
    return _answer_page(
        request, survey=survey, contract=invitation.contract, questions=questions, state=state, errors=errors
    )


# --- the public link: shared in a group chat, one answer per device ---------------------------------------
def _device_id(request: HttpRequest) -> str | None:
    value = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_COOKIE)
    return value if value and len(value) <= 64 else None


def _give_device_id(response: HttpResponse) -> None:
    """A random id for this browser, kept two years in a signed cookie sent only to the public survey pages."""
    response.set_signed_cookie(
        DEVICE_COOKIE,
        secrets.token_urlsafe(24),
        salt=DEVICE_COOKIE,
        max_age=DEVICE_COOKIE_MAX_AGE,
        path=reverse("inspections:survey_public", args=["-"]).removesuffix("-/"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_public(request: HttpRequest, token: str) -> HttpResponse:
    """The answer page of a public link: anyone may answer, once per device (the id in this browser's cookie;
    a private window or cleared cookies get a new one, which the rate limit per address keeps in bounds)."""
    link = _by_token(SurveyPublicLink, token)
    survey = link.survey
    questions = list(survey.questions.all())
    device_id = _device_id(request)
    page = partial(_answer_page, request, survey=survey, contract=link.contract, questions=questions, public=True)
    if selectors.answered_from_device(link, device_id):
        return page(state="answered")
    if not link.is_active:
        return page(state="off")
    if not survey.is_open():
        return page(state="closed")
    if request.method == "GET":
        response = page(state="open")
        if device_id is None:
            _give_device_id(response)
        return response
    limit = hit(request, group="survey-public", value=client_address(request), rate=RATE_PUBLIC_ANSWERS)
    if limit.limited:
        minutes = max(1, (limit.retry_after + 59) // 60)
        notice = ngettext(
            "Many answers have come from this connection in a short time. Please send yours again in %(minutes)d "
            "minute; what you chose is kept below.",
            "Many answers have come from this connection in a short time. Please send yours again in %(minutes)d "
            "minutes; what you chose is kept below.",
            minutes,
        ) % {"minutes": minutes}
        response = page(state="open", notice=notice, status=429)
        response["Retry-After"] = str(limit.retry_after)
        return response
    if device_id is None:  # the cookie of the first visit did not come back (cleared, refused, or a script)
        notice = _(
            "Please send your answers again: this browser had not yet received its one-answer mark (a cookie). "
            "What you chose is kept below. If this message comes back, allow cookies for this site."
        )
        response = page(state="open", notice=notice)
        _give_device_id(response)
        return response
    try:
        survey_services.survey_public_answer(
            link=link,
            device_id=device_id,
            answers=_answers(request, questions),
            comment=request.POST.get("comment", ""),
        )
    except survey_services.AnsweredFromDevice:
        return page(state="answered")
    except survey_services.LinkTurnedOff:
        return page(state="off")
    except survey_services.SurveyClosed:
        return page(state="closed")
    except ValidationError as exc:
        return page(state="open", errors=exc.message_dict)
    return page(state="thanks")
