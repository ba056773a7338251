"""Monthly feedback forms: sending, the signed single-use link, save and come back, submit, the month's score."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from contracts.tests.factories import ContractFactory
from feedback import selectors, services
from feedback.models import FeedbackAnswer, FeedbackRequest, FeedbackRespondent
from logistics.models import Notification
from logistics.quarters import Month, Quarter
from logistics.tests.factories import DepartmentFactory, ServiceCategoryFactory, VendorFactory
from scoring import services as scoring_services
from scoring.models import Evaluation
from scoring.tests.factories import publish_past

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOV = Month(2026, 11)
SENT = dt.datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _english():
    """The services' messages are checked in English (the notices go out in Chinese whatever the language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def cleaning():
    category = ServiceCategoryFactory()
    services.form_create_default(category=category)
    return category


@pytest.fixture
def contract(cleaning):
    return ContractFactory(number="HT-F-001", category=cleaning, vendor=VendorFactory(legal_name="洁美物业"))


def respondent(contract, code="finance", name="王芳", email="wang@example.cn", mobile=""):
    person = FeedbackRespondent.objects.create(
        department=DepartmentFactory(code=code, name=f"{code}部"), name=name, email=email, mobile=mobile
    )
    person.contracts.add(contract)
    return person


def submit(request, values, comment=""):
    items = list(request.form.items.all())
    return services.feedback_save(
        request=request, points=dict(zip([i.pk for i in items], values, strict=True)), comment=comment, submit=True
    )


def test_sending_makes_one_form_per_respondent_and_contract_and_twice_is_once(
    contract, django_capture_on_commit_callbacks
):
    wang = respondent(contract)
    respondent(contract, code="hr", name="李强", email="", mobile="13800000001")
    other = ContractFactory(number="HT-F-002", category=contract.category)
    wang.contracts.add(other)
    ContractFactory(number="HT-F-003", category=contract.category, start_date=dt.date(2026, 12, 1))  # not in force
    with django_capture_on_commit_callbacks(execute=True):
        made = services.month_issue(NOV, now=SENT)
    assert sorted((r.contract.number, r.respondent.name) for r in made) == [
        ("HT-F-001", "李强"),
        ("HT-F-001", "王芳"),
        ("HT-F-002", "王芳"),
    ]
    assert {r.max_points for r in made} == {100}
    assert made[0].expires_at == dt.datetime(2026, 12, 11, tzinfo=SHANGHAI)  # 10 days after the month's end
    # one notice per respondent, by email or (no email) by SMS, listing each of its links
    notes = {n.email or n.phone: n for n in Notification.objects.all()}
    assert set(notes) == {"wang@example.cn", "13800000001"}
    assert notes["wang@example.cn"].body.count("/f/") == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.month_issue(NOV, now=SENT) == []
    assert (FeedbackRequest.objects.count(), Notification.objects.count()) == (3, 2)


def test_link_is_signed_forged_and_unknown_links_are_refused(contract):
    respondent(contract)
    request = services.month_issue(NOV, now=SENT)[0]
    token = services.link_token(request)
    assert token.startswith(request.key + ":")
    assert services.request_for_token(token) == request
    for bad in (request.key, token[:-1] + ("A" if token[-1] != "A" else "B"), "", "x:y"):
        with pytest.raises(services.LinkInvalid, match="not valid"):
            services.request_for_token(bad)


def test_save_come_back_and_submit_once(contract, client):
    respondent(contract)
    request = services.month_issue(NOV, now=timezone.now())[0]
    url = reverse("feedback:answer", args=[services.link_token(request)])
    items = list(request.form.items.all())
    # save two items, leave the rest empty
    response = client.post(url, {f"item_{items[0].pk}": "18", f"item_{items[1].pk}": "25", "action": "save"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.points, request.submitted_at) == ("saved", None, None)
    # coming back shows what was saved
    page = client.get(url).content.decode()
    assert 'value="18"' in page and 'value="25"' in page
    # submitting with an empty item is refused, nothing lost, what was typed kept
    data = {f"item_{i.pk}": v for i, v in zip(items, ["18", "26", "", "15", "8"], strict=True)}
    response = client.post(url, {**data, "action": "submit", "comment": "保洁很及时"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "提交前请给出本项的分数。" in page  # the page speaks the institution's language
    assert 'value="26"' in page and "保洁很及时" in page
    assert sorted(FeedbackAnswer.objects.values_list("points", flat=True)) == [18, 25]
    data[f"item_{items[2].pk}"] = "17"
    response = client.post(url, {**data, "action": "submit", "comment": "保洁很及时"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.points, request.max_points, request.score) == (
        "submitted",
        84,
        100,
        Decimal("84.00"),
    )
    # single use: a second submission changes nothing
    with pytest.raises(services.AlreadySubmitted):
        submit(request, [0, 0, 0, 0, 0])
    response = client.post(url, {**data, f"item_{items[0].pk}": "0", "action": "submit"})
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.points == 84


def test_points_above_the_max_or_not_numbers_are_refused_with_nothing_saved(contract, client):
    respondent(contract)
    request = services.month_issue(NOV, now=timezone.now())[0]
    items = list(request.form.items.all())
    with pytest.raises(ValidationError) as refused:
        submit(request, [21, 30, 20, 20, 10])  # the first item's max is 20
    assert refused.value.message_dict == {f"item_{items[0].pk}": ["Give between 0 and 20 points for this item."]}
    url = reverse("feedback:answer", args=[services.link_token(request)])
    response = client.post(url, {f"item_{items[0].pk}": "１８", f"item_{items[1].pk}": "-3", "action": "save"})
    assert response.status_code == 200
    assert FeedbackAnswer.objects.count() == 0
    request.refresh_from_db()
    assert request.status == "open"
    # the database refuses points above the max even without the service
    with pytest.raises(IntegrityError), transaction.atomic():
        FeedbackAnswer.objects.create(request=request, item=items[0], points=21, max_points=20)


def test_expired_link_is_refused_with_its_date(contract, client):
    respondent(contract)
    request = services.month_issue(Month(2026, 9), now=dt.datetime(2026, 9, 25, tzinfo=SHANGHAI))[0]
    assert request.expires_at == dt.datetime(2026, 10, 11, tzinfo=SHANGHAI)
    assert services.last_valid_day(request) == dt.date(2026, 10, 10)
    with pytest.raises(services.LinkExpired, match="valid until the end of 2026-10-10"):
        submit(request, [20, 30, 20, 20, 10])
    page = client.get(reverse("feedback:answer", args=[services.link_token(request)])).content.decode()
    assert "2026-10-10" in page and 'name="action"' not in page


def test_a_form_for_a_month_in_a_published_quarter_is_refused(contract, office_user, settings):
    settings.FEEDBACK_LINK_DAYS = 400  # the link itself is still valid: the quarter decides
    respondent(contract)
    request = services.month_issue(Month(2026, 8), now=dt.datetime(2026, 8, 25, tzinfo=SHANGHAI))[0]
    scoring_services.evaluations_compute(quarter=Quarter(2026, 3), contracts=[contract])
    evaluation = Evaluation.objects.get(contract=contract, quarter="2026Q3")
    scoring_services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 9), attendees="后勤处", by=office_user
    )
    publish_past(evaluation, office_user)
    with pytest.raises(services.MonthClosed, match="2026Q3 are already published"):
        submit(request, [20, 30, 20, 20, 10])
    assert FeedbackRequest.objects.get().status == "open"
    # and no form is sent any more for a month of it
    respondent(contract, code="hr", name="李强")
    assert services.month_issue(Month(2026, 9), now=dt.datetime(2026, 9, 25, tzinfo=SHANGHAI)) == []


def test_month_score_pools_the_forms_and_quarter_lists_its_months(contract):
    wang, li = respondent(contract), respondent(contract, code="hr", name="李强")
    respondent(contract, code="it", name="赵敏")  # sent, never answered
    made = {r.respondent_id: r for r in services.month_issue(NOV, now=timezone.now())}
    submit(made[wang.pk], [16, 24, 16, 16, 8], comment="整体不错")  # 80 / 100
    submit(made[li.pk], [18, 28, 19, 18, 9])  # 92 / 100
    score = selectors.month_scores(NOV)[contract.pk]
    assert (score.score, score.answered, score.expected, score.points, score.max_points) == (
        Decimal("86.00"),
        2,
        3,
        172,
        200,  # the forms submitted: the unanswered one does not count as 0
    )
    assert score.comments == ["整体不错"]
    months = selectors.quarter_months(Quarter(2026, 4), [contract.pk])[contract.pk]
    assert [(m.month.key, m.score, m.answered) for m in months] == [("2026-11", Decimal("86.00"), 2)]


def test_reminders_are_spaced_counted_and_stop_at_submission(contract, django_capture_on_commit_callbacks):
    wang = respondent(contract)
    respondent(contract, code="hr", name="李强")
    now = timezone.now()
    made = {r.respondent_id: r for r in services.month_issue(Month.containing(now), now=now)}
    assert services.month_remind(now=now + dt.timedelta(days=1)) == 0  # too soon
    submit(made[wang.pk], [20, 30, 20, 20, 10])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.month_remind(now=now + dt.timedelta(days=3)) == 1
        assert services.month_remind(now=now + dt.timedelta(days=4)) == 0
        assert services.month_remind(now=now + dt.timedelta(days=6)) == 1
    assert services.month_remind(now=now + dt.timedelta(days=9)) == 0  # two reminders at most
    assert FeedbackRequest.objects.get(respondent__name="李强").reminders == 2
    assert Notification.objects.filter(subject__startswith="催办：").count() == 2


def test_sending_and_reminding_cost_the_same_for_1_and_6_respondents(contract, count_queries):
    def build(n, month):
        for i in range(n):
            person = respondent(contract, code=f"s{n}-{i}", name=f"人{i}")
            person.contracts.add(ContractFactory(category=contract.category))
        now = dt.datetime.combine(month.first_day.replace(day=25), dt.time(10), tzinfo=SHANGHAI)
        sent, made = count_queries(lambda: services.month_issue(month, now=now))
        later = now + dt.timedelta(days=3)
        reminded, count = count_queries(lambda: services.month_remind(now=later))
        return sent, len(made), reminded, count

    small = build(1, Month(2026, 9))
    FeedbackRespondent.objects.update(is_active=False)
    large = build(6, Month(2026, 10))
    assert (small[1], small[3], large[1], large[3]) == (2, 2, 12, 12)
    assert small[0] == large[0] and small[2] == large[2]


def test_month_scores_query_count_is_flat(contract, count_queries):
    def build(n):
        for i in range(n):
            person = respondent(contract, code=f"d{n}-{i}", name=f"人{i}")
            person.contracts.add(ContractFactory(category=contract.category))
        return services.month_issue(NOV, now=timezone.now())

    build(1)
    small, _ = count_queries(lambda: selectors.month_scores(NOV))
    build(6)
    large, result = count_queries(lambda: selectors.month_scores(NOV))
    assert small == large == 2
    assert len(result) == 8


def test_month_page_office_sends_leader_reads_vendor_refused(
    contract, client_for, office_user, leader_user, vendor_user
):
    respondent(contract)
    url = reverse("feedback:month") + "?month=2026-11"
    office = client_for(office_user)
    response = office.post(reverse("feedback:month"), {"month": "2026-11", "action": "issue"})
    assert response.status_code == 302
    assert FeedbackRequest.objects.filter(month="2026-11").count() == 1
    page = office.get(url).content.decode()
    assert "HT-F-001" in page and "/f/" in page
    leader = client_for(leader_user)
    page = leader.get(url).content.decode()
    assert "HT-F-001" in page and "/f/" not in page  # leaders read the scores, not the respondents' links
    assert leader.post(reverse("feedback:month"), {"month": "2026-11", "action": "remind"}).status_code == 403
    assert client_for(vendor_user).get(url).status_code == 403
