"""Satisfaction surveys: single-use invitations, the satisfaction rate, closing at the deadline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.tests.factories import ContractFactory
from inspections import selectors
from inspections.models import SurveyResponse
from inspections.satisfaction import satisfaction_rate
from inspections.services import surveys as svc
from inspections.tests.factories import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(office_user):
    contract = ContractFactory()
    return make_survey(contract, office_user), contract


def test_satisfaction_rate_worked_example():
    # 10 answers: 4, 5, 5, 3, 2, 4, 5, 1, 4, 3 -> six are 4 or 5
    assert satisfaction_rate([4, 5, 5, 3, 2, 4, 5, 1, 4, 3]) == Decimal(60)
    assert satisfaction_rate([5, 4, 3]).quantize(Decimal("0.0001")) == Decimal("66.6667")
    assert satisfaction_rate([]) is None


def test_the_default_questions_and_invitations(survey):
    survey, contract = survey
    assert survey.questions.count() == 5
    invitations = svc.survey_invite(survey=survey, contract=contract, count=30)
    assert len({i.token for i in invitations}) == 30
    assert all(len(i.token) >= 20 for i in invitations)


def test_an_invitation_works_once(client, survey):
    survey, contract = survey
    invitation = svc.survey_invite(survey=survey, contract=contract, count=1)[0]
    answers = {f"q{q.pk}": "5" for q in survey.questions.all()}
    first = client.post(f"/s/{invitation.token}/", answers)
    assert "谢谢" in first.content.decode()
    second = client.post(f"/s/{invitation.token}/", {**answers})
    assert "已经使用过" in second.content.decode()
    assert SurveyResponse.objects.count() == 1
    assert client.get("/s/not-a-token/").status_code == 404


def test_an_incomplete_answer_is_refused_and_keeps_the_choices(client, survey):
    survey, contract = survey
    invitation = svc.survey_invite(survey=survey, contract=contract, count=1)[0]
    first = survey.questions.first()
    response = client.post(f"/s/{invitation.token}/", {f"q{first.pk}": "4", "comment": "食堂很好"})
    html = response.content.decode()
    assert "请回答每一个问题" in html and "食堂很好" in html and 'value="4" checked' in html
    assert SurveyResponse.objects.count() == 0


def test_a_closed_survey_takes_no_answer(client, survey):
    survey, contract = survey
    invitation = svc.survey_invite(survey=survey, contract=contract, count=1)[0]
    type(survey).objects.filter(pk=survey.pk).update(
        deadline=timezone.now() - dt.timedelta(minutes=1), opens_at=timezone.now() - dt.timedelta(days=1)
    )
    answers = {f"q{q.pk}": "5" for q in survey.questions.all()}
    assert "已结束" in client.post(f"/s/{invitation.token}/", answers).content.decode()
    assert SurveyResponse.objects.count() == 0


def test_results_per_question_and_overall(survey):
    survey, contract = survey
    questions = list(survey.questions.all())
    invitations = svc.survey_invite(survey=survey, contract=contract, count=4)
    # three responses; question 1 gets 5, 4, 2; the others 3, 3, 3
    for invitation, first in zip(invitations, [5, 4, 2], strict=False):
        svc.survey_answer(
            invitation=invitation, answers={q.pk: (first if i == 0 else 3) for i, q in enumerate(questions)}
        )
    results = selectors.survey_results(survey)
    assert (results.invitations, results.responses, results.response_rate) == (4, 3, Decimal(75))
    assert results.questions[0].rate.quantize(Decimal("0.01")) == Decimal("66.67")
    assert results.questions[1].rate == Decimal(0)
    # overall: 2 satisfied answers of 15
    assert results.overall_rate.quantize(Decimal("0.01")) == Decimal("13.33")
    row = results.by_contract[0]
    assert (row.contract, row.invitations, row.invitation_responses, row.public_responses) == (contract, 4, 3, 0)
