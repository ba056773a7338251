"""The in-app inbox (消息) and the choice of channels, as each role uses them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logistics import notify
from logistics.models import Notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["office", "inspector", "vendor", "leader"])
def test_every_role_reads_its_own_messages_only(client, make_user, vendor_a, role):
    extra = {"vendor": vendor_a} if role == "vendor" else {}
    me = make_user(role, username="me", email="", **extra)
    other = make_user(role, username="other", email="", **extra)
    notify.notify(users=[me], subject="整改通知单 ZG-1：请于 12-05 前完成", body="三楼卫生间")
    notify.notify(users=[other], subject="别人的消息", body="x")
    client.force_login(me)
    html = client.get("/inbox/").content.decode()
    assert "整改通知单 ZG-1：请于 12-05 前完成" in html and "别人的消息" not in html
    assert "1 条未读" in html and 'href="/inbox/"' in html  # in the menu of every role


def test_mark_all_as_read(client, make_user):
    me = make_user("office", username="me", email="")
    for i in range(3):
        notify.notify(users=[me], subject=f"S{i}", body="b")
    client.force_login(me)
    response = client.post("/inbox/", {"action": "read"}, follow=True)
    assert "已将 3 条消息标为已读。" in response.content.decode()
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    assert "0 条未读" in client.get("/inbox/").content.decode()


def test_choosing_channels_and_a_clear_message_for_sms_without_a_number(client, make_user):
    me = make_user("inspector", username="me", email="me@example.cn", phone="")
    client.force_login(me)
    response = client.post("/inbox/", {"notify_channels": ["sms"], "phone": ""})
    assert response.status_code == 200
    assert "请填写手机号码，以便通过短信通知。" in response.content.decode()
    me.refresh_from_db()
    assert me.notify_channels == ["email", "inbox"]  # nothing saved
    response = client.post("/inbox/", {"notify_channels": ["email", "sms"], "phone": "13900000000"}, follow=True)
    assert "已保存：今后将通过电子邮件、短信通知您。" in response.content.decode()
    response = client.post("/inbox/", {"notify_channels": ["sms"], "phone": "13900000000"}, follow=True)
    assert "已保存：今后将通过短信通知您。" in response.content.decode()
    me.refresh_from_db()
    assert (me.notify_channels, me.phone) == (["sms"], "13900000000")
    notify.notify(users=[me], subject="S", body="b")  # the inbox keeps a copy whatever one chooses
    assert list(Notification.objects.values_list("channel", flat=True).order_by("pk")) == ["inbox", "sms"]
    response = client.post("/inbox/", {"notify_channels": ["fax"], "phone": ""})
    assert "选择一个有效的选项。 fax 不在可用的选项中。" in response.content.decode()


def test_english_page(client, make_user):
    me = make_user("vendor", username="me", email="")
    client.force_login(me)
    client.cookies["django_language"] = "en"
    html = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "How to reach me" in html and "SMS" in html and "You have no email address on file" in html


def test_anonymous_goes_to_login(client):
    response = client.get("/inbox/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("count", [3, 30])
def test_the_inbox_costs_the_same_queries_whatever_the_number_of_messages(client, make_user, count):
    me = make_user("office", username="me", email="")
    for i in range(count):
        notify.notify(users=[me], subject=f"S{i}", body="b")
    client.force_login(me)
    client.get("/inbox/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/inbox/").status_code == 200
    assert len(queries) == 7  # session, user, roles, messages, the page of notices, and the menu's
