"""After the settlement, as the office, finance and the vendor use it: the office raises a payment request on the
tablet, finance approves it on its phone, tries a paid date before its approval (refused, nothing lost) and
records the payment; the PDF carries the number, the amount in words and both signatures. Then a vendor uploads
a renewed certificate on its phone and the office verifies it in the admin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, login, pdf_page_png, pdf_text, wait_until

pytestmark = pytest.mark.browser


def assert_fits(page, viewport) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page is {width}px wide on a {viewport['width']}px screen"


def test_the_office_requests_finance_approves_and_records_a_payment(new_page, institution, shot, artifacts):
    from django.utils import timezone

    from contracts.models import Instalment, PaymentRequest, Settlement
    from contracts.services_payments import payments_refresh
    from logistics.tests.factories import UserFactory

    contract = institution.contract  # 480,000 a year, paid quarterly, from January last year
    year = contract.start_date.year
    Settlement.objects.create(
        contract=contract,
        quarter=f"{year}Q1",
        fee=Decimal("120000.00"),
        deductions=Decimal("1500.00"),
        bonuses=Decimal("0.00"),
        payable=Decimal("118500.00"),
        status="final",
        finalized_at=timezone.now(),
    )
    payments_refresh(contract=contract)
    q1 = Instalment.objects.get(contract=contract, first_day=dt.date(year, 1, 1))
    assert q1.amount == Decimal("118500.00")
    UserFactory(role="finance", username="finance1", first_name="丽华", last_name="孙")

    office = new_page(TABLET)
    login(office, "office1", f"/payments/?year={year}")
    expect(office.locator(f"#instalment-{q1.pk}")).to_contain_text("可付款，待提交审批单")
    office.select_option("#f-instalment", str(q1.pk))
    office.fill("#f-remarks", "已核对一季度结算单")
    office.locator("#raise-request button[type=submit]").tap()
    expect(office.locator("h1")).to_contain_text("付款审批单 FK-")
    expect(office.locator("#approvals")).to_contain_text("已核对一季度结算单")
    expect(office.locator("main")).to_contain_text("壹拾壹万捌仟伍佰元整")
    shot(office, "office-raised")
    request = PaymentRequest.objects.get(instalment=q1)

    finance = new_page(PHONE)
    login(finance, "finance1", f"/payments/?year={year}")
    expect(finance.locator(f"#instalment-{q1.pk}")).to_contain_text("等待财务审批")
    assert_fits(finance, PHONE)
    finance.locator(f"#instalment-{q1.pk} a", has_text=request.number).tap()
    expect(finance.locator("#approve-request")).to_be_visible()
    shot(finance, "finance-to-approve", full_page=True)
    assert_fits(finance, PHONE)
    finance.fill("#f-remarks", "同意支付")
    finance.locator("#approve-request button[type=submit]").tap()
    expect(finance.locator(".message")).to_contain_text("已审批同意")
    # a paid date before the approval: the message, the voucher typed stays, nothing recorded
    approved_on = timezone.localdate()
    finance.fill("#f-paid-on", (approved_on - dt.timedelta(days=3)).isoformat())
    finance.fill("#f-voucher", "PZ-2026-118")
    finance.locator("#record-payment button[type=submit]").tap()
    expect(finance.locator("#payment-errors")).to_contain_text("付款日期不能早于财务审批日期")
    expect(finance.locator("#f-voucher")).to_have_value("PZ-2026-118")
    assert Instalment.objects.get(pk=q1.pk).status == "approved"
    shot(finance, "finance-paid-date-refused", full_page=True)
    finance.fill("#f-paid-on", approved_on.isoformat())
    finance.locator("#record-payment button[type=submit]").tap()
    expect(finance.locator(".message")).to_contain_text("付款已登记")
    expect(finance.locator("main")).to_contain_text("PZ-2026-118")
    shot(finance, "finance-paid", full_page=True)
    assert_fits(finance, PHONE)
    q1.refresh_from_db()
    assert (q1.status, q1.voucher, q1.paid_on) == ("paid", "PZ-2026-118", approved_on)

    # the PDF: rendered when looked at, with the number, the amount in words, the settlement and both signatures
    with finance.expect_download() as download:
        finance.locator("a", has_text=f"{request.number}.pdf").tap()
    pdf = artifacts / f"{request.number}.pdf"
    download.value.save_as(pdf)
    text = pdf_text(pdf)
    for words in (request.number, "付款审批单", "壹拾壹万捌仟伍佰元整", f"{year}Q1 结算", "同意支付", "PZ-2026-118"):
        assert words in text, words
    assert pdf_page_png(pdf, artifacts / "payment-request-page-1", dpi=70).stat().st_size > 10_000


def test_a_vendor_uploads_a_renewed_certificate_and_the_office_verifies_it(new_page, institution, shot, tmp_path):
    from logistics.models import Certificate, CertificateType

    licence = CertificateType.objects.get(code="business_licence")
    vendor = new_page(PHONE)
    login(vendor, "vendor1", "/vendor/")
    vendor.select_option("#id_certificate_type", str(licence.pk))
    vendor.fill("#id_number", "91110105MA01ABCD2X")
    vendor.fill("#id_issuer", "北京市朝阳区市场监督管理局")
    vendor.fill("#id_issued_on", "2026-11-01")
    vendor.fill("#id_expires_on", "2036-10-31")
    scan = tmp_path / "licence.txt"
    scan.write_text("not a scan")
    vendor.set_input_files("#id_scan", str(scan))  # not a PDF or an image: refused, nothing saved
    vendor.locator("#upload-certificate button[type=submit]").tap()
    expect(vendor.locator("#upload-certificate .message-error")).to_be_visible()
    assert not Certificate.objects.filter(number="91110105MA01ABCD2X").exists()
    expect(vendor.locator("#id_number")).to_have_value("91110105MA01ABCD2X")
    pdf = tmp_path / "licence.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% renewed licence\n%%EOF\n")
    vendor.set_input_files("#id_scan", str(pdf))
    vendor.locator("#upload-certificate button[type=submit]").tap()
    certificate = wait_until(lambda: Certificate.objects.filter(number="91110105MA01ABCD2X").first())
    assert certificate.review == "pending"
    expect(vendor.locator("main")).to_contain_text("91110105MA01ABCD2X")
    shot(vendor, "vendor-uploaded", full_page=True)
    assert_fits(vendor, PHONE)

    office = new_page(TABLET)
    login(office, "office1", "/admin/logistics/certificate/?review__exact=pending")
    office.locator(f"input[name=_selected_action][value='{certificate.pk}']").check()
    office.select_option("select[name=action]", "verify_certificates")
    office.locator("button[name=index]").click()
    expect(office.locator(".messagelist")).to_be_visible()
    shot(office, "office-verified")
    certificate.refresh_from_db()
    assert certificate.review == "verified" and certificate.reviewed_by == institution.office
