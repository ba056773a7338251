"""Monthly feedback forms: the month's forms sent (idempotent), reminders, the respondent's save and submit,
a form's next version. Rules where the design was silent (README, "Monthly feedback forms"):

- A contract is rated in a month by every active respondent whose department it serves, if it was in force
  for a day of the month and its category has a current form. The forms go out from
  ``settings.FEEDBACK_ISSUE_DAY`` of the month; the link is valid until ``FEEDBACK_LINK_DAYS`` days after the
  month's end (a late answer counts in its month), and never once the month's quarter is closed for the
  contract (final, or published to the vendor: the figures the vendor was shown are the ones finalized).
- The respondent may save and come back as often as needed; submitting is once (single use).
- Up to ``FEEDBACK_REMINDERS`` reminders, ``FEEDBACK_REMIND_EVERY_DAYS`` apart, to a respondent with a form not
  submitted and still valid; one notice per respondent lists every such form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contracts import selectors as contract_selectors
from feedback.choices import REQUEST_FLOW, RequestStatus
from feedback.models import FeedbackAnswer, FeedbackForm, FeedbackItem, FeedbackRequest, FeedbackRespondent
from logistics.notify import notify_later
from logistics.quarters import Month, institution_tz
from logistics.versioning import new_version

if TYPE_CHECKING:
    from logistics.models import User

LINK_SALT = "feedback.link"
COMMENT_MAX = 2000


class LinkInvalid(ValidationError):
    pass


class LinkExpired(ValidationError):
    pass


class AlreadySubmitted(ValidationError):
    pass


class MonthClosed(ValidationError):
    pass


# --- the link -----------------------------------------------------------------------------------------------
def link_token(request: FeedbackRequest) -> str:
    """The request's key signed: a forged or truncated link is refused before any lookup."""
    return signing.Signer(salt=LINK_SALT).sign(request.key)


def link_url(request: FeedbackRequest) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("feedback:answer", args=[link_token(request)])


def request_for_token(token: str) -> FeedbackRequest:
    """The request a link points to; refused when the link is forged, unknown or past its date."""
    try:
        key = signing.Signer(salt=LINK_SALT).unsign(token or "")
    except signing.BadSignature:
        raise LinkInvalid(_("This link is not valid. Please open the link exactly as it was sent to you."))
    request = (
        FeedbackRequest.objects.select_related(
            "form", "contract__vendor", "contract__category", "respondent__department"
        )
        .filter(key=key)
        .first()
    )
    if request is None:
        raise LinkInvalid(_("This link is not valid. Please open the link exactly as it was sent to you."))
    return request


def refusal(request: FeedbackRequest, now: dt.datetime | None = None) -> ValidationError | None:
    """Why the form can no longer be changed, or None."""
    now = now or timezone.now()
    if request.status == RequestStatus.SUBMITTED:
        return AlreadySubmitted(
            _("This form was submitted on %(date)s. Thank you: it counts in the month's score.")
            % {"date": timezone.localtime(request.submitted_at, institution_tz()).strftime("%Y-%m-%d %H:%M")}
        )
    month = Month.parse(request.month)
    if month.quarter.key in contract_selectors.closed_quarters(request.contract_id):
        return MonthClosed(
            _(
                "The results of %(quarter)s are already published, so the form for %(month)s can no longer be "
                "answered. Please tell the logistics office what you wanted to say."
            )
            % {"quarter": month.quarter.key, "month": month.key}
        )
    if now >= request.expires_at:
        return LinkExpired(
            _("This link was valid until the end of %(date)s. Please ask the logistics office for a new one.")
            % {"date": last_valid_day(request).isoformat()}
        )
    return None


def last_valid_day(request: FeedbackRequest) -> dt.date:
    """The last day the link works, in the institution's time zone (it expires at the midnight after it)."""
    return timezone.localtime(request.expires_at - dt.timedelta(microseconds=1), institution_tz()).date()


# --- the respondent's answer --------------------------------------------------------------------------------
@transaction.atomic
def feedback_save(
    *,
    request: FeedbackRequest,
    points: Mapping[int, int | None],
    comment: str = "",
    submit: bool,
    now: dt.datetime | None = None,
) -> FeedbackRequest:
    """Save the points given so far (``submit=False``: any item may still be empty) or submit the form (every
    item scored). Points are whole numbers from 0 to the item's max. Nothing is saved when one is wrong."""
    now = now or timezone.now()
    request = FeedbackRequest.objects.select_for_update().get(pk=request.pk)
    problem = refusal(request, now)
    if problem is not None:
        raise problem
    items = list(FeedbackItem.objects.filter(form_id=request.form_id).order_by("sort_order", "pk"))
    errors: dict[str, list[str]] = {}
    given: dict[int, int] = {}
    for item in items:
        value = points.get(item.pk)
        if value is None:
            if submit:
                errors[f"item_{item.pk}"] = [_("Please give the points of this item before submitting.")]
            continue
        if not 0 <= value <= item.max_points:
            errors[f"item_{item.pk}"] = [
                _("Give between 0 and %(max)d points for this item.") % {"max": item.max_points}
            ]
            continue
        given[item.pk] = value
    comment = comment.replace("\x00", "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [_("At most %(count)d characters.") % {"count": COMMENT_MAX}]
    if errors:
        raise ValidationError(errors)
    target = RequestStatus.SUBMITTED if submit else RequestStatus.SAVED
    REQUEST_FLOW.check(request.status, target)
    FeedbackAnswer.objects.filter(request=request).delete()
    FeedbackAnswer.objects.bulk_create(
        [
            FeedbackAnswer(request=request, item=item, points=given[item.pk], max_points=item.max_points)
            for item in items
            if item.pk in given
        ]
    )
    request.status = target
    request.comment = comment
    request.saved_at = now
    if submit:
        request.submitted_at = now
        request.points = sum(given.values())
    request.save(update_fields=["status", "comment", "saved_at", "submitted_at", "points"])
    return request


# --- sending ------------------------------------------------------------------------------------------------
def link_expiry(month: Month) -> dt.datetime:
    return month.end + dt.timedelta(days=settings.FEEDBACK_LINK_DAYS)


@transaction.atomic
def month_issue(month: Month, *, now: dt.datetime | None = None) -> list[FeedbackRequest]:
    """Make the month's forms that do not exist yet and send each respondent its links (a second run makes
    and sends nothing). Returns the forms made."""
    now = now or timezone.now()
    forms = {f.category_id: f for f in FeedbackForm.objects.filter(is_current=True).prefetch_related("items")}
    in_force = set(contract_selectors.contracts_active_in(month).values_list("pk", flat=True))
    existing = set(FeedbackRequest.objects.filter(month=month.key).values_list("contract_id", "respondent_id"))
    closed = set(contract_selectors.closed_contract_quarters([month.quarter.key]).values_list("contract_id", flat=True))
    respondents = FeedbackRespondent.objects.filter(is_active=True).prefetch_related("contracts")
    rows = []
    for respondent in respondents:
        for contract in respondent.contracts.all():
            form = forms.get(contract.category_id)
            if (
                form is None
                or contract.pk not in in_force
                or contract.pk in closed
                or (contract.pk, respondent.pk) in existing
            ):
                continue
            rows.append(
                FeedbackRequest(
                    month=month.key,
                    contract=contract,
                    respondent=respondent,
                    form=form,
                    issued_at=now,
                    last_sent_at=now,
                    expires_at=link_expiry(month),
                    max_points=sum(item.max_points for item in form.items.all()),
                )
            )
    rows = [row for row in rows if row.max_points > 0]  # a form without items is not sent
    if not rows:
        return []
    FeedbackRequest.objects.bulk_create(rows)
    created = list(
        FeedbackRequest.objects.filter(month=month.key, key__in=[r.key for r in rows]).select_related(
            "contract__vendor", "contract__category", "respondent__department"
        )
    )
    _send(created, reminder=False)
    return created


def month_remind(*, now: dt.datetime | None = None) -> int:
    """Remind the respondents of the forms not submitted and still valid whose last notice is old enough.
    Returns the number of forms reminded of."""
    now = now or timezone.now()
    due = list(
        FeedbackRequest.objects.filter(
            ~Q(status=RequestStatus.SUBMITTED),
            expires_at__gt=now,
            reminders__lt=settings.FEEDBACK_REMINDERS,
            last_sent_at__lte=now - dt.timedelta(days=settings.FEEDBACK_REMIND_EVERY_DAYS),
        ).select_related("contract__vendor", "contract__category", "respondent__department")
    )
    closed = _closed_pairs(due)
    due = [r for r in due if (r.contract_id, Month.parse(r.month).quarter.key) not in closed]
    if not due:
        return 0
    with transaction.atomic():
        for request in due:
            request.reminders += 1
            request.last_sent_at = now
        FeedbackRequest.objects.bulk_update(due, ["reminders", "last_sent_at"])
        _send(due, reminder=True)
    return len(due)


def _closed_pairs(requests: list[FeedbackRequest]) -> set[tuple[int, str]]:
    quarters = {Month.parse(r.month).quarter.key for r in requests}
    return set(contract_selectors.closed_contract_quarters(quarters).values_list("contract_id", "quarter"))


def _send(requests: list[FeedbackRequest], *, reminder: bool) -> None:
    """One notice per respondent (in Chinese, the institution's language) listing its forms' links, queued in one
    INSERT for the worker to send (``notify_later``): sending a month's forms costs the same for 3 or 300."""
    by_respondent: dict[int, list[FeedbackRequest]] = defaultdict(list)
    for request in requests:
        by_respondent[request.respondent_id].append(request)
    notices = []
    with translation.override(settings.LANGUAGE_CODE):
        for group in by_respondent.values():
            respondent = group[0].respondent
            months = ", ".join(sorted({r.month for r in group}))
            lines = [
                f"{r.month} · {r.contract.category.display_name} · {r.contract.vendor.legal_name}: {link_url(r)}"
                for r in sorted(group, key=lambda r: (r.month, r.contract.number))
            ]
            if reminder:
                subject = _("Reminder: the monthly service feedback forms for %(months)s") % {"months": months}
            else:
                subject = _("Monthly service feedback forms for %(months)s") % {"months": months}
            body = _(
                "Dear %(name)s, please score the services your department received, one form per service "
                "(you may save and come back before submitting):"
            ) % {"name": respondent.name}
            notices.append(
                {
                    "emails": [respondent.email] if respondent.email else [],
                    "phones": [] if respondent.email else [respondent.mobile],
                    "subject": subject,
                    "body": body + "\n\n" + "\n".join(lines),
                    "dedup_key": "feedback-{}:{}:{}".format(
                        "remind" if reminder else "issue",
                        respondent.pk,
                        hashlib.sha256(",".join(f"{r.pk}.{r.reminders}" for r in group).encode()).hexdigest()[:32],
                    ),
                }
            )
    notify_later(*notices)


# --- the forms ----------------------------------------------------------------------------------------------
def form_is_used(form: FeedbackForm) -> bool:
    return FeedbackRequest.objects.filter(form=form).exists()


ITEM_FIELDS = ("text", "text_en", "guidance", "guidance_en", "max_points", "sort_order")


@transaction.atomic
def form_new_version(*, form: FeedbackForm, by: User | None = None) -> FeedbackForm:
    """A copy of ``form`` (with its items) as its category's next, current version: a form that was sent is
    never edited (the months it scored keep their items)."""
    return new_version(
        form,
        family="category_id",
        copied=("name", "name_en", "introduction", "introduction_en"),
        item_fields=ITEM_FIELDS,
    )


#: the 100-point staff feedback form of seed 002 (《后勤服务职工反馈表》, 百分制), a category's first version
DEFAULT_ITEMS = (
    ("服务态度：热情、礼貌、耐心", "Attitude: friendly, polite, patient", 20),
    ("服务质量：达到合同约定的服务标准", "Quality: the contract's service standards are met", 30),
    ("响应及时：需求和问题处理迅速", "Response: requests and problems are handled promptly", 20),
    ("环境与秩序：服务区域整洁、有序、安全", "Environment: the service areas are clean, orderly and safe", 20),
    ("沟通与整改：意见得到反馈并落实整改", "Follow-up: concerns are answered and put right", 10),
)


@transaction.atomic
def form_create_default(*, category, by: User | None = None) -> FeedbackForm:
    """The category's current form, made from ``DEFAULT_ITEMS`` when it has none."""
    current = FeedbackForm.objects.filter(category=category, is_current=True).first()
    if current is not None:
        return current
    form = FeedbackForm.objects.create(
        category=category,
        name=f"{category.name}服务月度反馈表",
        name_en=f"Monthly feedback on the {category.name_en or category.name} service",
        introduction="请根据本月贵部门实际感受逐项打分，满分100分。",
        introduction_en="Please score each item as your department found the service this month (100 points in all).",
    )
    FeedbackItem.objects.bulk_create(
        [
            FeedbackItem(form=form, text=text, text_en=text_en, max_points=points, sort_order=order)
            for order, (text, text_en, points) in enumerate(DEFAULT_ITEMS)
        ]
    )
    return form
