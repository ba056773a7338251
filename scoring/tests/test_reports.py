"""PDF reports: content, embedded CJK font, frozen final reports, access, hostile text, the dashboard."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command

from contracts.tests.factories import ContractFactory
from logistics import pdf
from logistics.quarters import Quarter
from scoring import reports, services
from scoring.models import Evaluation, Report
from scoring.tests.factories import inspection, publish_past

pytestmark = pytest.mark.django_db
Q3 = Quarter(2026, 3)
HAS_POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdffonts") is not None


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout


def pdf_fonts(data: bytes, tmp_path) -> str:
    path = tmp_path / "f.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout


@pytest.fixture
def evaluated(inspector_user, office_user):
    contract = ContractFactory(number="HT-RPT-001", start_date=dt.date(2026, 1, 1))
    for day, score in ((dt.date(2026, 7, 3), "88.50"), (dt.date(2026, 8, 3), "91.00")):
        inspection(contract, inspector_user, "daily", day, score)
    [evaluation] = services.evaluations_compute(quarter=Q3)
    return evaluation


@pytest.mark.skipif(not HAS_POPPLER, reason="needs poppler-utils")
def test_the_contract_report_and_the_summary(evaluated, tmp_path):
    reports.render_contract_report(evaluated.pk)
    report = Report.objects.get(kind="contract", evaluation=evaluated)
    data = report.file.read()
    text = pdf_text(data, tmp_path)
    for expected in ("HT-RPT-001", str(evaluated.score), "季度考评报告", "得分构成", "得分趋势"):
        assert expected in text, expected
    assert evaluated.grade in text
    fonts = pdf_fonts(data, tmp_path)
    assert "Noto-Sans-CJK-SC" in fonts and "yes yes yes" in fonts  # embedded, subset, unicode
    reports.render_summary_report(Q3)
    summary = Report.objects.get(kind="summary", quarter="2026Q3")
    text = pdf_text(summary.file.read(), tmp_path)
    assert "HT-RPT-001" in text and "等级分布" in text and "2026Q3" in text
    assert "本季度没有投诉或调查回答。" in text  # its complaints table says so, like the dashboard's


@pytest.mark.skipif(not HAS_POPPLER, reason="needs poppler-utils")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_summary_ranking_keeps_a_full_contract_number_on_one_line(inspector_user, language, tmp_path):
    # the ranking's columns have fixed widths: the contract column must hold a number of the institution's
    # usual form (as in the demo, 14 characters) without breaking it at a hyphen
    contract = ContractFactory(number="HT-2026-BJ-001", start_date=dt.date(2026, 1, 1))
    inspection(contract, inspector_user, "daily", dt.date(2026, 7, 3), "88.50")
    services.evaluations_compute(quarter=Q3)
    reports.render_summary_report(Q3, language)
    text = pdf_text(Report.objects.get(kind="summary", quarter="2026Q3", language=language).file.read(), tmp_path)
    assert "HT-2026-BJ-001" in text


@pytest.mark.skipif(not HAS_POPPLER, reason="needs poppler-utils")
def test_the_english_report(evaluated, tmp_path):
    reports.render_contract_report(evaluated.pk, "en")
    text = pdf_text(Report.objects.get(evaluation=evaluated, language="en").file.read(), tmp_path)
    assert "Quarterly evaluation report" in text and "Score breakdown" in text


def test_a_final_report_is_frozen_with_its_hash(evaluated, office_user, django_capture_on_commit_callbacks):
    services.evaluation_review(
        evaluation=evaluated, meeting_date=dt.date(2026, 10, 9), attendees="张三", by=office_user
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish_past(evaluated, office_user)
        services.evaluation_finalize(evaluation=evaluated, by=office_user)
    report = Report.objects.get(kind="contract", evaluation=evaluated)
    data = report.file.read()
    assert report.frozen and report.sha256 == hashlib.sha256(data).hexdigest()
    name, rendered_at = report.file.name, report.rendered_at
    assert reports.render_contract_report(evaluated.pk) == "frozen"
    assert reports.render_contract_report(evaluated.pk, force=True) == "frozen"
    with django_capture_on_commit_callbacks(execute=True):
        reports.request_contract_report(Evaluation.objects.get(pk=evaluated.pk))
    report.refresh_from_db()
    assert (report.file.name, report.rendered_at, report.sha256) == (
        name,
        rendered_at,
        hashlib.sha256(data).hexdigest(),
    )


def test_a_non_final_report_is_rerendered_when_the_evaluation_changes(evaluated, inspector_user):
    assert reports.render_contract_report(evaluated.pk) == "rendered"
    assert reports.render_contract_report(evaluated.pk) == "up to date"
    inspection(evaluated.contract, inspector_user, "daily", dt.date(2026, 9, 3), "40.00")
    services.evaluations_compute(quarter=Q3)
    assert reports.render_contract_report(evaluated.pk) == "rendered"


def test_a_vendor_cannot_download_another_vendors_report(client_for, evaluated, office_user, make_user):
    services.evaluation_review(
        evaluation=evaluated, meeting_date=dt.date(2026, 10, 9), attendees="张三", by=office_user
    )
    reports.render_contract_report(evaluated.pk)
    own = make_user("vendor", username="v-own", vendor=evaluated.contract.vendor)
    url = f"/reports/contract/{evaluated.pk}.pdf"
    assert client_for(own).get(url).status_code == 404  # reviewed is still the office's draft
    publish_past(evaluated, office_user)
    services.evaluation_finalize(evaluation=evaluated, by=office_user)
    other = make_user("vendor", username="v-other", vendor=ContractFactory().vendor)
    url = f"/reports/contract/{evaluated.pk}.pdf"
    response = client_for(own).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client_for(other).get(url).status_code == 404
    assert client_for(other).get("/reports/summary/2026Q3.pdf").status_code == 403
    assert client_for(None).get(url).status_code == 302  # to the login page


def test_hostile_text_is_rendered_as_text_and_fetches_nothing(evaluated, office_user, tmp_path, monkeypatch):
    hostile = '<img src=http://127.0.0.1:9/x> </table> <link rel=stylesheet href="http://127.0.0.1:9/s.css">'
    vendor = evaluated.contract.vendor
    type(vendor).objects.filter(pk=vendor.pk).update(legal_name=f"恶意公司 {hostile}")
    services.evaluation_review(
        evaluation=evaluated, meeting_date=dt.date(2026, 10, 9), attendees=hostile, minutes=hostile, by=office_user
    )
    fetched: list[str] = []
    original = pdf.restricted_fetcher

    def recording_fetcher():
        fetcher = original()
        inner = fetcher.fetch

        def fetch(url, headers=None):
            fetched.append(url)
            return inner(url, headers)

        fetcher.fetch = fetch
        return fetcher

    monkeypatch.setattr(pdf, "restricted_fetcher", recording_fetcher)
    reports.render_contract_report(evaluated.pk, force=True)
    assert fetched and not [url for url in fetched if not url.startswith(("file:", "data:"))]
    data = Report.objects.get(kind="contract", evaluation=evaluated).file.read()
    if HAS_POPPLER:
        text = pdf_text(data, tmp_path)
        assert "<img src=http://127.0.0.1:9/x>" in text.replace("\n", " ")
        assert "</table>" in text


def test_the_fetcher_refuses_the_network_and_files_outside_the_project():
    fetcher = pdf.restricted_fetcher()
    for url in ("http://127.0.0.1:9/x", "https://example.com/a.png", "file:///etc/passwd", "ftp://x/y"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_the_dashboard_for_leaders(client_for, leader_user, evaluated):
    html = client_for(leader_user).get("/reports/?quarter=2026Q3").content.decode()
    assert "HT-RPT-001" in html and "<svg" in html and "等级分布" in html


def test_the_dashboard_says_so_when_a_quarter_has_no_complaints_or_answers(client_for, leader_user, evaluated):
    html = client_for(leader_user).get("/reports/?quarter=2026Q3").content.decode()
    assert "本季度没有投诉或调查回答。" in html


def test_a_report_not_yet_rendered_says_it_is_being_prepared(client_for, leader_user, evaluated, monkeypatch):
    from logistics import outbox

    monkeypatch.setattr(outbox, "enqueue", lambda *a, **k: None)  # a worker that has not picked it up yet
    response = client_for(leader_user).get(f"/reports/contract/{evaluated.pk}.pdf")
    assert response.status_code == 202
    html = response.content.decode()
    assert "正在生成" in html and "report-wait.js" in html
    report = Report.objects.get(evaluation=evaluated)
    status = client_for(leader_user).get(f"/reports/status/{report.pk}/").json()
    assert status == {"status": "pending", "ready": False, "failed": False}


def test_the_render_reports_command(evaluated, tmp_path):
    out = tmp_path / "out"
    call_command("render_reports", "2026Q3", "--out", str(out), stdout=io.StringIO())
    files = sorted(p.name for p in out.iterdir())
    assert files == ["HT-RPT-001-2026Q3-zh-hans.pdf", "summary-2026Q3-zh-hans.pdf"]
    assert (out / files[0]).read_bytes().startswith(b"%PDF")


def test_excel_export_of_a_quarter(client_for, office_user, evaluated):
    from openpyxl import load_workbook

    response = client_for(office_user).get("/reports/export/2026Q3.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert [s.title for s in book.worksheets] == ["考评", "结算", "台账明细"]
    assert list(book.worksheets[0].iter_rows(values_only=True))[1][1] == "HT-RPT-001"
    assert list(book.worksheets[0].iter_rows(values_only=True))[1][4] == float(Decimal(evaluated.score))


@pytest.mark.skipif(not HAS_POPPLER, reason="needs poppler-utils")
def test_one_font_configuration_per_thread_serves_both_languages(evaluated, tmp_path):
    import threading

    config = reports.font_config()
    assert reports.font_config() is config
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(reports.font_config()))
    thread.start()
    thread.join()
    assert other[0] is not config  # Pango's font maps are not thread-safe
    for language, title in (
        ("zh-hans", "季度考评报告"),
        ("en", "Quarterly evaluation report"),
        ("zh-hans", "得分构成"),
    ):
        reports.render_contract_report(evaluated.pk, language, force=True)
        data = Report.objects.get(evaluation=evaluated, language=language).file.read()
        assert title in pdf_text(data, tmp_path)
        fonts = pdf_fonts(data, tmp_path)
        assert "Noto-Sans-CJK-SC" in fonts and "yes yes yes" in fonts
    assert reports.font_config() is config


@pytest.mark.skipif(not HAS_POPPLER, reason="needs poppler-utils")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_reports_user_agent_stylesheet_lays_out_like_weasyprints_own(evaluated, tmp_path, language):
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint.html import UA_STYLESHEET

    assert reports.ua_stylesheet() is not UA_STYLESHEET  # the pinned WeasyPrint's rules were found and trimmed
    with translation.override(language):
        html = render_to_string("scoring/report_contract.pdf.html", reports.contract_context(evaluated))
    ours = reports._document("scoring/report_contract.pdf.html", {})._ua_stylesheets()
    assert ours == [reports.ua_stylesheet()]
    trimmed = pdf.html_document(html)
    trimmed._ua_stylesheets = lambda forms=False: ours
    own = pdf.html_document(html).write_pdf()
    text = pdf_text(trimmed.write_pdf(), tmp_path)
    assert text == pdf_text(own, tmp_path)
    assert ("No formal warning." if language == "en" else "没有书面警告。") in text
    assert "\u00b7 " in text  # the list item's marker is still drawn


@pytest.mark.parametrize(
    ("template", "count"), [("scoring/report_contract.pdf.html", 5), ("scoring/report_summary.pdf.html", 4)]
)
def test_every_report_table_with_a_header_declares_its_column_widths(template, count):
    import re

    from django.template.loader import get_template

    source = get_template(template).template.source
    tables = [t for t in re.findall(r"<table[^>]*>(.*?)</table>", source, re.S) if "<thead>" in t]
    assert len(tables) == count
    for table in tables:  # the fixed table layout takes the columns' widths from the <colgroup>
        widths = [int(w) for w in re.findall(r'<col style="width: (\d+)%">', table)]
        head = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
        assert len(widths) == head.count("<th") and sum(widths) == 100, head
