"""What the appraisal pages and the leaders' PDF show of a stored appraisal (``scoring.models.Appraisal``): each
contract's quarters in words, the grades with their words, the quarters not final yet (a provisional appraisal
says so, never silently) and the quarters' mean score for the year's trend. Three queries whatever the number of
contracts; read in the active language."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from scoring import selectors, selectors_year
from scoring.appraisal import grade_words, period_quarters
from scoring.choices import EvaluationStatus
from scoring.models import Appraisal, AppraisalLine, VendorAppraisal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
USED, NOT_IN_FORCE, NOT_EVALUATED, NO_WEIGHT = "used", "not_in_force", "not_evaluated", "no_weight"


def period_url(year: int, half: int) -> str:
    """The page of a period: ``/appraisals/2026/`` or ``/appraisals/2026/h1/``."""
    return reverse("appraisal:half", args=[year, half]) if half else reverse("appraisal:year", args=[year])


def quarter_heading(number: int) -> str:
    return _("Q%(number)d") % {"number": number}


def period_label(year: int, half: int | None) -> str:
    """The period's name in the active language, as a title says it: "2026 年度" / "Year 2026"."""
    if half == 1:
        return _("First half of %(year)d") % {"year": year}
    if half == 2:
        return _("Second half of %(year)d") % {"year": year}
    return _("Year %(year)d") % {"year": year}


def appraisal_title(year: int, half: int | None) -> str:
    """The appraisal's name: "2026 年度考评", "2026 年上半年考评"."""
    if half == 1:
        return _("Half-year appraisal, first half of %(year)d") % {"year": year}
    if half == 2:
        return _("Half-year appraisal, second half of %(year)d") % {"year": year}
    return _("Annual appraisal %(year)d") % {"year": year}


@dataclass(frozen=True)
class QuarterCell:
    """One quarter of a contract's appraisal, as stored (``AppraisalLine.quarters``), with its words."""

    key: str  # "2026Q3"
    heading: str
    weight: Decimal  # the scheme's weight (percent)
    effective: Decimal | None  # the weight it counted for (percent), when rescaled; None when the same or unused
    score: Decimal | None
    state: str  # USED, NOT_IN_FORCE, NOT_EVALUATED, NO_WEIGHT
    status_label: str  # the evaluation's status in words, or why the quarter does not count
    provisional: bool  # in force and not final: the appraisal is provisional because of it


@dataclass(frozen=True)
class ContractRow:
    line: AppraisalLine
    grade_label: str
    quarters: list[QuarterCell]


@dataclass(frozen=True)
class VendorRow:
    line: VendorAppraisal
    grade_label: str


@dataclass(frozen=True)
class Pending:
    """A quarter not final yet in a provisional appraisal, and the contracts it holds back."""

    key: str
    contracts: list[str]

    @property
    def contracts_text(self) -> str:
        return ("、" if translation.get_language() != "en" else ", ").join(self.contracts)


@dataclass
class AppraisalReport:
    record: Appraisal
    title: str
    period: str
    headings: list[tuple[str, str]]  # (quarter key, heading) of the period
    rows: list[ContractRow] = field(default_factory=list)
    vendors: list[VendorRow] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    means: list[tuple[str, Decimal | None]] = field(default_factory=list)  # (heading, mean score) for the trend
    renewal_grade: str = ""
    renewal_grade_label: str = ""
    bands: list[dict[str, Any]] = field(default_factory=list)

    @property
    def preferred(self) -> int:
        return sum(1 for row in self.rows if row.line.renewal_preferred)


def _label(grade: str, bands: list[dict[str, Any]], english: bool) -> str:
    if not grade:
        return ""
    return grade_words(grade, bands)["en" if english else "zh"]


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def plain(value: Decimal) -> Decimal:
    """A percentage without trailing zeros, never in exponent form: 20.00 -> 20, 37.50 -> 37.5."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def quarter_cell(stored: dict[str, Any]) -> QuarterCell:
    number = int(stored["quarter"][-1])
    weight = plain(Decimal(stored["weight"]))
    score = _decimal(stored.get("score"))
    effective = plain((Decimal(stored["effective_weight"]) * HUNDRED).quantize(CENT, ROUND_HALF_UP))
    if not weight:
        state, label = NO_WEIGHT, _("weight 0: not counted")
    elif stored["used"]:
        state, label = USED, str(EvaluationStatus(stored["status"]).label)
    elif stored["provisional"]:
        state, label = NOT_EVALUATED, _("not evaluated yet")
    else:
        state, label = NOT_IN_FORCE, _("contract not in force")
    return QuarterCell(
        key=stored["quarter"],
        heading=quarter_heading(number),
        weight=weight,
        effective=effective if state == USED and effective != weight else None,
        score=score,
        state=state,
        status_label=label,
        provisional=bool(stored["provisional"]) and bool(weight),
    )


def mean(scores: list[Decimal]) -> Decimal | None:
    """The exact mean, rounded half-up to 0.01 once."""
    if not scores:
        return None
    return (sum(scores, Decimal(0)) / len(scores)).quantize(CENT, ROUND_HALF_UP)


def appraisal_report(record: Appraisal) -> AppraisalReport:
    english = translation.get_language() == "en"
    half = record.half or None
    keys = [f"{record.year}Q{n}" for n in period_quarters(half)]
    report = AppraisalReport(
        record=record,
        title=appraisal_title(record.year, half),
        period=period_label(record.year, half),
        headings=[(key, quarter_heading(int(key[-1]))) for key in keys],
    )
    default = selectors.current_schemes().default
    report.bands = list(default.bands)
    report.renewal_grade = default.renewal_grade
    report.renewal_grade_label = _label(default.renewal_grade, default.bands, english)
    pending: dict[str, list[str]] = defaultdict(list)
    scores: dict[str, list[Decimal]] = defaultdict(list)
    for line in selectors_year.appraisal_lines(record).select_related("scheme"):
        cells = [quarter_cell(q) for q in line.quarters]
        for cell in cells:
            if cell.provisional:
                pending[cell.key].append(line.contract.number)
            if cell.state == USED and cell.score is not None:
                scores[cell.key].append(cell.score)
        report.rows.append(ContractRow(line, _label(line.grade, line.scheme.bands, english), cells))
    report.vendors = [
        VendorRow(line, _label(line.grade, default.bands, english)) for line in selectors_year.vendor_lines(record)
    ]
    report.pending = [Pending(key, sorted(pending[key])) for key in keys if pending.get(key)]
    report.means = [(heading, mean(scores.get(key, []))) for key, heading in report.headings]
    return report
