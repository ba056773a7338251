"""The public complaint page, tracking, handling, privacy and abuse protection."""

from __future__ import annotations

import logging
import secrets
import time

import pytest
from django.apps import apps
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from conftest import make_png
from contracts.tests.factories import ContractFactory
from inspections.forms import SIGNING_SALT
from inspections.models import Complaint, ComplaintStatus, RectificationOrder
from inspections.services import complaints as svc
from inspections.services import rectifications as rectification_services
from logistics.models import Notification, OutboxMessage, ServiceCategory
from logistics.quarters import Quarter
from logistics.tests.factories import KeyPointFactory, SiteFactory

pytestmark = pytest.mark.django_db


def stamp(seconds_ago: int = 30) -> str:
    return signing.dumps([int(time.time()) - seconds_ago, secrets.token_hex(6)], salt=SIGNING_SALT)


def form_data(**overrides):
    data = {
        "category": ServiceCategory.objects.get(code="cleaning").pk,
        "description": "三楼卫生间没有手纸",
        "started": stamp(),
        "website": "",
    }
    data.update(overrides)
    return data


def post(client, **overrides):
    return client.post("/complaints/new/", form_data(**overrides))


@pytest.fixture
def contract(vendor_a):
    return ContractFactory(vendor=vendor_a, category=ServiceCategory.objects.get(code="cleaning"))


def test_a_complaint_end_to_end(client, office_user, vendor_user, contract, make_user):
    make_user("vendor", username="vendor-ops", vendor=contract.vendor, email="ops@vendor.example.cn")
    # the employee files it
    response = post(client, email="employee@example.cn", name="王老师")
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert len(complaint.tracking_code) == 12
    assert response["Location"] == f"/complaints/track/{complaint.tracking_code}/?new=1"
    html = client.get(response["Location"]).content.decode()
    assert complaint.tracking_code in html and "已收到" in html
    # the office accepts it for the contract and sends it to the vendor
    svc.complaint_accept(complaint=complaint, contract=contract, urgency="urgent", by=office_user)
    complaint.refresh_from_db()
    assert complaint.status == "dispatched"
    assert (complaint.response_deadline - complaint.dispatched_at).total_seconds() == 4 * 3600
    assert Notification.objects.filter(email="ops@vendor.example.cn", subject__startswith="投诉").count() == 1
    # the vendor answers, the office closes with a reply
    svc.complaint_answer(complaint=complaint, response="已补充手纸并增加巡查频次", by=vendor_user)
    svc.complaint_rule(complaint=complaint, upheld=True, reason="经调查属实。", by=office_user)
    svc.complaint_close(complaint=complaint, reply="已督促整改，感谢监督", by=office_user)
    page = client.get(f"/complaints/track/{complaint.tracking_code}/").content.decode()
    assert "已补充手纸并增加巡查频次" in page and "已督促整改，感谢监督" in page
    # the employee rates it, then reopens it once
    client.post(f"/complaints/track/{complaint.tracking_code}/", {"action": "rate", "rating": "2"})
    assert Complaint.objects.get().rating == 2
    client.post(f"/complaints/track/{complaint.tracking_code}/", {"action": "reopen", "reason": "第二天又没有了"})
    complaint.refresh_from_db()
    assert (complaint.status, complaint.reopen_count, complaint.rating) == ("dispatched", 1, None)
    svc.complaint_answer(complaint=complaint, response="已安排专人每两小时检查", by=vendor_user)
    svc.complaint_close(complaint=complaint, reply="再次整改完成", by=office_user)
    response = client.post(f"/complaints/track/{complaint.tracking_code}/", {"action": "reopen", "reason": "又没了"})
    assert Complaint.objects.get().reopen_count == 1  # only once
    assert "只能重新打开一次" in response.content.decode()
    # the employee was written to at the address they left
    assert Notification.objects.filter(email="employee@example.cn").count() >= 2


def test_an_upheld_complaint_is_one_job_for_the_vendor(office_user, vendor_user, contract):
    # given a complaint filed now, accepted at triage (not yet ruled on)
    complaint = svc.complaint_submit(category=contract.category, description="垃圾桶满溢")
    svc.complaint_accept(complaint=complaint, contract=contract, severity="serious", by=office_user)
    # then it is dispatched as the vendor's job, with no second order that could go overdue on its own
    complaint.refresh_from_db()
    assert (complaint.status, complaint.upheld, complaint.counts_in) == ("dispatched", None, "")
    assert RectificationOrder.objects.count() == 0
    # the vendor answers and the office rules it upheld after the investigation
    svc.complaint_answer(complaint=complaint, response="已清运", by=vendor_user)
    svc.complaint_rule(complaint=complaint, upheld=True, reason="现场核实属实。", by=office_user)
    complaint.refresh_from_db()
    # and it counts in the quarter it was filed in (no quarter of the contract is final)
    assert (complaint.counts_in, complaint.upheld_at is not None) == (
        Quarter.containing(complaint.created_at).key,
        True,
    )
    # and no order can be opened for a complaint any more
    with pytest.raises(ValidationError):
        rectification_services.rectification_open(
            contract=contract, description="x", severity="major", source="complaint", by=office_user
        )


def test_a_not_upheld_complaint_opens_none(office_user, contract):
    complaint = svc.complaint_submit(category=contract.category, description="希望增加绿植")
    svc.complaint_accept(complaint=complaint, contract=contract, by=office_user)
    assert RectificationOrder.objects.count() == 0


def test_the_tracking_page_leaks_no_personal_data_and_unknown_codes_are_404(client, office_user, contract):
    complaint = svc.complaint_submit(
        category=contract.category, description="地面湿滑", name="张三丰", phone="13800138000", email="zhang@example.cn"
    )
    svc.complaint_reject(complaint=complaint, reason="不属于服务范围", by=office_user)
    html = client.get(f"/complaints/track/{complaint.tracking_code}/").content.decode()
    for secret in ("张三丰", "13800138000", "zhang@example.cn"):
        assert secret not in html
    assert "不属于服务范围" in html
    assert client.get("/complaints/track/ABCDEFGHJKMN/").status_code == 404
    assert client.get("/complaints/track/../../etc/").status_code == 404


def test_the_vendor_never_sees_the_employees_contact(client_for, office_user, vendor_user, contract):
    complaint = svc.complaint_submit(
        category=contract.category, description="地面湿滑", name="张三丰", phone="13800138000"
    )
    svc.complaint_accept(complaint=complaint, contract=contract, by=office_user)
    html = client_for(vendor_user).get(f"/complaints/{complaint.pk}/").content.decode()
    assert "张三丰" not in html and "13800138000" not in html and complaint.tracking_code not in html
    assert "张三丰" in client_for(office_user).get(f"/complaints/{complaint.pk}/").content.decode()


def test_an_anonymous_complaint_leaves_no_personal_data_anywhere(client, caplog):
    caplog.set_level(logging.DEBUG)
    response = post(
        client, anonymous="on", name="李四", phone="13900139000", email="lisi@example.cn", REMOTE_ADDR_NOT_A_FIELD="x"
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.name, complaint.phone, complaint.email, complaint.anonymous) == ("", "", "", True)
    # no table holds the name, the contact or the address
    needles = ["李四", "13900139000", "lisi@example.cn", "127.0.0.1"]
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            text_columns = [
                f.column
                for f in model._meta.concrete_fields
                if f.get_internal_type()
                in ("CharField", "TextField", "EmailField", "JSONField", "GenericIPAddressField")
            ]
            for column in text_columns:
                for needle in needles:
                    cursor.execute(
                        f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE %s', [f"%{needle}%"]
                    )
                    assert cursor.fetchone()[0] == 0, f"{needle} found in {table}.{column}"
    # no log line either
    for record in caplog.records:
        message = record.getMessage()
        for needle in needles:
            assert needle not in message, f"{needle} logged: {message}"
    assert not Notification.objects.filter(email__in=["lisi@example.cn"]).exists()


def test_the_database_refuses_personal_data_on_an_anonymous_complaint():
    from django.db import IntegrityError, transaction

    complaint = svc.complaint_submit(
        category=ServiceCategory.objects.get(code="cleaning"), description="x", anonymous=True
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(name="泄露")


def test_honeypot_and_too_fast_posts_are_quarantined_and_trigger_nothing(
    client, make_user, django_capture_on_commit_callbacks
):
    make_user("office", username="office-mail", email="office@example.cn")
    bot = post(client, website="http://spam.example")
    fast = post(client, started=stamp(seconds_ago=0))
    forged = post(client, started="12345")
    for response in (bot, fast, forged):
        assert response.status_code == 302  # it looks accepted
    assert Complaint.objects.filter(quarantined=True).count() == 3
    assert Notification.objects.count() == 0 and OutboxMessage.objects.count() == 0
    assert all(c.events.count() == 0 for c in Complaint.objects.all())
    with django_capture_on_commit_callbacks(execute=True):  # the worker makes the office's notice
        human = post(client)
    assert human.status_code == 302
    assert Complaint.objects.filter(quarantined=False).count() == 1
    assert Notification.objects.filter(email="office@example.cn").count() == 1


def test_bad_uploads_are_refused_with_a_clear_message_and_the_text_kept(client):
    response = client.post(
        "/complaints/new/",
        {**form_data(description="楼梯扶手松动很危险"), "photos": [SimpleUploadedFile("x.jpg", b"<html>not an image")]},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "不是有效的图片" in html and "楼梯扶手松动很危险" in html
    assert Complaint.objects.count() == 0
    response = client.post(
        "/complaints/new/", {**form_data(), "photos": [SimpleUploadedFile(f"p{i}.png", make_png()) for i in range(6)]}
    )
    assert "最多 5 张照片" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_a_post_corrected_right_after_an_error_is_not_taken_for_a_bot(client):
    """The form keeps the stamp of when it was opened: sent again at once, the complaint is a person's."""
    opened = stamp(seconds_ago=40)
    bad = {**form_data(started=opened), "photos": [SimpleUploadedFile("x.jpg", b"not an image")]}
    html = client.post("/complaints/new/", bad).content.decode()
    assert f'name="started" value="{opened}"' in html
    assert post(client, started=opened).status_code == 302
    assert Complaint.objects.get().quarantined is False
    # a post without a valid stamp still gets a fresh one (and waits like a new form)
    html = client.post("/complaints/new/", {**bad, "started": "forged"}).content.decode()
    assert 'name="started" value="forged"' not in html


def test_a_good_photo_is_kept_without_exif(client, jpeg_with_gps):
    import io

    from PIL import Image

    response = client.post("/complaints/new/", {**form_data(), "photos": [SimpleUploadedFile("c.jpg", jpeg_with_gps)]})
    assert response.status_code == 302
    photo = Complaint.objects.get().photos.get()
    assert dict(Image.open(io.BytesIO(photo.image.read())).getexif()) == {}


def test_rate_limits_answer_429_and_reset_after_the_window(client, monkeypatch):
    import django_ratelimit.core as ratelimit_core

    now = [1_800_000_000.0]
    monkeypatch.setattr(ratelimit_core.time, "time", lambda: now[0])
    for _ in range(5):
        assert post(client).status_code == 302
    blocked = post(client)
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 600
    assert "请稍后再试" in blocked.content.decode() or "请稍候" in blocked.content.decode()
    assert Complaint.objects.count() == 5
    now[0] += 601  # the ten-minute window has passed
    assert post(client).status_code == 302
    assert Complaint.objects.count() == 6


def test_the_per_contact_limit(client, monkeypatch):
    import django_ratelimit.core as ratelimit_core

    monkeypatch.setattr(ratelimit_core.time, "time", lambda: 1_800_000_000.0)
    for i in range(3):
        response = post(client, email="same@example.cn", REMOTE="x")
        assert response.status_code == 302, i
    other_client = Client(REMOTE_ADDR="10.0.0.9")
    assert post(other_client, email="same@example.cn").status_code == 429


def test_a_redis_outage_lets_complaints_through(client, monkeypatch):
    import django_ratelimit.core as ratelimit_core

    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(ratelimit_core, "get_usage", broken)
    import logistics.ratelimit

    monkeypatch.setattr(logistics.ratelimit, "_count", broken)
    assert post(client).status_code == 302


def test_csrf_is_enforced_on_every_public_post(contract, office_user):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post("/complaints/new/", form_data()).status_code == 403
    complaint = svc.complaint_submit(category=contract.category, description="x")
    assert (
        csrf_client.post(f"/complaints/track/{complaint.tracking_code}/", {"action": "rate", "rating": "5"}).status_code
        == 403
    )
    from inspections.services import surveys as survey_services
    from inspections.tests.factories import make_survey

    survey = make_survey(contract, office_user, title="t", days=3)
    invitation = survey_services.survey_invite(survey=survey, contract=contract, count=1)[0]
    assert csrf_client.post(f"/s/{invitation.token}/", {"q1": "5"}).status_code == 403
    assert Complaint.objects.count() == 1


def test_a_qr_link_prefills_the_location(client):
    site = SiteFactory(code="main-1f", name="办公主楼一层")
    key_point = KeyPointFactory(site=site, code="toilet-1f", name="一层卫生间")
    html = client.get("/complaints/new/?site=main-1f&kp=toilet-1f").content.decode()
    assert f'<option value="{site.pk}" selected>' in html
    assert f'<option value="{key_point.pk}" selected>' in html


def test_overdue_complaints_are_flagged_once(office_user, contract, make_user):
    import datetime as dt

    make_user("vendor", username="vendor-ops2", vendor=contract.vendor, email="ops2@vendor.example.cn")
    complaint = svc.complaint_submit(category=contract.category, description="x")
    svc.complaint_accept(complaint=complaint, contract=contract, by=office_user)
    complaint.refresh_from_db()
    later = complaint.response_deadline + dt.timedelta(minutes=1)
    assert svc.complaints_mark_overdue(now=later) == 1
    assert svc.complaints_mark_overdue(now=later) == 0
    assert Notification.objects.filter(email="ops2@vendor.example.cn", subject__contains="逾期").count() == 1


def test_office_queue_query_count_does_not_grow(client_for, office_user, contract, count_queries):
    for _ in range(3):
        svc.complaint_submit(category=contract.category, description="x")
    client = client_for(office_user)
    small, response = count_queries(lambda: client.get("/complaints/"))
    assert response.status_code == 200
    for _ in range(30):
        svc.complaint_submit(category=contract.category, description="y")
    large, _ = count_queries(lambda: client.get("/complaints/"))
    assert small == large
    assert ComplaintStatus.RECEIVED == "received"


def test_the_new_complaint_banner_is_for_the_browser_that_filed_it_and_needs_no_session():
    from django.contrib.sessions.models import Session

    employee = Client()
    location = post(employee)["Location"]
    code = Complaint.objects.get().tracking_code
    assert not Session.objects.exists()  # an anonymous post writes no session row
    page = employee.get(location).content.decode()
    assert 'id="tracking-code"' in page and code in page
    for other in (Client(), Client(cookies={"new_complaint": code})):  # another browser; a forged cookie
        page = other.get(location).content.decode()
        assert code in page and 'id="tracking-code"' not in page


def test_a_complaint_reaches_the_broker_as_one_message_and_each_office_member_once(
    client, make_user, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    """With a broker (not the tests' eager tasks): the public page queues the office's notice and the employee's
    receipt as one outbox row each (the request writes no notification); the worker's run of the office's makes
    one task that writes to each office member once, the employee's its own."""
    from celery import current_app

    from logistics import outbox
    from logistics.tasks import notify_task, send_notification_task, send_notifications_task

    members = sorted(f"office-{i}@example.cn" for i in range(3))
    for index, email in enumerate(members):
        make_user("office", username=f"office-n{index}", email=email)
    published: list[tuple[str, dict]] = []

    class Recorder:
        def __init__(self, name):
            self.name = name

        def apply_async(self, kwargs):
            published.append((self.name, kwargs))

    monkeypatch.setattr(outbox, "resolve_task", Recorder)
    eager, current_app.conf.task_always_eager = current_app.conf.task_always_eager, False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, email="employee@example.cn").status_code == 302
        assert [name for name, _kwargs in published] == ["logistics.tasks.notify_task"] * 2
        assert Notification.objects.count() == 0
        deferred, published[:] = list(published), []
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(2):  # a deferred notice run twice makes its rows once
                for _name, kwargs in deferred:
                    notify_task.run(**kwargs)
    finally:
        current_app.conf.task_always_eager = eager
    assert sorted(name for name, _kwargs in published) == [
        "logistics.tasks.send_notification_task",  # the employee's receipt
        "logistics.tasks.send_notifications_task",  # the office, all of it
    ]
    (batch,) = [kwargs["batch"] for name, kwargs in published if name.endswith("notifications_task")]
    assert len(batch) == 3
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    for _ in range(2):  # a message delivered twice writes to nobody twice
        for name, kwargs in published:
            (send_notifications_task if name.endswith("notifications_task") else send_notification_task).run(**kwargs)
    assert sorted(message.to[0] for message in mailoutbox) == sorted([*members, "employee@example.cn"])


def test_a_form_stamp_brings_one_complaint_in_and_a_replay_is_quarantined(client):
    # given a form opened a minute ago, posted once (issue 17: the stamp could be reused for six hours)
    stamp = signing.dumps([int(time.time()) - 60, "n1"], salt=SIGNING_SALT)
    assert post(client, started=stamp, description="三楼卫生间没有手纸（第一次）").status_code == 302
    # when the same stamp comes again (a bot replaying the post)
    assert post(client, started=stamp, description="三楼卫生间没有手纸（重放）").status_code == 302
    # then the replay is kept apart, as a bot's
    assert list(Complaint.objects.order_by("pk").values_list("description", "quarantined")) == [
        ("三楼卫生间没有手纸（第一次）", False),
        ("三楼卫生间没有手纸（重放）", True),
    ]
