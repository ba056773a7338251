"""Post checks on the tablet: the inspector ticks who of the roster is at work; the result follows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import PostRole
from contracts.tests.test_staffing import make_post, on_post, person
from inspections.choices import AnswerType
from inspections.models import ChecklistItem, Inspection
from inspections.services import inspections as svc
from inspections.tests.factories import assigned_contract, make_template, tablet_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
VALID = ("security_guard_card", TODAY - dt.timedelta(days=300), TODAY + dt.timedelta(days=300))
LAPSED = ("security_guard_card", TODAY - dt.timedelta(days=800), TODAY - dt.timedelta(days=3))


def post_item(template, code="P1", role="security_guard", points="10"):
    return ChecklistItem.objects.create(
        template=template,
        code=code,
        text="门岗保安员在岗及持证",
        text_en="Gate guards at work and certified",
        max_points=Decimal(points),
        severity="major",
        answer_type=AnswerType.POST,
        post_role=PostRole.objects.get(code=role),
        sort_order=100,
    )


@pytest.fixture
def guarded(inspector_user):
    contract = assigned_contract(inspector_user, number="HT-G-1")
    post = make_post(contract, headcount=4, on_duty=2, shift="round_the_clock")
    a = person(contract.vendor, "周军", [VALID])
    b = person(contract.vendor, "陈刚", [VALID])
    c = person(contract.vendor, "王强", [LAPSED])
    for staff in (a, b, c):
        on_post(post, staff, starts=TODAY - dt.timedelta(days=30))
    template = make_template(category=contract.category, items=[("A1", "10", "minor", False)])
    post_item(template)
    return contract, template, post, (a, b, c)


def submit(user, contract, template, answer):
    data = tablet_data(contract, template, {"A1": {"result": "pass"}, "P1": answer})
    inspection, _created = svc.inspection_submit(user=user, data=data)
    return inspection.results.get(item__code="P1"), inspection


@pytest.mark.parametrize(
    ("who", "result", "text"),
    [
        ((0, 1), "pass", "保安员（24小时轮班）：在岗 2 人，应在岗 2 人"),
        ((0,), "fail", "保安员（24小时轮班）：在岗 1 人，应在岗 2 人"),
        ((0, 2), "fail", "保安员（24小时轮班）：在岗 2 人，应在岗 2 人；王强缺少有效的保安员证"),
        ((), "fail", "保安员（24小时轮班）：在岗 0 人，应在岗 2 人"),
    ],
)
def test_the_post_checks_result_follows_from_who_is_at_work(inspector_user, guarded, who, result, text):
    contract, template, _post, people = guarded
    # the tablet says "pass" whatever it is: the server decides
    row, inspection = submit(
        inspector_user, contract, template, {"result": "pass", "present": [people[i].pk for i in who]}
    )
    assert row.result == result
    assert row.post_check_text == text
    assert row.awarded == (Decimal("10.00") if result == "pass" else Decimal("0.00"))
    assert inspection.score == (Decimal("100.00") if result == "pass" else Decimal("50.00"))


def test_a_failed_post_check_opens_a_rectification_order_with_its_explanation(inspector_user, guarded):
    contract, template, _post, people = guarded
    row, _inspection = submit(inspector_user, contract, template, {"present": [people[0].pk, people[2].pk]})
    assert row.rectification.description == (
        "门岗保安员在岗及持证：保安员（24小时轮班）：在岗 2 人，应在岗 2 人；王强缺少有效的保安员证"
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"present": [999999]}, "只能勾选本岗位当天花名册上的人员；请重新加载花名册。"),
        ({"present": "all"}, "在岗人员数据格式有误。"),
        ({"result": ""}, "请勾选岗位上实际在岗的人员（无人在岗也请说明），或选择“不适用”。"),
    ],
)
def test_bad_post_answers_are_refused_and_the_draft_is_kept(inspector_user, guarded, answer, message):
    contract, template, _post, _people = guarded
    with pytest.raises(svc.InspectionInvalid) as refused:
        submit(inspector_user, contract, template, answer)
    assert refused.value.message_dict["items.P1"] == [message]
    assert Inspection.objects.filter(status="draft").count() == 1


def test_a_contract_without_the_post_can_only_say_na(inspector_user):
    contract = assigned_contract(inspector_user)
    template = make_template(category=contract.category, items=[("A1", "10", "minor", False)])
    post_item(template)
    with pytest.raises(svc.InspectionInvalid) as refused:
        submit(inspector_user, contract, template, {"present": []})
    assert refused.value.message_dict["items.P1"] == ["本合同的花名册上没有这类岗位，请选择“不适用”。"]
    row, inspection = submit(inspector_user, contract, template, {"result": "na"})
    assert (row.result, row.awarded, inspection.score) == ("na", None, Decimal("100.00"))


def test_post_checks_cost_the_same_queries_for_one_item_as_for_five(count_queries, inspector_user, guarded):
    contract, _template, _post, people = guarded

    def run(size):
        template = make_template(category=contract.category, items=[("A1", "10", "minor", False)])
        for n in range(size):
            post_item(template, code=f"P{n}")
        results = {"A1": {"result": "pass"}} | {f"P{n}": {"present": [people[0].pk]} for n in range(size)}
        data = tablet_data(contract, template, results)
        return count_queries(lambda: svc.inspection_submit(user=inspector_user, data=data))[0]

    run(1)  # warm-up
    assert run(1) == run(5)


def test_the_tablet_reads_the_roster_of_the_day(client_for, inspector_user, guarded):
    contract, template, post, people = guarded
    client = client_for(inspector_user)
    data = client.get(f"/inspect/rosters/{contract.pk}.zh-hans.json").json()
    assert data["posts"] == [
        {
            "id": post.pk,
            "role": post.role_id,
            "name": "保安员（24小时轮班）",
            "headcount": 4,
            "on_duty": 2,
            "required": ["保安员证"],
            "people": [
                {"id": people[0].pk, "name": "周军", "lacking": []},
                {"id": people[2].pk, "name": "王强", "lacking": ["保安员证"]},
                {"id": people[1].pk, "name": "陈刚", "lacking": []},
            ],
        }
    ]
    # and the checklist names the post role its post check counts
    from inspections.views import checklist_url

    items = client.get(checklist_url(template, "zh-hans")).json()["items"]
    assert [(i["code"], i.get("answer"), i.get("role_name")) for i in items] == [
        ("A1", None, None),
        ("P1", "post", "保安员"),
    ]
