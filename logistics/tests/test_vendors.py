"""Vendors: credit code, status history, certificates and their expiry, uploads and downloads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from conftest import make_png
from logistics import selectors
from logistics.models import Certificate, CertificateType, StaffCertificate, Vendor, VendorStaff, VendorStatus
from logistics.services.vendors import vendor_change_status
from logistics.tests.factories import CertificateFactory, ServiceCategoryFactory, VendorFactory
from logistics.uploads import clean_document, clean_photo

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 22)


def test_a_vendor_with_a_wrong_check_digit_is_refused_with_the_reason():
    vendor = VendorFactory.build(credit_code="914403001922038217")
    with translation.override("en"), pytest.raises(ValidationError) as info:
        vendor.full_clean()
    assert info.value.message_dict["credit_code"] == [
        "The check digit fails: the 18th character (“7”) does not match the first 17 characters. "
        "Please look for a mistyped character."
    ]


def test_credit_code_is_unique():
    VendorFactory(credit_code="914403001922038216")
    with pytest.raises(ValidationError) as info:
        VendorFactory.build(credit_code="914403001922038216").full_clean()
    assert "credit_code" in info.value.message_dict


def test_status_transitions_are_kept_with_their_reasons(office_user):
    vendor = VendorFactory(status=VendorStatus.ADMITTED)
    vendor_change_status(vendor=vendor, to_status=VendorStatus.SUSPENDED, reason="两次检查不合格", by=office_user)
    vendor_change_status(vendor=vendor, to_status=VendorStatus.ADMITTED, reason="整改完成", by=office_user)
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.ADMITTED
    assert list(vendor.status_changes.values_list("from_status", "to_status", "reason")) == [
        ("admitted", "suspended", "两次检查不合格"),
        ("suspended", "admitted", "整改完成"),
    ]


def test_a_blacklisted_vendor_stays_blacklisted_and_nothing_changes(office_user):
    vendor = VendorFactory(status=VendorStatus.BLACKLISTED)
    with translation.override("en"), pytest.raises(ValidationError, match="cannot go from “Blacklisted” to “Admitted”"):
        vendor_change_status(vendor=vendor, to_status=VendorStatus.ADMITTED, reason="x", by=office_user)
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.BLACKLISTED
    assert vendor.status_changes.count() == 0


def test_a_status_change_needs_a_reason():
    vendor = VendorFactory(status=VendorStatus.ADMITTED)
    with pytest.raises(ValidationError):
        vendor_change_status(vendor=vendor, to_status=VendorStatus.SUSPENDED, reason="  ")
    assert Vendor.objects.get(pk=vendor.pk).status == VendorStatus.ADMITTED


def test_expiry_selector_worked_example():
    # given certificates expiring at several distances from 22 November 2026
    vendor = VendorFactory(legal_name="甲公司")
    ctype = CertificateType.objects.get(code="food_business_licence")
    iso = CertificateType.objects.get(code="iso9001")
    other = CertificateType.objects.get(code="industry_qualification")
    in_10 = CertificateFactory(vendor=vendor, type=ctype, expires_on=TODAY + dt.timedelta(days=10))
    CertificateFactory(vendor=vendor, type=other, expires_on=TODAY + dt.timedelta(days=31))  # beyond 30 days
    expired = CertificateFactory(vendor=vendor, type=iso, number="OLD", expires_on=TODAY - dt.timedelta(days=3))
    staff = VendorStaff.objects.create(vendor=vendor, name="王五", role="保洁员")
    health = StaffCertificate.objects.create(
        staff=staff,
        type=CertificateType.objects.get(code="health_certificate"),
        expires_on=TODAY + dt.timedelta(days=30),
    )
    # when
    items = selectors.certificates_expiring(within_days=30, today=TODAY)
    # then: the expired one first, then 10 days, then the staff certificate at exactly 30 days
    assert [(i.kind, i.pk, i.days_left, i.expired) for i in items] == [
        ("certificate", expired.pk, -3, True),
        ("certificate", in_10.pk, 10, False),
        ("staff_certificate", health.pk, 30, False),
    ]
    assert items[2].holder == "王五"


def test_a_renewed_certificate_hides_the_expired_one():
    vendor = VendorFactory()
    iso = CertificateType.objects.get(code="iso9001")
    CertificateFactory(vendor=vendor, type=iso, number="OLD", expires_on=TODAY - dt.timedelta(days=3))
    CertificateFactory(vendor=vendor, type=iso, number="NEW", expires_on=TODAY + dt.timedelta(days=700))
    assert selectors.certificates_expiring(within_days=30, today=TODAY) == []


def test_admitted_vendors_with_an_expired_mandatory_certificate_are_flagged():
    canteen = ServiceCategoryFactory(code="canteen")
    food = CertificateType.objects.get(code="food_business_licence")
    licence = CertificateType.objects.get(code="business_licence")
    expired = VendorFactory(legal_name="过期")
    ok = VendorFactory(legal_name="有效")
    applicant = VendorFactory(legal_name="申请中", status=VendorStatus.APPLICANT)
    for vendor in (expired, ok, applicant):
        vendor.categories.add(canteen)
        CertificateFactory(vendor=vendor, type=licence)
    CertificateFactory(vendor=expired, type=food, expires_on=TODAY - dt.timedelta(days=1))
    CertificateFactory(vendor=ok, type=food, expires_on=TODAY + dt.timedelta(days=1))
    flags = dict(selectors.vendors_with_flags(today=TODAY).values_list("legal_name", "certificate_problem"))
    assert flags == {"过期": True, "有效": False, "申请中": False}


def test_the_flag_shows_in_the_admin_list_and_on_the_vendor_page(client_for, office_user, vendor_user, vendor_a):
    canteen = ServiceCategoryFactory(code="canteen")
    vendor_a.categories.add(canteen)  # no food business licence on file
    html = client_for(office_user).get("/admin/logistics/vendor/").content.decode()
    assert "flag-alert" in html
    html = client_for(vendor_user).get("/vendor/").content.decode()
    assert 'role="alert"' in html


# --- uploads --------------------------------------------------------------------------------------------
def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_a_real_pdf_is_kept():
    data = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert clean_document(upload("licence.pdf", data)).read() == data


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("licence.pdf", b"<html><script>alert(1)</script></html>", "not_pdf"),
        ("licence.exe", b"MZ\x90\x00", "extension"),
        ("licence.png", b"GIF89a not a png", "not_image"),
        ("licence.jpg", make_png(), "mismatch"),
        ("licence.png", b"", "empty"),
    ],
)
def test_bad_documents_are_refused_with_a_clear_message(name, data, code):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        clean_document(upload(name, data))
    assert info.value.code == code
    assert name in info.value.messages[0]


def test_a_polyglot_png_loses_its_payload():
    payload = b"<script>alert('x')</script>"
    cleaned = clean_document(upload("scan.png", make_png() + payload))
    assert payload not in cleaned.read()


def test_a_photo_loses_its_exif_and_gps(jpeg_with_gps):
    assert Image.open(io.BytesIO(jpeg_with_gps)).getexif()  # the original carries EXIF with GPS
    cleaned = clean_photo(upload("site.jpg", jpeg_with_gps))
    image = Image.open(io.BytesIO(cleaned.read()))
    assert dict(image.getexif()) == {}
    assert image.format == "JPEG"


def test_too_many_pixels_are_refused():
    big = make_png(9000, 5000)  # 45 MP
    with translation.override("en"), pytest.raises(ValidationError) as info:
        clean_photo(upload("wide.png", big))
    assert info.value.code == "too_many_pixels"


def test_too_large_files_are_refused(settings):
    from logistics.uploads import UploadLimits

    with translation.override("en"), pytest.raises(ValidationError) as info:
        clean_photo(upload("photo.png", make_png()), UploadLimits(max_bytes=10))
    assert info.value.code == "too_large"


# --- downloads ------------------------------------------------------------------------------------------
def _certificate_with_scan(vendor):
    cert = CertificateFactory(vendor=vendor, type=CertificateType.objects.get(code="business_licence"))
    cert.scan.save("licence.pdf", clean_document(upload("licence.pdf", b"%PDF-1.4\n%%EOF\n")))
    return cert


def test_certificate_scans_go_through_the_permission_checked_view(
    client_for, office_user, vendor_user, vendor_b_user, vendor_a
):
    cert = _certificate_with_scan(vendor_a)
    url = f"/files/certificate/{cert.pk}/"
    assert cert.scan.name.startswith("certificates/") and "licence" not in cert.scan.name  # random name
    response = client_for(office_user).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(vendor_user).get(url).status_code == 200
    assert client_for(vendor_b_user).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404


def test_uploads_are_not_under_a_public_url(settings, vendor_a):
    cert = _certificate_with_scan(vendor_a)
    assert str(settings.MEDIA_ROOT / "private") in cert.scan.path
    with pytest.raises(ValueError):
        cert.scan.url  # noqa: B018  (the storage has no base URL)


def test_vendor_admin_list_query_count_does_not_grow(admin_list_queries):
    small, large = admin_list_queries(VendorFactory, "/admin/logistics/vendor/")
    assert small == large


def test_vendor_api_list_query_count_does_not_grow(api_get, office_user, count_queries):
    for vendor in VendorFactory.create_batch(3):
        vendor.categories.add(ServiceCategoryFactory())
    small, response = count_queries(lambda: api_get(office_user, "/api/vendors/"))
    assert response.status_code == 200 and response.json()["count"] == 3
    for vendor in VendorFactory.create_batch(30):
        vendor.categories.add(ServiceCategoryFactory())
    large, response = count_queries(lambda: api_get(office_user, "/api/vendors/"))
    assert response.json()["count"] == 33
    # the user, roles, user and group permissions, count, page, categories: the same at 3 and 33 vendors
    assert small == large == 7


def test_certificate_factory_sanity():
    assert Certificate.objects.count() == 0
