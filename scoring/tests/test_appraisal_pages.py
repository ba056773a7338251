"""The appraisal pages and the leaders' PDF (issue 22): the worked year of ``test_appraisal`` shown exactly (each
quarter's score, weight and status, the grade with its words, the renewal preference), the provisional banner
naming the quarter not final, who computes (the office) and who reads (the office and leaders), the PDF in both
languages with the CJK font embedded, and a page whose query count does not grow with the contracts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal as D
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from contracts.tests.factories import ContractFactory
from logistics.models import Document
from logistics.quarters import Quarter
from logistics.tests.factories import VendorFactory
from scoring import report_year, services, services_year
from scoring.models import Appraisal, Evaluation
from scoring.tests.factories import inspection
from scoring.tests.test_appraisal import worked_year

pytestmark = pytest.mark.django_db
HAS_POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdffonts") is not None


class Tables(HTMLParser):
    """The text of each table's body rows (cells' text joined by single spaces), and the text of ``#provisional``."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.in_body = False
        self.banner_depth = 0
        self.banner: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self.banner_depth:
            self.banner_depth += tag == "div"
        elif tag == "div" and ("id", "provisional") in attrs:
            self.banner_depth = 1
        if tag == "table":
            self.tables.append([])
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.tables[-1].append([])
        elif tag == "td" and self.in_body:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if self.banner_depth and tag == "div":
            self.banner_depth -= 1
        if tag == "tbody":
            self.in_body = False
        elif tag == "td" and self.cell is not None:
            self.tables[-1][-1].append(" ".join(" ".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        if self.banner_depth:
            self.banner.append(data)


@pytest.fixture
def year(office_user):
    return worked_year(office_user)


def read(response) -> Tables:
    parser = Tables()
    parser.feed(response.content.decode())
    return parser


def test_the_year_page_shows_the_worked_year_exactly(year, client_for, leader_user):
    # given the worked year (B in force Q2-Q3 only; A's Q4 computed, not final), appraised
    services_year.appraisal_compute(year=2026)
    # when a leader opens it
    response = client_for(leader_user).get(reverse("appraisal:year", args=[2026]))
    # then the contracts' ranking shows each quarter's score, weight (and the weight it counted for) and status
    assert response.status_code == 200
    page = read(response)
    contracts, vendors = page.tables
    assert contracts == [
        [
            "1",
            "HT-Y-B 乙物业 卫生保洁",
            "— 权重 20% 不在合同期内",
            "100.00 权重 20%，实际权重 40% 已定稿",
            "85.00 权重 30%，实际权重 60% 已定稿",
            "— 权重 30% 不在合同期内",
            "91.00",
            "A 优秀",
            "续签优先",
        ],
        [
            "2",
            "HT-Y-A 甲物业 卫生保洁",
            "85.00 权重 20% 已定稿",
            "70.00 权重 20% 已定稿",
            "100.00 权重 30% 已定稿",
            "92.50 权重 30% 已计算",
            "88.75 暂定",
            "B 良好",
            "定稿后确定",
        ],
    ]
    assert vendors == [
        ["1", "乙物业", "1", "91.00", "A 优秀", "续签优先"],
        ["2", "甲物业", "1", "88.75 暂定", "B 良好", "定稿后确定"],
    ]
    # and, at the top, that the result is provisional and which quarter holds it back (never silently)
    assert " ".join(" ".join(page.banner).split()) == (
        "暂定结果。 以下季度的考评尚未定稿，定稿后结果可能变化： 2026Q4：1 份合同（HT-Y-A） 暂定结果不享有续签优先。"
    )
    html = response.content.decode()
    assert "<h1>2026 年度考评</h1>" in html
    assert "重新计算" not in html  # leaders read; the office computes


def test_the_first_half_is_final(year, client_for, office_user):
    services_year.appraisal_compute(year=2026, half=1)
    response = client_for(office_user).get(reverse("appraisal:half", args=[2026, 1]))
    page = read(response)
    assert page.banner == []
    contracts, _vendors = page.tables
    # A: (20 x 85 + 20 x 70) / 40 = 77.50, C; B: Q2 alone (not in force in Q1), 100.00
    assert [row[0:2] + row[-3:] for row in contracts] == [
        ["1", "HT-Y-B 乙物业 卫生保洁", "100.00", "A 优秀", "续签优先"],
        ["2", "HT-Y-A 甲物业 卫生保洁", "77.50", "C 合格", "—"],
    ]
    assert contracts[1][2:4] == ["85.00 权重 20%，实际权重 50% 已定稿", "70.00 权重 20%，实际权重 50% 已定稿"]
    assert "已定稿：本次考评所用各季度的考评均已定稿。" in response.content.decode()


def test_a_period_not_computed_says_so(client_for, office_user, leader_user):
    for user, button in ((office_user, True), (leader_user, False)):
        html = client_for(user).get(reverse("appraisal:year", args=[2025])).content.decode()
        assert "本期间尚未计算考评结果。" in html
        assert ('name="half" value="0"' in html) is button
    assert client_for(office_user).get(reverse("appraisal:half", args=[2026, 3])).status_code == 404


def test_the_list_shows_each_period_and_its_state(year, client_for, leader_user):
    services_year.appraisal_compute(year=2026)
    services_year.appraisal_compute(year=2026, half=1)
    rows = read(client_for(leader_user).get(reverse("appraisal:list"))).tables[0]
    assert [row[:3] for row in rows if row[0].startswith("2026")] == [
        ["2026 年度考评", "暂定", "2"],
        ["2026 年上半年考评", "已定稿", "2"],
        ["2026 年下半年考评", "未计算", "—"],
    ]


def test_the_office_computes_and_computes_again(year, client_for, office_user):
    a, _b = year
    client = client_for(office_user)
    # when the office computes the year
    response = client.post(reverse("appraisal:list"), {"year": "2026", "half": "0"})
    # then it is stored, provisional, and the office is sent to it
    assert response.status_code == 302 and response["Location"] == "/appraisals/2026/"
    record = Appraisal.objects.get(year=2026, half=0)
    assert (record.provisional, record.computed_by) == (True, office_user)
    # and once A's Q4 is final, computing again makes it final
    q4 = Evaluation.objects.get(contract=a, quarter="2026Q4")
    services.evaluation_review(evaluation=q4, meeting_date=dt.date(2027, 1, 9), attendees="后勤处", by=office_user)
    from scoring.tests.factories import publish_past

    publish_past(q4, office_user)
    services.evaluation_finalize(evaluation=q4, by=office_user)
    client.post(reverse("appraisal:list"), {"year": "2026", "half": "0"})
    record.refresh_from_db()
    assert record.provisional is False
    assert read(client.get("/appraisals/2026/")).banner == []


@pytest.mark.parametrize("role", ["leader", "vendor"])
def test_only_the_office_computes(role, client_for, leader_user, vendor_user, year):
    user = {"leader": leader_user, "vendor": vendor_user}[role]
    response = client_for(user).post(reverse("appraisal:list"), {"year": "2026", "half": "1"})
    assert response.status_code == 403
    assert not Appraisal.objects.exists()  # nothing changed
    # and a vendor does not read the appraisals either
    if role == "vendor":
        assert client_for(user).get(reverse("appraisal:year", args=[2026])).status_code == 403


def test_bad_periods_are_refused_in_words(client_for, office_user):
    client = client_for(office_user)
    response = client.post(reverse("appraisal:list"), {"year": "1850", "half": "0"}, follow=True)
    assert "无法对 1850 年进行考评。" in response.content.decode()
    response = client.post(reverse("appraisal:list"), {"year": "2026", "half": "7"}, follow=True)
    assert "请选择要计算的年份和期间。" in response.content.decode()
    assert not Appraisal.objects.exists()


def test_a_pdf_of_a_period_not_computed_is_refused(client_for, leader_user):
    response = client_for(leader_user).post(reverse("appraisal:pdf", args=[2026]), follow=True)
    assert "本期间尚未计算考评结果，无法生成 PDF。" in response.content.decode()
    assert not Document.objects.exists()


def pdf_tool(tool: str, data: bytes, tmp_path) -> str:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(data)
    args = [tool, "-layout", str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(not HAS_POPPLER, reason="needs poppler-utils")
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            [
                "2026 年度考评",
                "暂定结果。",
                "2026Q4：1 份合同（HT-Y-A）",
                "年度趋势",
                "合同排名",
                "服务企业排名",
                "88.75",
                "良好",
                "续签优先",
                "实际权重",
                "不在合同期内",
                "各合同季度得分",
            ],
        ),
        (
            "en",
            [
                "Annual appraisal 2026",
                "Provisional result.",
                "2026Q4: 1 contract (HT-Y-A)",
                "The year's trend",
                "Ranking of the vendors",
                "88.75",
                "Good",
                "Preferred",
                "counts",
                "contract not in force",
            ],
        ),
    ],
)
def test_the_leaders_pdf(
    year, client_for, leader_user, language, expected, tmp_path, django_capture_on_commit_callbacks
):
    services_year.appraisal_compute(year=2026)
    client = client_for(leader_user)
    # when a leader asks for the year's PDF
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("appraisal:pdf", args=[2026]), {"language": language})
    # then a task renders it and the document's page offers it
    document = Document.objects.get()
    assert response["Location"] == reverse("inspections:document", args=[document.pk])
    assert (document.kind, document.status, document.params) == (
        "appraisal",
        "ready",
        {"year": 2026, "half": 0, "language": language},
    )
    download = client.get(reverse("download", args=["document", document.pk]))
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    text = re.sub(r"\s+", "", pdf_tool("pdftotext", data, tmp_path))  # a cell's lines are apart in the text
    for words in expected:
        assert re.sub(r"\s+", "", words) in text, words
    fonts = pdf_tool("pdffonts", data, tmp_path)
    assert "Noto-Sans-CJK-SC" in fonts and "yes yes yes" in fonts  # embedded, subset, unicode


def contracts_with_two_quarters(numbers: range, user) -> None:
    for i in numbers:
        contract = ContractFactory(number=f"HT-QC-{i:03d}", vendor=VendorFactory(legal_name=f"第{i}物业"))
        for quarter in ("2026Q1", "2026Q2"):
            inspection(contract, user, "daily", Quarter.parse(quarter).first_day + dt.timedelta(days=5), f"{80 + i}")
    for quarter in ("2026Q1", "2026Q2"):
        services.evaluations_compute(quarter=Quarter.parse(quarter))
    services_year.appraisal_compute(year=2026)


def test_the_page_runs_the_same_queries_for_2_and_8_contracts(client_for, leader_user, office_user, count_queries):
    client = client_for(leader_user)
    url = reverse("appraisal:year", args=[2026])
    counts = []
    for numbers in (range(2), range(2, 8)):
        contracts_with_two_quarters(numbers, office_user)
        client.get(url)  # the session, warmed
        count, response = count_queries(lambda: client.get(url))
        assert len(read(response).tables[0]) == Appraisal.objects.get(year=2026).lines.count()
        counts.append(count)
    # the session, the user, their roles, the appraisal, the schemes, the lines, the vendors; the session saved (3)
    assert counts == [10, 10]
    assert Appraisal.objects.get(year=2026).lines.count() == 8


def test_quarter_cells_in_words():
    with translation.override("en"):
        cell = report_year.quarter_cell(
            {
                "quarter": "2026Q2",
                "weight": "20.00",
                "effective_weight": "0.4000",
                "score": "100.00",
                "status": "final",
                "used": True,
                "provisional": False,
            }
        )
    assert (cell.heading, cell.weight, cell.effective, cell.score, cell.state, cell.status_label) == (
        "Q2",
        D("20"),
        D("40"),
        D("100.00"),
        "used",
        "Final",
    )
    assert str(cell.weight) == "20" and str(cell.effective) == "40"  # never 2E+1
    assert report_year.mean([D("91.375"), D("90")]) == D("90.69")
    assert re.fullmatch(r"\d+", str(report_year.plain(D("50.00"))))
