"""Vendors keep their papers current: vendor staff upload a renewed certificate on their portal, the office verifies
or returns it; only a verified certificate counts; expiry alerts reach the vendor first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from conftest import make_png
from logistics import selectors
from logistics.models import Certificate, CertificateType, Notification
from logistics.services import vendors as svc
from logistics.tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 22)
PDF = b"%PDF-1.4\n% renewed licence\n%%EOF\n"


def scan(name="licence.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def licence():
    return CertificateType.objects.get(code="business_licence")


def upload(client, **overrides):
    data = {
        "certificate_type": licence().pk,
        "number": "91110000-2026",
        "issuer": "北京市市场监督管理局",
        "issued_on": "2026-11-01",
        "expires_on": "2036-10-31",
        "scan": scan(),
    }
    data.update(overrides)
    return client.post("/vendor/", {k: v for k, v in data.items() if v is not None})


def inbox(user):
    return list(
        Notification.objects.filter(recipient=user, channel="inbox").order_by("pk").values_list("subject", flat=True)
    )


def test_an_uploaded_certificate_waits_for_the_office_and_counts_once_verified(
    client_for, vendor_user, vendor_a, office_user
):
    old = CertificateFactory(vendor=vendor_a, type=licence(), number="OLD", expires_on=dt.date(2026, 11, 30))
    response = upload(client_for(vendor_user))
    assert response.status_code == 302
    new = Certificate.objects.get(number="91110000-2026")
    assert (new.review, new.submitted_by, new.vendor) == ("pending", vendor_user, vendor_a)
    assert new.scan.read() == PDF
    assert inbox(office_user) == ["甲物业服务有限公司 上传了待核验的证照：营业执照 91110000-2026"]
    # not yet: on 1 December only the old one would count, and it has expired
    assert selectors.admission_facts(vendor_a, today=dt.date(2026, 12, 1)).has_valid_business_licence is False
    assert not new.is_valid_on(dt.date(2026, 12, 1)) and not old.is_valid_on(dt.date(2026, 12, 1))
    portal = client_for(vendor_user).get("/vendor/").content.decode()
    assert "待核验" in portal
    svc.certificate_verify(certificate=new, by=office_user)
    new.refresh_from_db()
    assert (new.review, new.reviewed_by) == ("verified", office_user)
    assert selectors.admission_facts(vendor_a, today=dt.date(2026, 12, 1)).has_valid_business_licence is True
    assert inbox(vendor_user) == ["证照已核验：营业执照 91110000-2026"]
    # the expired one is superseded by a verified one: no alert for it
    assert [i.number for i in selectors.certificates_expiring(within_days=30, today=TODAY)] == []
    with translation.override("en"), pytest.raises(ValidationError) as info:
        svc.certificate_verify(certificate=new, by=office_user)
    assert info.value.messages == ["This certificate is already Verified."]


def test_the_office_returns_a_certificate_with_a_reason(client_for, vendor_user, vendor_a, office_user):
    upload(client_for(vendor_user))
    certificate = Certificate.objects.get(number="91110000-2026")
    with translation.override("en"), pytest.raises(ValidationError) as info:
        svc.certificate_return(certificate=certificate, reason="  ", by=office_user)
    assert info.value.message_dict == {"reason": ["Say why the certificate is returned."]}
    svc.certificate_return(certificate=certificate, reason="扫描件模糊，看不清统一社会信用代码", by=office_user)
    certificate.refresh_from_db()
    assert (certificate.review, certificate.review_reason) == ("returned", "扫描件模糊，看不清统一社会信用代码")
    assert not certificate.is_valid_on(dt.date(2027, 1, 1))
    assert inbox(vendor_user) == ["证照已退回：营业执照 91110000-2026"]
    portal = client_for(vendor_user).get("/vendor/").content.decode()
    assert "已退回" in portal and "扫描件模糊" in portal


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"scan": None}, "scan", "附上证照扫描件"),
        ({"scan": scan("licence.gif", b"GIF89a")}, "scan", "只接受 PDF、JPEG 和 PNG 文件"),
        ({"scan": scan("licence.pdf", b"not a pdf at all")}, "scan", "不是有效的 PDF 文件"),
        ({"expires_on": "2026-10-01"}, "expires_on", "有效期须晚于发证日期。"),
        ({"number": ""}, "number", "此项为必填项。"),
    ],
)
def test_bad_uploads_are_refused_with_a_message_and_save_nothing(client_for, vendor_user, overrides, field, message):
    response = upload(client_for(vendor_user), **overrides)
    assert response.status_code == 200
    body = response.content.decode()
    assert "尚未保存。请更正标出的内容。" in body
    if field:
        assert message in " ".join(str(e) for e in response.context["upload"].errors.get(field, [])), body[-2000:]
    assert not Certificate.objects.exists()


def test_only_vendor_staff_upload_and_only_the_office_verifies(vendor_user, office_user, inspector_user, vendor_a):
    pending = CertificateFactory(vendor=vendor_a, type=licence(), review="pending")
    with pytest.raises(PermissionDenied):
        svc.certificate_verify(certificate=pending, by=vendor_user)
    with pytest.raises(PermissionDenied):
        svc.certificate_submit(
            user=office_user,
            certificate_type=licence(),
            number="X",
            issued_on=TODAY,
            expires_on=None,
            scan=scan(),
        )
    with pytest.raises(PermissionDenied):
        svc.certificate_return(certificate=pending, reason="x", by=inspector_user)


def test_expiry_alerts_reach_the_vendor_first_and_the_office_at_seven_days(vendor_user, vendor_a, office_user):
    from scoring import nightly

    CertificateFactory(vendor=vendor_a, type=licence(), number="ENDING", expires_on=dt.date(2026, 12, 20))
    nightly.expiry_alerts(today=dt.date(2026, 11, 25))  # 25 days left
    assert inbox(vendor_user) == ["25 天后到期：甲物业服务有限公司的营业执照"]
    assert inbox(office_user) == []
    body = Notification.objects.get(recipient=vendor_user, channel="inbox").body
    assert body.endswith("请在服务企业门户上传更新后的证照，供后勤管理部门核验（/vendor/）。")
    nightly.expiry_alerts(today=dt.date(2026, 12, 14))  # 6 days left: both
    assert len(inbox(vendor_user)) == 2 and len(inbox(office_user)) == 1


def test_a_png_scan_is_accepted(client_for, vendor_user):
    response = upload(
        client_for(vendor_user), scan=SimpleUploadedFile("licence.png", make_png(), content_type="image/png")
    )
    assert response.status_code == 302
    assert Certificate.objects.get().scan.name.endswith(".png")
