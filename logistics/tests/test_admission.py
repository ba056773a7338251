"""Admission review: automatic pre-checks with reasons, opinions of three departments, a kept decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from logistics import admission_checks
from logistics.models import (
    AdmissionReview,
    BadRecord,
    CertificateType,
    Department,
    Severity,
    StaffCertificate,
    VendorStaff,
    VendorStatus,
)
from logistics.reasons import describe_all
from logistics.services import admission as svc
from logistics.tests.factories import CertificateFactory, DepartmentFactory, ServiceCategoryFactory, VendorFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 22)


def facts(**overrides):
    base = {
        "today": TODAY,
        "legal_representative": "张三",
        "has_valid_business_licence": True,
        "required_certificates": [],
        "is_blacklisted": False,
        "serious_bad_records": [],
        "experience_years": 5,
        "staff_count": 3,
        "staff_certificates": [],
    }
    base.update(overrides)
    return admission_checks.AdmissionFacts(**base)


def results(outcomes):
    return {o.item: o.passed for o in outcomes}


def test_a_clean_vendor_passes_every_check():
    assert results(admission_checks.run_checks(facts())) == {
        "legal_entity": True,
        "certificates": True,
        "credit_record": True,
        "experience": True,
        "staff": True,
    }


def test_each_failure_says_why():
    outcomes = admission_checks.run_checks(
        facts(
            has_valid_business_licence=False,
            required_certificates=[
                admission_checks.RequiredCertificate("机关餐厅", "食品经营许可证", False, dt.date(2026, 10, 1)),
                admission_checks.RequiredCertificate("机关餐厅", "营业执照", False),
            ],
            serious_bad_records=[(dt.date(2024, 1, 5), "市场监管局"), (dt.date(2020, 1, 5), "法院")],
            experience_years=2,
            staff_certificates=[admission_checks.StaffCertificateFact("李四", "健康证", dt.date(2026, 11, 1))],
        )
    )
    with translation.override("en"):
        reasons = {o.item: describe_all(o.reasons) for o in outcomes}
    assert reasons == {
        "legal_entity": ["No valid business licence is on file."],
        "certificates": [
            "Category “机关餐厅” needs a valid “食品经营许可证”; it expired on 2026-10-01.",
            "Category “机关餐厅” needs a valid “营业执照”; none is on file.",
        ],
        # the 2020 record is older than three years: it does not count
        "credit_record": ["Serious bad record on 2024-01-05 (市场监管局), within the last 3 years."],
        "experience": ["2 years of management experience; at least 3 are required."],
        "staff": ["李四's “健康证” expired on 2026-11-01."],
    }


def _vendor_for_review():
    canteen = ServiceCategoryFactory(code="canteen")
    vendor = VendorFactory(status=VendorStatus.APPLICANT, management_experience_years=5)
    vendor.categories.add(canteen)
    CertificateFactory(vendor=vendor, type=CertificateType.objects.get(code="business_licence"))
    staff = VendorStaff.objects.create(vendor=vendor, name="李四", role="厨师")
    StaffCertificate.objects.create(
        staff=staff, type=CertificateType.objects.get(code="health_certificate"), expires_on=dt.date(2030, 1, 1)
    )
    return vendor


def _reviewers(make_user):
    users = []
    for kind in ("logistics", "legal", "finance"):
        department = DepartmentFactory(code=f"d-{kind}", kind=kind)
        users.append(make_user("office", username=f"r-{kind}", department=department))
    return users


def test_opening_a_review_runs_the_checks_from_the_data(office_user):
    vendor = _vendor_for_review()  # no food business licence for the canteen
    review = svc.admission_review_open(vendor=vendor, by=office_user)
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.UNDER_REVIEW
    checks = {c.item: c.auto_result for c in review.checks.all()}
    assert checks == {
        "legal_entity": "pass",
        "certificates": "fail",
        "credit_record": "pass",
        "experience": "pass",
        "staff": "pass",
    }
    with translation.override("en"):
        failing = review.checks.get(item="certificates")
        assert describe_all(failing.auto_reasons) == [
            "Category “Canteen” needs a valid “Food business licence”; none is on file."
        ]


def test_a_decision_needs_logistics_legal_and_finance(make_user, office_user):
    vendor = _vendor_for_review()
    CertificateFactory(vendor=vendor, type=CertificateType.objects.get(code="food_business_licence"))
    review = svc.admission_review_open(vendor=vendor, by=office_user)
    logistics, legal, finance = _reviewers(make_user)
    svc.admission_opinion_give(review=review, reviewer=logistics, opinion="approve", comments="同意")
    svc.admission_opinion_give(review=review, reviewer=legal, opinion="approve", comments="同意")
    with translation.override("en"), pytest.raises(ValidationError, match="An opinion is still missing from: Finance"):
        svc.admission_review_decide(review=review, decision="admit", reason="符合条件", by=office_user)
    review.refresh_from_db()
    assert review.status == "open"
    svc.admission_opinion_give(review=review, reviewer=finance, opinion="approve", comments="同意")
    svc.admission_review_decide(review=review, decision="admit", reason="符合条件", by=office_user)
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.ADMITTED
    assert list(vendor.status_changes.values_list("to_status", flat=True)) == ["under_review", "admitted"]


def test_a_failing_check_blocks_admission_until_the_office_records_a_verdict(make_user, office_user):
    vendor = _vendor_for_review()
    review = svc.admission_review_open(vendor=vendor, by=office_user)
    for reviewer in _reviewers(make_user):
        svc.admission_opinion_give(review=review, reviewer=reviewer, opinion="approve", comments="同意")
    with translation.override("en"), pytest.raises(ValidationError, match="cannot be admitted while these checks fail"):
        svc.admission_review_decide(review=review, decision="admit", reason="同意准入", by=office_user)
    check = review.checks.get(item="certificates")
    with pytest.raises(ValidationError):
        svc.admission_check_override(check=check, result="pass", note="", by=office_user)
    svc.admission_check_override(check=check, result="pass", note="许可证原件已当场核验", by=office_user)
    svc.admission_review_decide(review=review, decision="admit", reason="同意准入", by=office_user)
    assert AdmissionReview.objects.get(pk=review.pk).decision == "admit"


def test_a_decision_is_kept_and_never_overwritten(make_user, office_user):
    vendor = _vendor_for_review()
    review = svc.admission_review_open(vendor=vendor, by=office_user)
    reviewers = _reviewers(make_user)
    for reviewer in reviewers:
        svc.admission_opinion_give(review=review, reviewer=reviewer, opinion="reject", comments="资质不全")
    svc.admission_review_decide(review=review, decision="reject", reason="缺少食品经营许可证", by=office_user)
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.REJECTED
    for attempt in (
        lambda: svc.admission_review_decide(review=review, decision="admit", reason="改判", by=office_user),
        lambda: svc.admission_opinion_give(review=review, reviewer=reviewers[0], opinion="approve", comments="改"),
    ):
        with pytest.raises(ValidationError):
            attempt()
    review.refresh_from_db()
    assert (review.decision, review.decision_reason) == ("reject", "缺少食品经营许可证")
    # a new application opens a new review; the old one stays as it was
    second = svc.admission_review_open(vendor=vendor, by=office_user)
    assert second.pk != review.pk
    assert AdmissionReview.objects.filter(vendor=vendor).count() == 2


def test_a_blacklisted_vendor_cannot_be_reviewed(office_user):
    vendor = VendorFactory(status=VendorStatus.BLACKLISTED)
    vendor.categories.add(ServiceCategoryFactory())
    with pytest.raises(ValidationError):
        svc.admission_review_open(vendor=vendor, by=office_user)
    assert AdmissionReview.objects.count() == 0


def test_serious_bad_record_in_the_data_fails_the_credit_check(office_user):
    vendor = _vendor_for_review()
    BadRecord.objects.create(
        vendor=vendor,
        date=dt.date.today() - dt.timedelta(days=100),
        source="市监局",
        description="食品安全事故",
        severity=Severity.SERIOUS,
    )
    review = svc.admission_review_open(vendor=vendor, by=office_user)
    assert review.checks.get(item="credit_record").auto_result == "fail"


def test_the_review_page_works_for_the_office(client_for, make_user, office_user):
    vendor = _vendor_for_review()
    review = svc.admission_review_open(vendor=vendor, by=office_user)
    reviewer = make_user(
        "office", username="r-log", department=DepartmentFactory(code="log", kind=Department.Kind.LOGISTICS)
    )
    client = client_for(reviewer)
    response = client.post(f"/admission/{review.pk}/", {"action": "opinion", "opinion": "approve", "comments": "同意"})
    assert response.status_code == 302
    assert review.opinions.get().comments == "同意"
    # a decision without the other departments shows the message and changes nothing
    response = client.post(f"/admission/{review.pk}/", {"action": "decide", "decision": "admit", "reason": "同意"})
    assert response.status_code == 200
    assert "法规" in response.content.decode()
    assert AdmissionReview.objects.get(pk=review.pk).status == "open"
