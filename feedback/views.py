"""The respondent's form (no login: the signed link) and the office's month page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from feedback import selectors, services
from feedback.choices import RequestStatus
from feedback.models import FeedbackItem
from logistics import policy
from logistics.quarters import Month
from logistics.web import role_required


def _points(request: HttpRequest, items: list[FeedbackItem]) -> tuple[dict[int, int | None], dict[str, list[str]]]:
    """The typed points by item; a value that is not a whole number is an error of its own item."""
    points: dict[int, int | None] = {}
    errors: dict[str, list[str]] = {}
    for item in items:
        raw = request.POST.get(f"item_{item.pk}", "").strip()
        if raw == "":
            points[item.pk] = None
        elif raw.isascii() and raw.isdigit():
            points[item.pk] = int(raw)
        else:
            errors[f"item_{item.pk}"] = [_("Give a whole number of points.")]
    return points, errors


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        feedback_request = services.request_for_token(token)
    except services.LinkInvalid as exc:
        return render(request, "feedback/answer.html", {"refusal": exc.messages[0]}, status=404)
    items = list(feedback_request.form.items.all())
    saved = {a.item_id: a.points for a in feedback_request.answers.all()}
    values = {item.pk: "" if saved.get(item.pk) is None else str(saved[item.pk]) for item in items}
    comment = feedback_request.comment
    errors: dict[str, list[str]] = {}
    problem = services.refusal(feedback_request)
    if request.method == "POST" and problem is None:
        values = {item.pk: request.POST.get(f"item_{item.pk}", "").strip()[:6] for item in items}
        comment = request.POST.get("comment", "")
        points, errors = _points(request, items)
        submit = request.POST.get("action") == "submit"
        if not errors:
            try:
                services.feedback_save(request=feedback_request, points=points, comment=comment, submit=submit)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    errors = exc.message_dict
                else:
                    problem = exc
            else:
                if submit:
                    messages.success(request, _("Thank you: your form is submitted."))
                else:
                    messages.success(request, _("Saved. You may come back to this link and submit later."))
                return redirect(request.path)
    rows = [(item, f"item_{item.pk}", values.get(item.pk, ""), errors.get(f"item_{item.pk}", [])) for item in items]
    return render(
        request,
        "feedback/answer.html",
        {
            "req": feedback_request,
            "rows": rows,
            "comment": comment,
            "errors": errors,
            "comment_errors": errors.get("comment", []),
            "refusal": problem.messages[0] if problem is not None else "",
            "submitted": feedback_request.status == RequestStatus.SUBMITTED,
            "total": sum(saved.values()),
            "last_day": services.last_valid_day(feedback_request),
        },
    )


@role_required("office", "leader")
@require_http_methods(["GET", "POST"])
def month_page(request: HttpRequest) -> HttpResponse:
    try:
        month = Month.parse(request.GET.get("month") or request.POST.get("month") or "")
    except ValueError:
        month = Month.current()
    choices = [Month.current()]
    while len(choices) < 24:
        choices.append(choices[-1].previous())
    if month not in choices:
        choices.append(month)
    if request.method == "POST":
        if not policy.may(request.user, "feedback.manage"):
            raise PermissionDenied
        if request.POST.get("action") == "remind":
            count = services.month_remind()
            messages.success(request, _("Reminders sent for %(count)d forms.") % {"count": count})
        else:
            made = services.month_issue(month)
            messages.success(
                request, _("%(count)d new forms sent for %(month)s.") % {"count": len(made), "month": month}
            )
        return redirect(f"{request.path}?month={month.key}")
    requests = list(selectors.month_requests(month))
    may_manage = policy.may(request.user, "feedback.manage")
    for r in requests:  # the office may read a link out to a respondent on the phone
        r.link = services.link_url(r) if may_manage else ""
    scores = selectors.month_scores(month)
    contracts = []
    seen = set()
    for r in requests:
        if r.contract_id not in seen:
            seen.add(r.contract_id)
            contracts.append((r.contract, scores.get(r.contract_id)))
    return render(
        request,
        "feedback/month.html",
        {
            "month": month,
            "choices": choices,
            "previous": month.previous(),
            "next": month.next(),
            "contracts": contracts,
            "requests": requests,
            "may_manage": may_manage,
        },
    )
