"""The public complaint page's category choice, and the posts held by its bot filter: what the employee is told,
the office's list, release and discard (issue 20, the service desk)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import make_png
from contracts.tests.factories import ContractFactory
from inspections.forms import SIGNING_SALT
from inspections.models import Complaint, ComplaintEvent, ComplaintPhoto, InspectionPlan
from inspections.services import complaints as complaint_services
from inspections.services import held as held_services
from logistics.models import Notification, OutboxMessage, ServiceCategory
from logistics.tests.factories import KeyPointFactory, SiteFactory

pytestmark = pytest.mark.django_db

HOUR = 3600
DAY = 24 * HOUR


def stamp(seconds_ago: float = 30) -> str:
    """The signed stamp of a form opened ``seconds_ago``."""
    return signing.dumps([int(time.time() - seconds_ago), secrets.token_hex(6)], salt=SIGNING_SALT)


def cleaning() -> ServiceCategory:
    return ServiceCategory.objects.get(code="cleaning")


def form_data(**overrides):
    data = {"category": cleaning().pk, "description": "三楼卫生间没有手纸", "started": stamp(), "website": ""}
    data.update(overrides)
    return data


def selected_categories(html: str) -> list[str]:
    """The values of the category list's selected options."""
    select = re.search(r'<select name="category".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select)


def held_post(description: str = "点击领取优惠", **kwargs) -> Complaint:
    return complaint_services.complaint_submit(category=cleaning(), description=description, quarantined=True, **kwargs)


def plan_covering(key_point, category: ServiceCategory) -> InspectionPlan:
    """A weekly plan in force of an active contract of ``category`` that covers ``key_point``."""
    contract = ContractFactory(category=category)
    plan = InspectionPlan.objects.create(
        contract=contract,
        kind="weekly",
        frequency="weekly",
        weekday=0,
        effective_from=timezone.localdate() - dt.timedelta(days=30),
    )
    plan.key_points.add(key_point)
    return plan


# --- the category list -----------------------------------------------------------------------------------
def test_the_category_list_starts_with_choose_and_nothing_is_preselected(client):
    # when the page is opened without a QR code's parameters
    html = client.get("/complaints/new/").content.decode()
    # then its first choice is the empty 请选择, and it is the one shown
    select = re.search(r'<select name="category".*?</select>', html, re.S).group(0)
    assert re.findall(r"<option[^>]*>[^<]*</option>", select)[0] == '<option value="" selected>请选择</option>'
    assert selected_categories(html) == [""]


def test_the_empty_choice_and_the_missing_category_read_in_english(client):
    client.cookies["django_language"] = "en"  # the language switch's choice
    html = client.get("/complaints/new/").content.decode()
    assert '<option value="" selected>Choose…</option>' in html
    html = client.post("/complaints/new/", form_data(category="")).content.decode()
    assert "Choose the service the problem is about." in html


def test_a_missing_category_is_asked_for_and_what_was_typed_is_kept(client):
    # given an employee who wrote everything but chose no service
    data = form_data(category="", description="二楼茶水间水龙头漏水", location="东侧茶水间", email="wang@example.cn")
    # when they send it
    response = client.post("/complaints/new/", data)
    # then the page says what is missing, in their language, and keeps what they typed
    assert response.status_code == 200
    html = response.content.decode()
    assert "请选择问题所属的服务类别。" in html
    assert "二楼茶水间水龙头漏水" in html and 'value="东侧茶水间"' in html and 'value="wang@example.cn"' in html
    assert Complaint.objects.count() == 0


def test_a_qr_codes_key_point_preselects_the_service_whose_plans_cover_it(client, django_assert_num_queries):
    # given a toilet covered by the cleaning contract's weekly plan
    site = SiteFactory(code="main-1f")
    toilet = KeyPointFactory(site=site, code="toilet-1f")
    plan_covering(toilet, cleaning())
    # when its QR code is scanned
    html = client.get("/complaints/new/?site=main-1f&kp=toilet-1f").content.decode()
    # then cleaning is chosen (not the first of the list, security)
    assert selected_categories(html) == [str(cleaning().pk)]


def test_a_key_point_covered_by_two_services_or_none_preselects_nothing(client):
    site = SiteFactory(code="main-2f")
    shared = KeyPointFactory(site=site, code="lobby")
    plan_covering(shared, cleaning())
    plan_covering(shared, ServiceCategory.objects.get(code="security"))
    KeyPointFactory(site=site, code="stairs")
    for kp in ("lobby", "stairs"):
        html = client.get(f"/complaints/new/?site=main-2f&kp={kp}").content.decode()
        assert selected_categories(html) == [""], kp


def test_the_links_cat_wins_over_the_key_point(client):
    site = SiteFactory(code="main-1f")
    toilet = KeyPointFactory(site=site, code="toilet-1f")
    plan_covering(toilet, cleaning())
    security = ServiceCategory.objects.get(code="security")
    html = client.get("/complaints/new/?site=main-1f&kp=toilet-1f&cat=security").content.decode()
    assert selected_categories(html) == [str(security.pk)]
    # an unknown ?cat= leaves the key point's
    html = client.get("/complaints/new/?site=main-1f&kp=toilet-1f&cat=nothing").content.decode()
    assert selected_categories(html) == [str(cleaning().pk)]


# --- what the bot filter holds ---------------------------------------------------------------------------
def test_a_post_two_seconds_after_opening_is_held_told_plainly_and_notifies_nobody(
    client, office_user, django_capture_on_commit_callbacks
):
    # when a post comes 2 s after its form was opened
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/complaints/new/", form_data(started=stamp(2), email="wang@example.cn"))
    # then it is held, with no event and no notice to anyone
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.quarantined is True
    assert (ComplaintEvent.objects.count(), OutboxMessage.objects.count(), Notification.objects.count()) == (0, 0, 0)
    # and the tracking page tells the employee that the office reviews it before it is handled
    html = client.get(response["Location"]).content.decode()
    assert complaint.tracking_code in html
    assert "您的投诉将由后勤管理部门审核后再处理" in html
    assert "待后勤管理部门审核" in html


def test_a_form_left_open_ten_hours_is_a_persons(client):
    assert client.post("/complaints/new/", form_data(started=stamp(10 * HOUR))).status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.quarantined is False
    html = client.get(f"/complaints/track/{complaint.tracking_code}/").content.decode()
    assert 'id="held-notice"' not in html


def test_a_form_opened_six_days_ago_is_a_persons_and_one_opened_eight_days_ago_is_held(client):
    assert (
        client.post("/complaints/new/", form_data(started=stamp(6 * DAY), description="六天前打开的表单")).status_code
        == 302
    )
    assert (
        client.post("/complaints/new/", form_data(started=stamp(8 * DAY), description="八天前打开的表单")).status_code
        == 302
    )
    assert list(Complaint.objects.order_by("pk").values_list("description", "quarantined")) == [
        ("六天前打开的表单", False),
        ("八天前打开的表单", True),
    ]


def test_a_spent_stamp_is_remembered_as_long_as_a_stamp_is_accepted(client, monkeypatch):
    # given a form opened three days ago and sent now
    opened = stamp(3 * DAY)
    assert client.post("/complaints/new/", form_data(started=opened, description="第一次提交")).status_code == 302
    # when the same stamp is replayed three days later (six days after it was made: still a valid signature)
    later = time.time() + 3 * DAY
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.post("/complaints/new/", form_data(started=opened, description="三天后重放")).status_code == 302
    # then the replay is held
    assert list(Complaint.objects.order_by("pk").values_list("description", "quarantined")) == [
        ("第一次提交", False),
        ("三天后重放", True),
    ]


# --- release and discard -----------------------------------------------------------------------------------
def test_release_makes_a_held_post_a_new_complaint_with_its_event_and_notices(
    client_for, office_user, make_user, django_capture_on_commit_callbacks
):
    make_user("office", username="office2", email="office2@example.cn")
    complaint = held_post("三楼卫生间没有手纸", email="wang@example.cn", name="王老师")
    # when the office releases it from the held list
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(office_user).post(
            "/complaints/held/", {"complaint": complaint.pk, "action": "release"}, follow=True
        )
    # then it is an ordinary new complaint: waiting for triage, its "received" event, the office's and the employee's
    # notices (one outbox row each; one notification per office member, one to the employee)
    assert response.status_code == 200
    assert f"{complaint.reference} 已放行" in response.content.decode()
    complaint.refresh_from_db()
    assert (complaint.quarantined, complaint.status) == (False, "received")
    assert list(complaint.events.values_list("kind", "message")) == [("received", "received")]
    assert sorted(OutboxMessage.objects.values_list("task_name", "kwargs__dedup_key")) == [
        ("logistics.tasks.notify_task", f"complaint-new:{complaint.pk}"),  # the office's notice
        ("logistics.tasks.notify_task", f"complaint-received:{complaint.pk}"),  # the employee's receipt
        ("logistics.tasks.send_notification_task", None),  # its three e-mails, sent by the worker
        ("logistics.tasks.send_notification_task", None),
        ("logistics.tasks.send_notification_task", None),
    ]
    notifications = Notification.objects.values_list("recipient__username", "channel", "email")
    assert sorted(notifications, key=lambda row: (row[0] or "", row[1])) == [
        (None, "email", "wang@example.cn"),
        ("office1", "email", "office1@example.cn"),
        ("office1", "inbox", ""),
        ("office2", "email", "office2@example.cn"),
        ("office2", "inbox", ""),
    ]
    assert Notification.objects.get(email="wang@example.cn").subject == "您的投诉已收到"
    # and it is in the queue, and its tracking page no longer says it waits for review
    assert complaint.reference in client_for(office_user).get("/complaints/").content.decode()
    html = client_for(None).get(f"/complaints/track/{complaint.tracking_code}/").content.decode()
    assert 'id="held-notice"' not in html and "我们已收到您的投诉" in html


def test_discard_deletes_the_held_post_and_its_photos(client_for, office_user, django_capture_on_commit_callbacks):
    # given a held post with a photo
    complaint = held_post(photos=[SimpleUploadedFile("p.png", make_png(), content_type="image/png")])
    photo = ComplaintPhoto.objects.get(complaint=complaint)
    storage, name = photo.image.storage, photo.image.name
    assert storage.exists(name)
    # when the office discards it
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(office_user).post(
            "/complaints/held/", {"complaint": complaint.pk, "action": "discard", "reason": "广告"}, follow=True
        )
    # then the post, its photo and the file are gone, and nobody was told anything
    assert f"{complaint.reference} 已删除" in response.content.decode()
    assert (Complaint.objects.count(), ComplaintPhoto.objects.count(), storage.exists(name)) == (0, 0, False)
    assert (OutboxMessage.objects.count(), Notification.objects.count()) == (0, 0)
    # the audit history keeps who discarded it and why
    deleted = Complaint.history.get(id=complaint.pk, history_type="-")
    assert (deleted.history_user, deleted.history_change_reason) == (office_user, "广告")


def test_only_a_held_post_can_be_released_or_discarded(client_for, office_user):
    # given a person's complaint, waiting for triage
    complaint = complaint_services.complaint_submit(category=cleaning(), description="灯不亮")
    events = list(complaint.events.values_list("pk", flat=True))
    # when the office tries to release or discard it
    with pytest.raises(ValidationError) as refused:
        held_services.complaint_release(complaint=complaint, by=office_user)
    assert refused.value.messages == ["只有待审核的提交才能放行或删除。"]
    with pytest.raises(ValidationError):
        held_services.complaint_discard(complaint=complaint, reason="", by=office_user)
    client = client_for(office_user)
    response = client.post("/complaints/held/", {"complaint": complaint.pk, "action": "discard"}, follow=True)
    # then it is refused with the reason, and nothing changed
    assert response.redirect_chain == [("/complaints/held/", 302)]
    assert "只有待审核的提交才能放行或删除。" in response.content.decode()
    complaint.refresh_from_db()
    assert (complaint.quarantined, list(complaint.events.values_list("pk", flat=True))) == (False, events)
    assert OutboxMessage.objects.count() == 1  # the office's notice of its filing, none more


def test_only_the_office_may_review_held_posts(client_for, make_user, leader_user, inspector_user, vendor_user):
    complaint = held_post()
    # the page: the login for an anonymous visitor, 403 for every other role
    response = client_for(None).get("/complaints/held/")
    assert (response.status_code, response["Location"].startswith("/accounts/login/")) == (302, True)
    for user in (leader_user, inspector_user, vendor_user, make_user(None, username="employee")):
        assert client_for(user).get("/complaints/held/").status_code == 403, user.username
        response = client_for(user).post("/complaints/held/", {"complaint": complaint.pk, "action": "release"})
        assert response.status_code == 403, user.username
    # the service, through the policy
    with pytest.raises(ValidationError):
        held_services.complaint_release(complaint=complaint, by=leader_user)
    assert Complaint.objects.get().quarantined is True


def test_the_queue_links_the_held_list_with_its_count(client_for, office_user, leader_user):
    held_post()
    held_post()
    html = client_for(office_user).get("/complaints/").content.decode()
    assert re.search(r'href="/complaints/held/">待审核提交 <span class="badge badge-warn">2</span>', html)
    assert "/complaints/held/" not in client_for(leader_user).get("/complaints/").content.decode()


def test_the_held_list_shows_each_post_with_release_and_discard(client_for, office_user):
    complaint = held_post("点击领取优惠", photos=[SimpleUploadedFile("p.png", make_png(), content_type="image/png")])
    html = client_for(office_user).get("/complaints/held/").content.decode()
    assert complaint.reference in html and "点击领取优惠" in html
    assert f'href="/files/complaint-photo/{complaint.photos.get().pk}/"' in html
    assert html.count('name="action" value="release"') == 1 and html.count('name="action" value="discard"') == 1


@pytest.mark.parametrize("few, many", [(2, 10)])
def test_the_held_list_query_count_is_flat(client_for, office_user, count_queries, few, many):
    client = client_for(office_user)

    def add(count: int) -> None:
        for n in range(count):
            held_post(f"第{n}条", photos=[SimpleUploadedFile("p.png", make_png(), content_type="image/png")])

    add(few)
    small, response = count_queries(lambda: client.get("/complaints/held/"))
    assert response.status_code == 200 and response.content.decode().count('value="release"') == few
    add(many - few)
    large, response = count_queries(lambda: client.get("/complaints/held/"))
    assert response.content.decode().count('value="release"') == many
    assert small == large
