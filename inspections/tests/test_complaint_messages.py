"""The product's own words on a complaint's timeline are codes, put into the reader's language when shown;
what people wrote is shown as written."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from contracts.tests.factories import ContractFactory
from inspections.models import ComplaintEvent
from inspections.services import complaints as svc
from logistics.models import ServiceCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(office_user, vendor_user):
    contract = ContractFactory(vendor=vendor_user.vendor, category=ServiceCategory.objects.get(code="cleaning"))
    complaint = svc.complaint_submit(category=contract.category, description="三楼卫生间没有手纸")
    svc.complaint_accept(complaint=complaint, contract=contract, by=office_user)
    svc.complaint_answer(complaint=complaint, response="已补充手纸", by=vendor_user)
    svc.complaint_rule(complaint=complaint, upheld=True, reason="经调查属实。", by=office_user)
    svc.complaint_close(complaint=complaint, reply="已督促整改", by=office_user)
    svc.complaint_rate(complaint=complaint, rating=4)
    return complaint


def test_system_messages_are_stored_as_codes(complaint):
    rows = list(complaint.events.values_list("kind", "message", "message_values", "public_note"))
    assert rows == [
        ("received", "received", {}, ""),
        ("accepted", "accepted", {}, ""),
        ("dispatched", "dispatched", {}, ""),
        ("answered", "", {}, "已补充手纸"),
        ("ruled", "upheld", {}, "经调查属实。"),
        ("closed", "", {}, "已督促整改"),
        ("rated", "rated", {"rating": 4}, ""),
    ]


def test_the_tracking_page_speaks_the_readers_language(client, complaint):
    url = f"/complaints/track/{complaint.tracking_code}/"
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for words in (
        "我们已收到您的投诉。",
        "后勤管理部门已受理。",
        "已转服务企业处理。",
        "评分 4 分（满分 5 分）。",
        "已补充手纸",
    ):
        assert words in chinese
    client.cookies["django_language"] = "en"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for words in ("We have received your complaint.", "Accepted by the logistics office.", "Rated 4 of 5."):
        assert words in english
    assert "我们已收到您的投诉" not in english and "评分" not in english
    assert "已补充手纸" in english  # what the vendor wrote stays as written


def test_the_migration_turns_the_old_words_into_codes_and_back(complaint):
    migration = importlib.import_module("inspections.migrations.0005_system_messages_as_codes")
    migration.to_words(apps, None)
    assert complaint.events.get(kind="received").public_note == "我们已收到您的投诉。"
    assert complaint.events.get(kind="rated").public_note == "评分 4 分（满分 5 分）。"
    ComplaintEvent.objects.filter(kind="accepted").update(public_note="Accepted by the logistics office.")
    migration.to_codes(apps, None)
    rows = list(complaint.events.values_list("kind", "message", "message_values", "public_note"))
    assert rows[0] == ("received", "received", {}, "")
    assert rows[1] == ("accepted", "accepted", {}, "")
    assert rows[-1] == ("rated", "rated", {"rating": 4}, "")
    assert rows[3] == ("answered", "", {}, "已补充手纸")
