"""Charts as SVG, made by pygal: small, vector (sharp in a PDF), no JavaScript needed when embedded.

pygal was chosen over matplotlib's SVG backend because it draws clean bar and line charts from plain data in a
few milliseconds and with a few megabytes of dependencies, and its SVG takes a font family (inline SVG does
not inherit the page's font: without it, Chinese labels would render as boxes).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1b2430",
    foreground_strong="#1b2430",
    foreground_subtle="#8a94a3",
    colors=("#1f5f8b", "#1e6b3a", "#b86e00", "#a4161a", "#6b7280"),
    font_family=FONT,  # and every other *_font_family: pygal gives the ones left unset this one
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    title_font_size=14,
    legend_font_size=12,
)
GRADE_COLORS = {"A": "#1e6b3a", "B": "#1f5f8b", "C": "#b86e00", "D": "#a4161a"}
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="[^"]*"')
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _render(chart: pygal.Graph) -> SafeString:
    # pygal writes its configuration into an inline <script> even without its JavaScript: drop it
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    font = FONT.replace('"', "'")
    return mark_safe(svg.replace("<svg ", f'<svg style="font-family: {font}" ', 1))


def for_page(svg: str, nonce: str) -> SafeString:
    """A chart ready to be inlined in an HTML page under the Content-Security-Policy: its ``<style>`` element
    carries the request's nonce, and the ``style`` attributes (which no nonce can allow) are dropped; the
    chart's stylesheet already sets the font, and the other attribute only hides an empty tooltip."""
    svg = _STYLE_ATTRIBUTE.sub("", svg)
    return mark_safe(svg.replace("<style", f'<style nonce="{escape(nonce)}"'))


def _config() -> pygal.Config:
    config = pygal.Config()
    config.style = STYLE
    config.js = []  # no script: the SVG is printed or shown as is
    config.disable_xml_declaration = True
    config.show_legend = False
    config.margin = 10
    return config


def trend(
    points: list[tuple[str, Decimal | None]], title: str = "", width: int = 640, height: int = 260, low: int = 0
) -> SafeString:
    """Scores by period on a 0-100 axis, or from ``low`` (a closer look: the axis says where it starts)."""
    chart = pygal.Line(
        _config(),
        width=width,
        height=height,
        title=title or None,
        range=(low, 100),
        margin_right=40,  # room for the last point's value label, printed past the plot's right edge
        dots_size=4,
        show_dots=True,
        print_values=True,
        print_values_position="top",
        value_formatter=_fmt,
    )
    if low:  # a closer look: ticks every 5 or 10 points (pygal's own would crowd a small chart)
        chart.y_labels = list(range(low, 101, 5 if 100 - low <= 30 else 10))
    chart.x_labels = [key for key, _ in points]
    chart.add("", [float(v) if v is not None else None for _, v in points])
    return _render(chart)


def grade_distribution(
    counts: list[tuple[str, int]], title: str = "", width: int = 520, height: int = 240
) -> SafeString:
    config = _config()
    config.style = Style(**{**STYLE.__dict__, "colors": tuple(GRADE_COLORS.get(g, "#6b7280") for g, _ in counts)})
    # counts are whole numbers: whole-number ticks (pygal's own would be 0.1 apart, printed 0 0 0 1 1 1)
    step = max(1, math.ceil(max([c for _, c in counts] + [1]) / 5))
    top = step * math.ceil(max([c for _, c in counts] + [1]) / step)
    chart = pygal.Bar(
        config,
        width=width,
        height=height,
        title=title or None,
        range=(0, top),
        print_values=True,
        print_values_position="top",
        value_formatter=lambda v: f"{v:.0f}" if v is not None else "",
    )
    chart.y_labels = list(range(0, top + 1, step))
    chart.x_labels = [g for g, _ in counts]
    for grade, count in counts:
        chart.add(grade, [{"value": count} if g == grade else None for g, _ in counts])
    return _render(chart)


def floor_of(scores: list[Decimal | None], step: int = 10, margin: int = 5) -> int:
    """Where a closer look at ``scores`` starts: ``margin`` below the lowest, down to a multiple of ``step`` (0 when
    there is none)."""
    present = [s for s in scores if s is not None]
    if not present:
        return 0
    return max(0, math.floor((min(present) - margin) / step) * step)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
