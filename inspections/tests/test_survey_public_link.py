"""A survey's public link: shared in a group chat, one answer per device (a signed cookie, a unique constraint),
rate-limited per address, turned on and off by the office, its answers marked and counted per channel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from contracts.tests.factories import ContractFactory
from inspections import selectors, views_surveys
from inspections.models import SurveyPublicLink, SurveyQuestion, SurveyResponse
from inspections.services import surveys as svc
from inspections.tests.factories import make_survey
from logistics.models import Document
from logistics.quarters import Quarter

pytestmark = pytest.mark.django_db

ALREADY_ZH = "您已在本设备上填写过本次调查，谢谢！"
ALREADY_EN = "You have already answered this survey from this device. Thank you!"


@pytest.fixture
def survey(office_user):
    contract = ContractFactory()
    return make_survey(contract, office_user), contract


@pytest.fixture
def link(survey, office_user):
    survey, contract = survey
    return svc.survey_public_link_set(survey=survey, contract=contract, on=True, by=office_user)


def url(link: SurveyPublicLink) -> str:
    return f"/s/p/{link.token}/"


def all_fives(survey) -> dict[str, str]:
    return {f"q{q.pk}": "5" for q in survey.questions.all()}


def device_of(client: Client) -> str:
    """The random id in the client's device cookie (signed, as the view reads it)."""
    request = RequestFactory().get("/")
    request.COOKIES[views_surveys.DEVICE_COOKIE] = client.cookies[views_surveys.DEVICE_COOKIE].value
    return views_surveys._device_id(request)


def answer_as_new_device(link: SurveyPublicLink, data: dict[str, str], **client_kwargs) -> tuple[Client, object]:
    client = Client(**client_kwargs)
    client.get(url(link))  # the first visit gives the browser its device id
    return client, client.post(url(link), data)


# --- one answer per device -------------------------------------------------------------------------------
def test_a_device_answers_once_and_is_told_so_the_second_time(link):
    # given a phone that opened the shared link
    client = Client()
    first_visit = client.get(url(link))
    assert first_visit.status_code == 200
    cookie = client.cookies[views_surveys.DEVICE_COOKIE]
    assert (cookie["path"], cookie["max-age"], cookie["httponly"], cookie["samesite"]) == (
        "/s/p/",
        2 * 365 * 24 * 3600,
        True,
        "Lax",
    )
    # when it answers
    thanks = client.post(url(link), {**all_fives(link.survey), "comment": "保洁很认真"})
    # then the answer is recorded through the public link, with the device's hash, no invitation
    assert "谢谢" in thanks.content.decode()
    response = SurveyResponse.objects.get()
    assert (response.public_link, response.invitation, response.contract, response.survey) == (
        link,
        None,
        link.contract,
        link.survey,
    )
    assert response.from_public_link is True
    assert response.device == svc.device_key(device_of(client))
    assert len(response.device) == 64 and device_of(client) not in response.device
    assert response.answers.count() == 5 and response.comment == "保洁很认真"
    # a second answer from the same phone is refused, and so is a second visit's form
    again = client.post(url(link), all_fives(link.survey))
    assert again.status_code == 200 and ALREADY_ZH in again.content.decode()
    assert 'type="radio"' not in again.content.decode()
    assert ALREADY_ZH in client.get(url(link)).content.decode()
    assert SurveyResponse.objects.count() == 1
    # another phone answers (the limit is per device, not per link)
    _other, other = answer_as_new_device(link, all_fives(link.survey))
    assert "谢谢" in other.content.decode()
    assert SurveyResponse.objects.count() == 2


def test_the_message_for_a_device_that_answered_is_in_english_too(link):
    client = Client()
    client.cookies["django_language"] = "en"
    client.get(url(link))
    client.post(url(link), all_fives(link.survey))
    assert ALREADY_EN in client.get(url(link)).content.decode()


def test_the_service_refuses_a_second_answer_from_a_device(link):
    answers = {q.pk: 4 for q in link.survey.questions.all()}
    svc.survey_public_answer(link=link, device_id="phone-1", answers=answers)
    with pytest.raises(svc.AnsweredFromDevice):
        svc.survey_public_answer(link=link, device_id="phone-1", answers=answers)
    assert SurveyResponse.objects.count() == 1


def test_the_database_refuses_a_second_public_answer_of_a_device(link):
    # given one answer of a device through the public link
    survey, contract = link.survey, link.contract
    SurveyResponse.objects.create(survey=survey, contract=contract, public_link=link, device="d" * 64)
    # when a second row for the same survey, contract and device is written past the service
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(survey=survey, contract=contract, public_link=link, device="d" * 64)
    # then only the first is there; another device is fine
    SurveyResponse.objects.create(survey=survey, contract=contract, public_link=link, device="e" * 64)
    assert SurveyResponse.objects.count() == 2


def test_invitation_responses_need_no_device_and_do_not_collide(survey):
    survey, contract = survey
    invitations = svc.survey_invite(survey=survey, contract=contract, count=2)
    for invitation in invitations:
        SurveyResponse.objects.create(survey=survey, contract=contract, invitation=invitation)
    assert SurveyResponse.objects.filter(device="").count() == 2


@pytest.mark.parametrize(
    "channel",
    [
        pytest.param({}, id="neither channel"),
        pytest.param({"invitation": True, "public_link": True, "device": "d" * 64}, id="both channels"),
        pytest.param({"public_link": True}, id="public link without a device"),
        pytest.param({"invitation": True, "device": "d" * 64}, id="invitation with a device"),
    ],
)
def test_the_database_keeps_exactly_one_channel(survey, office_user, channel):
    survey, contract = survey
    values = dict(channel)
    if values.pop("invitation", False):
        values["invitation"] = svc.survey_invite(survey=survey, contract=contract, count=1)[0]
    if values.pop("public_link", False):
        values["public_link"] = svc.survey_public_link_set(survey=survey, contract=contract, on=True, by=office_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(survey=survey, contract=contract, **values)
    assert SurveyResponse.objects.count() == 0


def test_a_post_without_the_device_cookie_keeps_the_choices_and_gives_the_cookie(link):
    # given a browser that posts without having kept the cookie of its first visit
    client = Client()
    first = link.survey.questions.first()
    response = client.post(url(link), {f"q{first.pk}": "4", "comment": "电梯很干净"})
    # then nothing is recorded, the form is back with what was chosen and typed, and the cookie is given
    html = response.content.decode()
    assert response.status_code == 200
    assert "此浏览器尚未获得" in html and 'value="4" checked' in html and "电梯很干净" in html
    assert views_surveys.DEVICE_COOKIE in response.cookies
    assert SurveyResponse.objects.count() == 0
    # sent again (with the cookie now), it is recorded
    assert "谢谢" in client.post(url(link), all_fives(link.survey)).content.decode()
    assert SurveyResponse.objects.count() == 1


def test_a_forged_device_cookie_counts_as_none(link):
    client = Client()
    client.cookies[views_surveys.DEVICE_COOKIE] = "made-up"
    response = client.post(url(link), all_fives(link.survey))
    assert "此浏览器尚未获得" in response.content.decode()
    assert SurveyResponse.objects.count() == 0


def test_an_incomplete_public_answer_keeps_the_choices(link):
    client = Client()
    client.get(url(link))
    first = link.survey.questions.first()
    html = client.post(url(link), {f"q{first.pk}": "2", "comment": "食堂很好"}).content.decode()
    assert "请回答每一个问题" in html and "食堂很好" in html and 'value="2" checked' in html
    assert SurveyResponse.objects.count() == 0


# --- the rate limit per address --------------------------------------------------------------------------
def test_answers_from_one_address_are_rate_limited_with_a_clear_message(link, monkeypatch):
    import django_ratelimit.core as ratelimit_core

    # given a limit of two answers per ten minutes, and two phones behind one address that answered
    now = [1_800_000_000.0]
    monkeypatch.setattr(ratelimit_core.time, "time", lambda: now[0])
    monkeypatch.setattr(views_surveys, "RATE_PUBLIC_ANSWERS", "2/10m")
    for _ in range(2):
        _client, response = answer_as_new_device(link, all_fives(link.survey), REMOTE_ADDR="10.1.2.3")
        assert response.status_code == 200
    # when a third phone behind it answers
    client, blocked = answer_as_new_device(
        link, {**all_fives(link.survey), "comment": "很满意"}, REMOTE_ADDR="10.1.2.3"
    )
    # then it is refused for now, in Chinese, with its choices kept
    html = blocked.content.decode()
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 600
    assert "短时间内从此网络连接提交的答卷较多" in html
    assert html.count('value="5" checked') == 5 and "很满意" in html
    assert SurveyResponse.objects.count() == 2
    # another address is not limited
    _client, elsewhere = answer_as_new_device(link, all_fives(link.survey), REMOTE_ADDR="10.9.9.9")
    assert elsewhere.status_code == 200
    # in English for an English reader
    english = Client(REMOTE_ADDR="10.1.2.3")
    english.cookies["django_language"] = "en"
    english.get(url(link))
    refused = english.post(url(link), all_fives(link.survey))
    assert refused.status_code == 429
    assert "Many answers have come from this connection in a short time" in refused.content.decode()
    # after the window the same phone may send
    now[0] += 601
    assert "谢谢" in client.post(url(link), all_fives(link.survey)).content.decode()
    assert SurveyResponse.objects.count() == 4


# --- the link turned off, the survey closed --------------------------------------------------------------
def test_a_link_turned_off_says_so_and_keeps_its_address_when_turned_on_again(link, office_user):
    # given the office turned the link off
    svc.survey_public_link_set(survey=link.survey, contract=link.contract, on=False, by=office_user)
    client = Client()
    # then the page says so and takes no answer
    message = "此调查链接已被后勤管理部门关闭"
    assert message in client.get(url(link)).content.decode()
    assert message in client.post(url(link), all_fives(link.survey)).content.decode()
    assert SurveyResponse.objects.count() == 0
    # turned on again, the same address works (what was shared in the group)
    again = svc.survey_public_link_set(survey=link.survey, contract=link.contract, on=True, by=office_user)
    assert (again.pk, again.token) == (link.pk, link.token)
    client.get(url(link))
    assert "谢谢" in client.post(url(link), all_fives(link.survey)).content.decode()
    # each change is in the audit history, with who made it
    assert [(h.is_active, h.history_user) for h in link.history.order_by("history_date", "history_id")] == [
        (True, office_user),
        (False, office_user),
        (True, office_user),
    ]


def test_the_service_refuses_an_answer_through_a_link_turned_off(link, office_user):
    link = svc.survey_public_link_set(survey=link.survey, contract=link.contract, on=False, by=office_user)
    with pytest.raises(svc.LinkTurnedOff):
        svc.survey_public_answer(link=link, device_id="phone", answers={q.pk: 5 for q in link.survey.questions.all()})
    assert SurveyResponse.objects.count() == 0


def test_a_closed_survey_says_so_through_the_public_link(link):
    client = Client()
    client.get(url(link))
    type(link.survey).objects.filter(pk=link.survey.pk).update(
        deadline=timezone.now() - dt.timedelta(minutes=1), opens_at=timezone.now() - dt.timedelta(days=1)
    )
    assert "本次调查已结束" in client.get(url(link)).content.decode()
    assert "本次调查已结束" in client.post(url(link), all_fives(link.survey)).content.decode()
    assert SurveyResponse.objects.count() == 0


def test_an_unknown_token_is_not_found(link):
    assert Client().get("/s/p/not-a-token/").status_code == 404
    assert Client().get("/s/p/a%00b/").status_code == 404
    # an invitation's token is not a public link's
    invitation = svc.survey_invite(survey=link.survey, contract=link.contract, count=1)[0]
    assert Client().get(f"/s/p/{invitation.token}/").status_code == 404


def test_a_link_is_only_for_a_contract_of_the_survey(survey, office_user):
    survey, _contract = survey
    with pytest.raises(svc.ValidationError):
        svc.survey_public_link_set(survey=survey, contract=ContractFactory(), on=True, by=office_user)
    with pytest.raises(svc.ValidationError):
        svc.survey_public_link_set(survey=survey, contract=_contract, on=False, by=office_user)
    assert SurveyPublicLink.objects.count() == 0


# --- results per channel, and the quarter's S ------------------------------------------------------------
def answer_both_ways(survey, contract, link) -> None:
    """Two answers through invitations (of four), three through the public link (each question 4, 2, 5)."""
    questions = list(survey.questions.all())
    invitations = svc.survey_invite(survey=survey, contract=contract, count=4)
    for invitation in invitations[:2]:
        svc.survey_answer(invitation=invitation, answers={q.pk: 5 for q in questions})
    for device, value in [("phone-a", 4), ("phone-b", 2), ("phone-c", 5)]:
        svc.survey_public_answer(link=link, device_id=device, answers={q.pk: value for q in questions})


def test_results_count_the_answers_of_each_channel(link):
    # given two answers through invitations (of four) and three through the public link
    survey, contract = link.survey, link.contract
    answer_both_ways(survey, contract, link)
    # when the results are read
    results = selectors.survey_results(survey)
    # then each channel is counted; the satisfaction counts all 25 answers (20 rated 4 or 5)
    assert (results.invitations, results.invitation_responses, results.public_responses, results.responses) == (
        4,
        2,
        3,
        5,
    )
    assert results.response_rate == Decimal(50)  # of the invitations
    assert results.overall_rate == Decimal(80)
    assert [(r.answers, r.satisfied) for r in results.questions] == [(5, 4)] * 5
    [row] = results.by_contract
    assert (row.contract, row.invitations, row.invitation_responses, row.public_responses, row.responses) == (
        contract,
        4,
        2,
        3,
        5,
    )
    assert row.rate == Decimal(80)


def test_the_survey_page_shows_the_answers_of_each_channel(link, office_user, client_for):
    answer_both_ways(link.survey, link.contract, link)
    html = client_for(office_user).get(f"/surveys/{link.survey.pk}/").content.decode()
    assert '<dd id="responses-total">5</dd>' in html
    assert '<dd id="responses-invitations">2 / 4 (50.0%)</dd>' in html
    assert '<dd id="responses-public">3</dd>' in html


def test_the_quarter_s_component_counts_both_channels(link):
    # the scoring app reads the answers of every response of the quarter's surveys (scoring.selectors)
    from scoring.selectors import quarter_facts

    answer_both_ways(link.survey, link.contract, link)
    facts = quarter_facts(Quarter(2026, 4), [link.contract], with_clause_facts=False)[link.contract.pk].facts
    assert (facts.survey_answers, facts.survey_satisfied) == (25, 20)


# --- the office's page: on, off, the QR code ---------------------------------------------------------------
def test_the_office_turns_the_link_on_and_off_on_the_survey_page(survey, office_user, client_for, settings):
    settings.PUBLIC_BASE_URL = "https://logistics.example.cn"
    survey, contract = survey
    client = client_for(office_user)
    page = f"/surveys/{survey.pk}/"
    assert 'value="link_on"' in client.get(page).content.decode()
    # on: the link, its address and its QR code on the page
    response = client.post(page, {"action": "link_on", "contract": contract.pk})
    assert response.status_code == 302 and response["Location"] == f"{page}#public-links"
    link = SurveyPublicLink.objects.get()
    assert (link.survey, link.contract, link.is_active, len(link.token)) == (survey, contract, True, 24)
    html = client.get(page).content.decode()
    assert f'<code class="url">https://logistics.example.cn/s/p/{link.token}/</code>' in html
    assert html.count("<svg") == 1 and 'value="link_off"' in html and 'value="link_print"' in html
    # off: no address, no code
    client.post(page, {"action": "link_off", "contract": contract.pk})
    link.refresh_from_db()
    assert link.is_active is False
    html = client.get(page).content.decode()
    assert link.token not in html and "<svg" not in html and 'value="link_on"' in html
    # a contract outside the survey, or no contract, is not found
    assert client.post(page, {"action": "link_on", "contract": ContractFactory().pk}).status_code == 404
    assert client.post(page, {"action": "link_on", "contract": "x"}).status_code == 404


def test_the_leader_sees_the_link_state_but_not_the_link(link, leader_user, client_for):
    html = client_for(leader_user).get(f"/surveys/{link.survey.pk}/").content.decode()
    assert "已开启" in html and link.token not in html and "<svg" not in html and 'value="link_off"' not in html


def test_the_public_link_qr_code_prints_as_a_pdf(
    link, office_user, client_for, django_capture_on_commit_callbacks, settings, tmp_path
):
    import shutil
    import subprocess

    settings.PUBLIC_BASE_URL = "https://logistics.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(office_user).post(
            f"/surveys/{link.survey.pk}/", {"action": "link_print", "contract": link.contract.pk}
        )
    document = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/{document.pk}/"
    assert (document.kind, document.params, document.status) == (
        "survey_public_qr",
        {"link": link.pk},
        Document.Status.READY,
    )
    data = document.file.read()
    assert data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "qr.pdf"
        path.write_bytes(data)
        text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
        assert f"https://logistics.example.cn/s/p/{link.token}/" in text
        assert "扫码参加满意度调查（每部手机限填一次）" in text and "2026Q4保洁满意度" in text


def test_a_link_turned_off_is_not_printed(link, office_user, client_for):
    svc.survey_public_link_set(survey=link.survey, contract=link.contract, on=False, by=office_user)
    response = client_for(office_user).post(
        f"/surveys/{link.survey.pk}/", {"action": "link_print", "contract": link.contract.pk}
    )
    assert response.status_code == 404
    assert not Document.objects.exists()


# --- queries ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("questions", [5, 15])
def test_the_public_answer_page_runs_the_same_queries_for_5_and_15_questions(link, count_queries, questions):
    for order in range(5, questions):
        SurveyQuestion.objects.create(survey=link.survey, text=f"问题{order}", sort_order=order)
    client = Client()
    # the first visit: the link with its survey and contract, the questions (no device id yet)
    first_queries, page = count_queries(lambda: client.get(url(link)))
    assert page.content.decode().count('type="radio"') == 5 * questions
    # a later visit asks whether the device has answered
    later_queries, _page = count_queries(lambda: client.get(url(link)))
    data = {f"q{q.pk}": "4" for q in link.survey.questions.all()}
    post_queries, thanks = count_queries(lambda: client.post(url(link), data))
    assert "谢谢" in thanks.content.decode()
    assert SurveyResponse.objects.get().answers.count() == questions
    # the post: the three of a visit, then the service: a savepoint, the device's check, the questions, a
    # savepoint for the insert, the response, its release, the answers in one insert, the release
    assert (first_queries, later_queries, post_queries) == (2, 3, 11)
