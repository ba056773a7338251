"""S from the surveys, the monthly feedback forms or both (ARCHITECTURE.md, "Months, half-years and the year")."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from contracts.tests.factories import ContractFactory
from feedback import services as feedback_services
from feedback.models import FeedbackRespondent
from logistics.quarters import Month, Quarter
from logistics.tests.factories import DepartmentFactory, ServiceCategoryFactory
from scoring import calculations, components, services
from scoring.calculations import Facts, MonthFeedback, Scheme
from scoring.models import Evaluation, EvaluationScheme
from scoring.tests.factories import survey

BANDS = [
    {"grade": "A", "min": "90"},
    {"grade": "B", "min": "80"},
    {"grade": "C", "min": "60"},
    {"grade": "D", "min": "0"},
]
FACTS = Facts(
    survey_answers=10,
    survey_satisfied=7,  # 70
    feedback_months=(
        MonthFeedback("2026-10", 172, 200, 2, 3),  # 86
        MonthFeedback("2026-11", 45, 50, 1, 1),  # 90
        MonthFeedback("2026-12", 0, 0, 0, 2),  # nobody answered: drops out
    ),
)


def s_of(facts, source, share=D(50)):
    scheme = Scheme(weights={}, bands=BANDS, satisfaction_source=source, satisfaction_forms_share=share)
    return components.BY_CODE["S"].value(facts, scheme)


def test_worked_example_of_each_source():
    assert s_of(FACTS, "surveys") == (Fraction(70), 10)
    assert s_of(FACTS, "forms") == (Fraction(88), 3)  # (86 + 90) / 2, three forms submitted
    # both, the forms weighing 40%: 0.4 x 88 + 0.6 x 70 = 77.2, 13 answers
    assert s_of(FACTS, "both", D(40)) == (Fraction(772, 10), 13)
    # one source without data: the other alone
    only_surveys = Facts(survey_answers=4, survey_satisfied=1)
    assert s_of(only_surveys, "both") == (Fraction(25), 4)
    assert s_of(Facts(feedback_months=FACTS.feedback_months), "both") == (Fraction(88), 3)
    assert s_of(only_surveys, "forms") == (None, 0)
    assert s_of(Facts(), "both") == (None, 0)


def test_a_third_is_kept_exact_to_the_score():
    facts = Facts(feedback_months=(MonthFeedback("2026-10", 1, 3, 1, 1),))  # 33.33...
    scheme = Scheme(weights={"S": D(100)}, bands=BANDS, satisfaction_source="forms")
    result = calculations.compute(facts, scheme)
    assert (result.score, result.grade) == (D("33.33"), "D")
    assert calculations.satisfaction_detail(facts, scheme)["months"] == [
        {"month": "2026-10", "score": "33.33", "points": 1, "max_points": 3, "answered": 1, "expected": 1}
    ]
    assert calculations.satisfaction_detail(facts, Scheme(weights={}, bands=BANDS)) is None


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_scheme_refuses_bad_year_weights_renewal_grade_and_share(office_user, english):
    scheme = EvaluationScheme.objects.get(family="default", is_current=True)
    with pytest.raises(ValidationError) as refused:
        services.scheme_save(
            scheme=scheme,
            changes={
                "weight_q1": D(40),
                "renewal_grade": "S",
                "satisfaction_source": "both",
                "satisfaction_forms_share": D(0),
            },
            by=office_user,
        )
    errors = refused.value.message_dict
    assert errors["weight_q1"] == ["The quarters' weights in the year must add up to 100%; they add up to 115.00%."]
    assert errors["renewal_grade"] == ["S is not one of the scheme's grades (A, B, C, D)."]
    assert errors["satisfaction_forms_share"] == [
        "When S is taken from both, the monthly forms' share is more than 0% and less than 100%."
    ]
    assert EvaluationScheme.objects.get(pk=scheme.pk).satisfaction_source == "surveys"  # nothing saved


@pytest.mark.django_db
def test_evaluation_takes_s_from_the_forms_and_says_so(office_user, capsys, settings, client_for):
    settings.FEEDBACK_LINK_DAYS = 400  # answered late: a late form counts in its month until the quarter closes
    category = ServiceCategoryFactory()
    contract = ContractFactory(number="HT-S-001", category=category)
    feedback_services.form_create_default(category=category)
    people = []
    for code in ("finance", "hr"):
        person = FeedbackRespondent.objects.create(
            department=DepartmentFactory(code=code), name=code, email=f"{code}@x.cn"
        )
        person.contracts.add(contract)
        people.append(person)
    sent = dt.datetime(2026, 10, 25, 9, tzinfo=dt.UTC)
    made = feedback_services.month_issue(Month(2026, 10), now=sent)
    made += feedback_services.month_issue(Month(2026, 11), now=sent.replace(month=11))
    values = {
        ("2026-10", "finance"): [16, 24, 16, 16, 8],
        ("2026-10", "hr"): [20, 30, 20, 20, 2],
        ("2026-11", "finance"): [18, 27, 18, 18, 9],
    }
    for request in made:
        answers = values.get((request.month, request.respondent.name))
        if answers is not None:
            items = [i.pk for i in request.form.items.all()]
            feedback_services.feedback_save(request=request, points=dict(zip(items, answers, strict=True)), submit=True)
    survey(contract, "2026Q4", [5, 4, 2, 1], office_user)  # 50
    scheme = EvaluationScheme.objects.get(family="default", is_current=True)
    services.scheme_save(
        scheme=scheme, changes={"satisfaction_source": "both", "satisfaction_forms_share": D(75)}, by=office_user
    )
    services.evaluations_compute(quarter=Quarter(2026, 4))
    evaluation = Evaluation.objects.get(contract=contract, quarter="2026Q4")
    s = evaluation.components.get(code="S")
    # October: 80 + 92 of 200 = 86; November: 90; December: none -> forms 88; 0.75 x 88 + 0.25 x 50 = 78.5
    assert (s.value, s.n) == (D("78.500000"), 7)
    call_command("evaluate_quarter", "2026Q4", "--contract", "HT-S-001", "--json")
    [row] = json.loads(capsys.readouterr().out)
    assert row["satisfaction"] == {
        "source": "both",
        "forms_share": "75.00",
        "months": [
            {"month": "2026-10", "score": "86.00", "points": 172, "max_points": 200, "answered": 2, "expected": 2},
            {"month": "2026-11", "score": "90.00", "points": 90, "max_points": 100, "answered": 1, "expected": 2},
        ],
        "survey_answers": 4,
        "survey_satisfied": 2,
    }
    assert row["components"]["S"]["value"] == "78.500000"
    assert evaluation.status == "computed"
    page = client_for(office_user).get(reverse("scoring:evaluation", args=[evaluation.pk]))
    text = " ".join(page.content.decode().split())
    assert "满意度（S）取自月度意见反馈表（75.00%）和满意度调查（25.00%）。" in text
    assert "2026-10" in text and "86.00" in text and "2 / 2" in text
