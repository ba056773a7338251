"""The rectification loop: answer, verify or return, overdue days, the monthly joint check, lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import make_png
from contracts.tests.factories import ContractFactory
from inspections import selectors
from inspections.models import JointRectificationCheck, RectificationOrder, RectificationPhoto
from inspections.services import inspections as inspection_services
from inspections.services import rectifications as svc
from inspections.tests.factories import assigned_contract, make_template, tablet_data
from logistics.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(inspector_user, vendor_a):
    contract = assigned_contract(inspector_user, vendor=vendor_a)
    return svc.rectification_open(
        contract=contract, description="消防通道堆放杂物", severity="major", by=inspector_user
    )


def test_answer_verify(order, vendor_user, inspector_user):
    svc.rectification_answer(
        order=order, response="已清理", photos=[SimpleUploadedFile("a.png", make_png())], by=vendor_user
    )
    order.refresh_from_db()
    assert order.status == "answered" and order.photos.filter(stage=RectificationPhoto.Stage.RESPONSE).count() == 1
    svc.rectification_verify(order=order, by=inspector_user)
    order.refresh_from_db()
    assert order.status == "verified" and order.resolved_at == order.answered_at
    assert list(order.events.values_list("kind", flat=True)) == ["issued", "answered", "verified"]


def test_return_goes_back_to_open_with_the_reason(order, vendor_user, inspector_user):
    svc.rectification_answer(order=order, response="已清理", by=vendor_user)
    with pytest.raises(ValidationError):
        svc.rectification_return(order=order, reason="", by=inspector_user)
    svc.rectification_return(order=order, reason="通道内仍有纸箱", by=inspector_user)
    order.refresh_from_db()
    assert (order.status, order.returned_count) == ("open", 1)
    assert order.events.last().note == "通道内仍有纸箱"


def test_only_the_vendor_answers_and_only_supervisors_verify(order, vendor_user, vendor_b_user, inspector_user):
    with pytest.raises(ValidationError):
        svc.rectification_answer(order=order, response="x", by=vendor_b_user)
    with pytest.raises(ValidationError):
        svc.rectification_answer(order=order, response="x", by=inspector_user)
    svc.rectification_answer(order=order, response="已清理", by=vendor_user)
    with pytest.raises(ValidationError):
        svc.rectification_verify(order=order, by=vendor_user)
    assert RectificationOrder.objects.get(pk=order.pk).status == "answered"


def test_a_bad_photo_refuses_the_answer_and_changes_nothing(order, vendor_user, client_for):
    response = client_for(vendor_user).post(
        f"/rectifications/{order.pk}/",
        {"action": "answer", "response": "已清理完毕", "photos": [SimpleUploadedFile("a.jpg", b"not a photo")]},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "不是有效的图片" in html and "已清理完毕" in html  # the message, and the typed text kept
    assert RectificationOrder.objects.get(pk=order.pk).status == "open"


def test_overdue_days_as_of_a_date(inspector_user, vendor_a):
    contract = assigned_contract(inspector_user, vendor=vendor_a)
    issued = dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC)

    def verified(description: str, severity: str, answered_after: int) -> None:
        """An order issued with the others, answered ``answered_after`` days later and verified a day after that."""
        order = svc.rectification_open(contract=contract, description=description, severity=severity, issued_at=issued)
        answered = issued + dt.timedelta(days=answered_after)
        RectificationOrder.objects.filter(pk=order.pk).update(
            status="verified", answered_at=answered, resolved_at=answered, verified_at=answered + dt.timedelta(days=1)
        )

    svc.rectification_open(contract=contract, description="a", severity="minor", issued_at=issued)
    verified("b", "minor", answered_after=2)
    verified("c", "serious", answered_after=5)
    # minor: due 8 September (Shanghai); serious: due 2 September
    overdue = {o.order.description: o.days for o in selectors.overdue_rectifications(as_of=dt.date(2026, 9, 20))}
    assert overdue == {"a": 12, "c": 4}


def test_overdue_orders_are_marked_and_the_vendor_told_once(order, make_user, vendor_a):
    make_user("vendor", username="vendor-mail", vendor=vendor_a, email="ops@vendor.example.cn")
    later = order.deadline + dt.timedelta(hours=1)
    assert svc.rectifications_mark_overdue(now=later) == 1
    assert svc.rectifications_mark_overdue(now=later + dt.timedelta(days=1)) == 0
    assert Notification.objects.filter(email="ops@vendor.example.cn", subject__contains="逾期").count() == 1


def test_the_monthly_joint_inspection_records_the_verification_of_each_order(inspector_user, vendor_user, vendor_a):
    contract = assigned_contract(inspector_user, vendor=vendor_a)
    template = make_template(category=contract.category, kind="monthly_joint")
    done = svc.rectification_open(contract=contract, description="a", severity="minor", by=inspector_user)
    not_done = svc.rectification_open(contract=contract, description="b", severity="minor", by=inspector_user)
    for item in (done, not_done):
        svc.rectification_answer(order=item, response="已整改", by=vendor_user)
    passed = {"A1": {"result": "pass"}, "A2": {"result": "pass"}, "A3": {"result": "pass"}}
    data = tablet_data(
        contract,
        template,
        passed,
        vendor_representative="李敏",
        rectification_checks={
            str(done.pk): {"result": "done"},
            str(not_done.pk): {"result": "not_done", "note": "仍有积水"},
        },
    )
    inspection_services.inspection_submit(user=inspector_user, data=data)
    assert dict(JointRectificationCheck.objects.values_list("order_id", "result")) == {
        done.pk: "done",
        not_done.pk: "not_done",
    }
    assert RectificationOrder.objects.get(pk=done.pk).status == "verified"
    assert RectificationOrder.objects.get(pk=not_done.pk).status == "open"


def test_a_joint_inspection_needs_the_vendor_representative(inspector_user):
    contract = assigned_contract(inspector_user)
    template = make_template(category=contract.category, kind="monthly_joint")
    data = tablet_data(
        contract, template, {"A1": {"result": "pass"}, "A2": {"result": "pass"}, "A3": {"result": "pass"}}
    )
    with pytest.raises(inspection_services.InspectionInvalid) as info:
        inspection_services.inspection_submit(user=inspector_user, data=data)
    assert list(info.value.message_dict) == ["vendor_representative"]


def test_rectification_lists_filter_and_keep_a_constant_query_count(client_for, api_get, inspector_user, count_queries):
    contract = assigned_contract(inspector_user)
    past = timezone.now() - dt.timedelta(days=10)
    for i in range(3):
        svc.rectification_open(contract=contract, description=f"o{i}", severity="minor", issued_at=past)
    client = client_for(inspector_user)
    small, response = count_queries(lambda: client.get("/rectifications/?overdue=true"))
    assert response.status_code == 200
    api_small, response = count_queries(lambda: api_get(inspector_user, "/api/rectifications/", overdue="true"))
    assert response.json()["count"] == 3
    for i in range(25):
        svc.rectification_open(contract=contract, description=f"p{i}", severity="minor", issued_at=past)
    svc.rectification_open(contract=contract, description="fresh", severity="minor")
    large, _ = count_queries(lambda: client.get("/rectifications/?overdue=true"))
    api_large, response = count_queries(lambda: api_get(inspector_user, "/api/rectifications/", overdue="true"))
    assert response.json()["count"] == 28
    assert (small, api_small) == (large, api_large)
    # an unassigned contract's orders stay invisible
    svc.rectification_open(contract=ContractFactory(), description="other", severity="minor")
    assert api_get(inspector_user, "/api/rectifications/").json()["count"] == 29


def test_decimal_sanity():
    assert Decimal("1.10") == Decimal("1.1")
