"""Issue 17, the second security pass: a regression test for each cause the outside-style assessment found."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contracts.tests.factories import ContractFactory
from scoring import services as scoring_services
from scoring.models import Evaluation
from scoring.tests.factories import inspection, publish_past

pytestmark = pytest.mark.django_db
D = Decimal


def reviewed_evaluation(inspector, office, attendees: str) -> Evaluation:
    """A contract's 2026Q3 evaluation (one daily inspection of 90), computed and reviewed by ``office``'s meeting."""
    from logistics.quarters import Quarter

    inspection(ContractFactory(), inspector, "daily", dt.date(2026, 7, 3), "90")
    [evaluation] = scoring_services.evaluations_compute(quarter=Quarter(2026, 3))
    scoring_services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 9), attendees=attendees, by=office
    )
    return evaluation


# --- 3. the admin's history form never reverts -----------------------------------------------------------
def test_the_history_of_a_record_is_read_and_never_reverted(client_for, office_user, inspector_user):
    evaluation = reviewed_evaluation(inspector_user, office_user, "后勤处")
    computed = evaluation.history.order_by("history_id").first()
    url = f"/admin/scoring/evaluation/{evaluation.pk}/history/{computed.history_id}/"
    client = client_for(office_user)
    page = client.get(url)
    assert page.status_code == 200 and "Revert" not in page.content.decode() and "恢复" not in page.content.decode()
    response = client.post(url, {"status": "computed", "attendees": "", "minutes": ""})
    assert response.status_code == 403
    evaluation = Evaluation.objects.get(pk=evaluation.pk)
    assert (evaluation.status, evaluation.attendees) == ("reviewed", "后勤处")


# --- 5. the expiring-certificates list follows the certificate lists' rules --------------------------------
def test_an_inspector_reads_no_certificates_nor_staff_data_through_the_expiring_list(
    api_get, inspector_user, vendor_user, vendor_a, office_user
):
    from logistics.models import Certificate, CertificateType, StaffCertificate, VendorStaff
    from logistics.quarters import today
    from logistics.tests.factories import VendorFactory

    soon = today() + dt.timedelta(days=20)
    kind = CertificateType.objects.create(code="canteen_hygiene", name="餐饮卫生资质", name_en="Catering hygiene")
    for vendor in (vendor_a, VendorFactory()):
        Certificate.objects.create(
            vendor=vendor, type=kind, number=f"C-{vendor.pk}", issued_on=dt.date(2025, 1, 1), expires_on=soon
        )
        staff = VendorStaff.objects.create(vendor=vendor, name="王芳", role="保洁员")
        StaffCertificate.objects.create(
            staff=staff,
            type=CertificateType.objects.get(code="health_certificate"),
            number=f"H-{vendor.pk}",
            expires_on=soon,
        )
    url = "/api/certificates/expiring/?days=365"
    assert api_get(inspector_user, "/api/certificates/").status_code == 403
    assert api_get(inspector_user, url).json() == []  # was: every vendor's, with names and numbers
    own = api_get(vendor_user, url).json()
    assert sorted(item["number"] for item in own) == [f"C-{vendor_a.pk}", f"H-{vendor_a.pk}"]
    assert len(api_get(office_user, url).json()) == 4


# --- 2. the client's address is the one the trusted proxy saw -------------------------------------------------
@pytest.mark.parametrize(
    ("settings_values", "meta", "address"),
    [
        ({}, {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.9"),  # no proxy: never the header
        # nginx sets X-Real-IP from its own peer: taken whole; appended to by a proxy, its own (last) entry
        (
            {"CLIENT_IP_HEADER": "HTTP_X_REAL_IP"},
            {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.7"},
            "203.0.113.7",
        ),
        (
            {"CLIENT_IP_HEADER": "HTTP_X_REAL_IP"},
            {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "6.6.6.6, 203.0.113.7"},
            "203.0.113.7",
        ),
        # one trusted proxy appending to X-Forwarded-For: what the client wrote to the left is ignored
        (
            {"TRUSTED_PROXY_HOPS": 1},
            {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"},
            "203.0.113.7",
        ),
        (
            {"TRUSTED_PROXY_HOPS": 2},
            {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7, 10.1.1.1"},
            "203.0.113.7",
        ),
        # fewer entries than trusted hops: not behind the proxies after all
        ({"TRUSTED_PROXY_HOPS": 2}, {"REMOTE_ADDR": "198.51.100.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "198.51.100.2"),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxy_saw(settings, settings_values, meta, address):
    from django.test import RequestFactory

    from logistics.ratelimit import client_address

    settings.CLIENT_IP_HEADER, settings.TRUSTED_PROXY_HOPS = "", 0
    for name, value in settings_values.items():
        setattr(settings, name, value)
    request = RequestFactory().get("/", **meta)
    assert client_address(request) == address


@pytest.mark.parametrize(
    "proxy", [{"CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR"}, {"CLIENT_IP_HEADER": "", "TRUSTED_PROXY_HOPS": 1}]
)
def test_forged_forwarded_for_headers_do_not_get_past_the_complaint_rate_limit(client, settings, proxy):
    from logistics.tests.factories import ServiceCategoryFactory

    for name, value in proxy.items():
        setattr(settings, name, value)
    category = ServiceCategoryFactory()
    statuses = []
    for n in range(8):  # each with a new forged first entry, all through the same proxy (its entry last)
        response = client.post(
            "/complaints/new/",
            {"category": category.pk, "description": f"第{n}次", "anonymous": "on"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7",
            REMOTE_ADDR="127.0.0.1",
        )
        statuses.append(response.status_code)
    # five per address and ten minutes (the first entry used to be taken: 12 of 12 went through)
    assert 429 not in statuses[:5] and statuses[5:] == [429, 429, 429]


def test_a_deploy_behind_a_proxy_without_the_client_address_setting_is_warned(settings):
    from logistics.checks import client_address_behind_a_proxy

    settings.DEBUG, settings.SECURE_PROXY_SSL_HEADER = False, ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CLIENT_IP_HEADER, settings.TRUSTED_PROXY_HOPS = "", 0
    assert [w.id for w in client_address_behind_a_proxy()] == ["logistics.W001"]
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client_address_behind_a_proxy() == []


# --- 6. a frozen report is not retried ----------------------------------------------------------------------
def test_retrying_a_frozen_final_report_changes_nothing(client_for, office_user, inspector_user):
    from scoring import reports
    from scoring.models import Report

    evaluation = reviewed_evaluation(inspector_user, office_user, "x")
    publish_past(evaluation, office_user)
    scoring_services.evaluation_finalize(evaluation=evaluation, by=office_user)
    reports.render_contract_report(evaluation.pk)
    report = Report.objects.get(evaluation=evaluation, language="zh-hans")
    before = (report.status, report.frozen, report.sha256)
    assert before[:2] == ("ready", True)
    response = client_for(office_user).post(f"/reports/retry/{report.pk}/")
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.frozen, report.sha256) == before
    assert client_for(office_user).get(f"/reports/contract/{evaluation.pk}.pdf").status_code == 200


# --- 7. malformed input from signed-in users is a clear 400, never a 500 ---------------------------------------
@pytest.mark.parametrize("points", ["NaN", "nan", "Infinity", "-inf", "1e999", "abc", float("nan")])
def test_partial_points_that_are_not_a_number_are_refused_clearly(points):
    from inspections.services.inspections import parse_points

    with pytest.raises(ValueError):
        parse_points(points)
    assert parse_points(" 7.5 ") == D("7.5")


def test_json_nested_too_deeply_is_a_400(api_client, office_user):
    api_client.force_authenticate(office_user)
    body = "[" * 50_000 + "]" * 50_000
    response = api_client.post("/api/clauses/", body, content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "JSON 嵌套层数过多。"})


# --- 8. the body limit comes before anything reads the body ---------------------------------------------------
def test_a_request_larger_than_the_limit_is_refused_by_its_length_before_it_is_read(client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body must not be read")

        readline = read

    from django.test import RequestFactory

    from logistics.middleware import RequestLimitsMiddleware

    request = RequestFactory().post("/complaints/new/", data=b"x", content_type="application/octet-stream")
    request.META["CONTENT_LENGTH"] = str(150 * 1024 * 1024)
    request._stream = Unreadable()
    response = RequestLimitsMiddleware(lambda r: pytest.fail("the view must not run"))(request)
    assert (response.status_code, response.content.decode()) == (413, "请求内容过大（最多 1 MB）。")


# --- 9. anonymous API calls are throttled ---------------------------------------------------------------------
def test_anonymous_api_calls_are_throttled_per_address(client, settings):
    settings.API_ANON_RATE = "5/m"
    statuses = [client.get("/api/vendors/", REMOTE_ADDR="203.0.113.9").status_code for _ in range(8)]
    assert statuses[:5] == [403] * 5 and statuses[5:] == [429] * 3
    assert client.get("/api/vendors/", REMOTE_ADDR="203.0.113.10").status_code == 403  # another address


# --- 10. the API's schema and documentation are for signed-in users ------------------------------------------
def test_the_schema_and_the_docs_need_a_login(client, office_user):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code == 302
    client.force_login(office_user)
    assert client.get("/api/schema/").status_code == 200
