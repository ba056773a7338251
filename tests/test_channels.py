"""Notices by channel: email, the in-app inbox, SMS (console backend) and the group robots of WeCom, DingTalk
and Feishu, each reached through apprise at a loopback webhook server that plays the chat service."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conftest import RecordingTasks
from contracts.tests.factories import ContractFactory
from inspections.models import Complaint
from inspections.services import complaints as complaint_services
from logistics import notify, outbox, sms
from logistics.models import GroupRobot, Notification, OutboxMessage, ServiceCategory
from logistics.tests.test_outbox_batch import BATCH, NOTIFY

pytestmark = pytest.mark.django_db


class FakeChatService:
    """WeCom, DingTalk and Feishu webhooks on one loopback port: records each POST, answers as they do."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail: set[str] = set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                url = urlparse(self.path)
                kind = url.path.split("/")[1]
                service.received.append(
                    {
                        "kind": kind,
                        "path": url.path,
                        "query": parse_qs(url.query),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                status = 500 if kind in service.fail else 200
                body = json.dumps({"errcode": 0, "errmsg": "ok", "code": 0}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def of(self, kind: str) -> list[dict]:
        return [r for r in self.received if r["kind"] == kind]


@pytest.fixture
def chat(settings):
    service = FakeChatService()
    service.thread.start()
    base = f"http://127.0.0.1:{service.port}"
    settings.ROBOT_ENDPOINTS = {
        "wecom": base + "/wecom/cgi-bin/webhook/send?key={token}",
        "dingtalk": base + "/dingtalk/robot/send?access_token={token}",
        "feishu": base + "/feishu/open-apis/bot/v2/hook/{token}/",
    }
    yield service
    service.server.shutdown()
    service.server.server_close()


@pytest.fixture
def console_sms(settings):
    settings.SMS_BACKEND = "logistics.sms.ConsoleBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def run_published(tasks: RecordingTasks) -> None:
    """Run what was published as the worker would, twice (a worker lost after its work: nobody is told twice);
    what those runs queue (a deferred notice's rows) is relayed and run the same way, until nothing is left."""
    from logistics.tasks import notify_task, send_notification_task, send_notifications_task

    runs = {BATCH: send_notifications_task, NOTIFY: send_notification_task, notify.LATER_TASK: notify_task}
    done = 0
    while done < len(tasks.published):
        batch, done = tasks.published[done:], len(tasks.published)
        for _ in range(2):
            for name, kwargs in batch:
                runs[name].run(**kwargs)
        outbox.relay_pending()  # the rows the deferred notices made were queued in this transaction


def make_deferred_notices() -> None:
    """Make the rows of the notices queued for the worker (the commit hooks that would run it do not run here)."""
    for message in OutboxMessage.objects.filter(task_name=notify.LATER_TASK, sent_at__isnull=True):
        notify.notify_deferred(**message.kwargs)


@pytest.fixture
def setting(vendor_a, make_user):
    """The office's WeCom group, the vendor's DingTalk group, the vendor's contact person by SMS only."""
    make_user("office", username="office-chat", email="office@example.cn")
    vendor_a.contact_phone = "13800138000"
    vendor_a.contact_channels = ["sms"]
    vendor_a.save()
    contract = ContractFactory(vendor=vendor_a, category=ServiceCategory.objects.get(code="cleaning"))
    office_robot = GroupRobot.objects.create(name="后勤处值班群", kind="wecom", token="office-key-1")
    vendor_robot = GroupRobot.objects.create(name="甲物业项目群", kind="dingtalk", token="abc123", vendor=vendor_a)
    return contract, office_robot, vendor_robot


def file_and_dispatch(contract, office_user):
    complaint = complaint_services.complaint_submit(
        category=contract.category, description="三楼卫生间没有手纸", location="行政楼三楼"
    )
    complaint_services.complaint_accept(complaint=complaint, contract=contract, by=office_user)
    return Complaint.objects.get(pk=complaint.pk)


def test_one_complaint_reaches_the_office_robot_the_vendor_robot_and_the_contact_by_sms_once_each(
    chat, console_sms, setting, office_user, django_capture_on_commit_callbacks
):
    contract, office_robot, vendor_robot = setting
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_and_dispatch(contract, office_user)
    # the office's WeCom group hears of the new complaint, once, as WeCom's text message with the key
    [wecom] = chat.of("wecom")
    assert wecom["query"] == {"key": ["office-key-1"]}
    assert wecom["json"]["msgtype"] == "text"
    assert complaint.reference in wecom["json"]["text"]["content"]
    # the vendor's DingTalk group and its contact person's phone hear of the job to answer, once each
    [dingtalk] = chat.of("dingtalk")
    assert dingtalk["query"] == {"access_token": ["abc123"]}
    assert f"投诉 {complaint.reference}，请于" in dingtalk["json"]["text"]["content"]
    assert [m.phone for m in console_sms] == ["13800138000"]
    assert console_sms[0].text.startswith(f"投诉 {complaint.reference}，请于")
    assert chat.of("feishu") == []
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    assert set(Notification.objects.filter(robot=vendor_robot).values_list("channel", flat=True)) == {"dingtalk"}
    assert Notification.objects.filter(robot=office_robot, channel="wecom").count() == 1


def test_after_a_broker_outage_each_channel_still_gets_it_once(
    chat, console_sms, setting, office_user, tasks, django_capture_on_commit_callbacks
):
    contract, _office_robot, _vendor_robot = setting
    tasks.down = True
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_and_dispatch(contract, office_user)
    assert tasks.published == [] and chat.received == [] and console_sms == []
    tasks.down = False
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    assert outbox.relay_pending() == pending > 0
    run_published(tasks)  # each delivered twice (a worker lost after sending): nobody is told twice
    assert [r["kind"] for r in chat.received].count("wecom") == 1
    assert [r["kind"] for r in chat.received].count("dingtalk") == 1
    assert [m.phone for m in console_sms] == ["13800138000"]
    assert complaint.reference in chat.of("wecom")[0]["json"]["text"]["content"]


def test_a_robot_that_refuses_is_retried_and_the_error_is_kept_on_the_notice(chat, console_sms, setting, office_user):
    contract, office_robot, _ = setting
    chat.fail.add("wecom")
    file_and_dispatch(contract, office_user)  # queued (the commit hooks do not run here)
    make_deferred_notices()
    row = Notification.objects.get(robot=office_robot)
    with pytest.raises(OSError):  # DeliveryFailed is an OSError: the sending task retries it with a back-off
        notify.send(row.pk)
    row.refresh_from_db()
    assert row.sent_at is None
    assert row.error == f"robot {office_robot.pk}: the wecom webhook did not take the message"
    chat.fail.clear()
    assert notify.send(row.pk) is True
    assert notify.send(row.pk) is False
    row.refresh_from_db()
    assert row.sent_at is not None and row.error == ""
    assert len(chat.of("wecom")) == 2  # the refused one and the one taken; the third send sent nothing


def test_feishu_and_a_signed_dingtalk_robot(chat, console_sms, office_user, django_capture_on_commit_callbacks):
    GroupRobot.objects.create(name="飞书群", kind="feishu", token="f-00a1")
    GroupRobot.objects.create(name="钉钉加签", kind="dingtalk", token="dd01", secret="SECabc123")
    GroupRobot.objects.create(name="停用的群", kind="wecom", token="off", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify_office(subject="合同 HT-1 将于 30 天后到期", body="甲物业服务有限公司")
    [feishu] = chat.of("feishu")
    assert feishu["path"] == "/feishu/open-apis/bot/v2/hook/f-00a1/"
    assert "合同 HT-1 将于 30 天后到期" in json.dumps(feishu["json"], ensure_ascii=False)
    [dingtalk] = chat.of("dingtalk")
    assert set(dingtalk["query"]) == {"access_token", "timestamp", "sign"}  # signed with the secret
    assert chat.of("wecom") == []  # the inactive robot is not told


def test_each_person_chooses_channels_and_a_vendor_contact_is_told_without_an_account(
    console_sms, make_user, vendor_a, mailoutbox, django_capture_on_commit_callbacks
):
    by_sms = make_user("office", username="sms-only", email="a@example.cn", phone="139 0000 0001")
    by_sms.notify_channels = ["sms", "inbox"]
    by_sms.save()
    make_user("office", username="defaults", email="b@example.cn")
    vendor_a.contact_email = "contact@vendor.example.cn"
    vendor_a.contact_phone = "13700000000"
    vendor_a.save()  # default: email and SMS
    make_user("vendor", username="vendor-staff", vendor=vendor_a, email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify_office(subject="S1", body="b")
        notify.notify_vendor(vendor_a, subject="S2", body="b")
    rows = Notification.objects.order_by("pk").values_list(
        "subject", "channel", "email", "phone", "recipient__username"
    )
    assert list(rows) == [
        ("S1", "inbox", "", "", "sms-only"),
        ("S1", "sms", "", "139 0000 0001", "sms-only"),
        ("S1", "email", "b@example.cn", "", "defaults"),
        ("S1", "inbox", "", "", "defaults"),
        ("S2", "inbox", "", "", "vendor-staff"),
        ("S2", "email", "contact@vendor.example.cn", "", None),
        ("S2", "sms", "", "13700000000", None),
    ]
    assert sorted(m.to[0] for m in mailoutbox) == ["b@example.cn", "contact@vendor.example.cn"]
    assert sorted(m.phone for m in console_sms) == ["13700000000", "139 0000 0001"]


def test_an_employee_who_left_only_a_mobile_number_is_told_by_sms(
    console_sms, mailoutbox, django_capture_on_commit_callbacks
):
    category = ServiceCategory.objects.get(code="cleaning")
    with django_capture_on_commit_callbacks(execute=True):
        by_phone = complaint_services.complaint_submit(
            category=category, description="食堂地面湿滑", phone="13600000000"
        )
        complaint_services.complaint_submit(category=category, description="电梯异响", phone="1", email="e@example.cn")
    [message] = console_sms  # the one who gave an email is told by email only
    assert message.phone == "13600000000"
    assert f"/complaints/track/{by_phone.tracking_code}/" in message.text
    assert [m.to[0] for m in mailoutbox] == ["e@example.cn"]


def test_bad_choices_and_robot_keys_get_clear_messages(make_user, vendor_a):
    user = make_user("office", username="u1", phone="")
    user.notify_channels = ["sms"]
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert error.value.message_dict["phone"] == ["请填写手机号码，以便通过短信通知。"]
    user.notify_channels = ["fax"]
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert error.value.message_dict["notify_channels"] == ["请在电子邮件、站内消息和短信中选择。"]
    robot = GroupRobot(name="群", kind="wecom", token="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x")
    with pytest.raises(ValidationError) as error:
        robot.full_clean()
    assert "key=" in error.value.message_dict["token"][0]
    robot = GroupRobot(name="群", kind="wecom", token="k1", secret="SEC1")
    with pytest.raises(ValidationError) as error:
        robot.full_clean()
    assert error.value.message_dict["secret"] == ["只有钉钉机器人有加签密钥。"]


def test_the_database_refuses_a_notice_without_the_address_of_its_channel():
    for row in (
        Notification(channel="email", subject="s", body="b"),
        Notification(channel="sms", subject="s", body="b"),
        Notification(channel="inbox", subject="s", body="b"),
        Notification(channel="wecom", subject="s", body="b"),
        Notification(channel="fax", email="a@example.cn", subject="s", body="b"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            row.save()


def test_the_office_manages_robots_and_reads_the_delivery_log_leaders_do_not(
    client, make_user, office_user, leader_user
):
    robot = GroupRobot.objects.create(name="后勤处值班群", kind="wecom", token="key-123456")
    notify.notify(robots=[robot], subject="测试", body="b")
    client.force_login(office_user)
    page = client.get("/admin/logistics/grouprobot/").content.decode()
    assert "后勤处值班群" in page and "…3456" in page and "key-123456" not in page
    assert "测试" in client.get("/admin/logistics/notification/").content.decode()
    response = client.post(
        "/admin/logistics/grouprobot/add/",
        {
            "name": "错的",
            "kind": "wecom",
            "token": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            "is_active": "on",
        },
    )
    assert "这不是有效的企业微信群机器人 Webhook 密钥" in response.content.decode()
    assert GroupRobot.objects.count() == 1
    leader_user.is_staff = True  # even a leader let into the admin has no permission on robots or notices
    leader_user.save()
    client.force_login(leader_user)
    assert client.get("/admin/logistics/grouprobot/").status_code == 403
    assert client.get("/admin/logistics/notification/").status_code == 403
