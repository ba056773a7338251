"""Template filters shared by every page and report."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """1234567.891 -> "1,234,567.89" (half-up), the way amounts are written in Chinese financial documents."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount:,.2f}"


@register.filter
def score(value: Any, places: int = 2) -> str:
    """A score shown rounded half-up (stored values stay unrounded)."""
    if value is None or value == "":
        return "—"
    try:
        quantum = Decimal(1).scaleb(-int(places))
        return str(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def severity_label(code: Any) -> str:
    """A severity code (minor / major / serious) in the reader's words."""
    from logistics.models import Severity

    return str(Severity(code).label) if code in Severity.values else (code or "")


@register.filter
def listing(items: Any) -> str:
    """Names in a row with the reader's separator: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    from logistics.text import join_names

    return join_names(items)


@register.filter
def reasons_text(items: Any) -> str:
    """Stored reasons (``logistics.reasons``) in the active language, one sentence after another."""
    from logistics.reasons import describe_all

    return " ".join(describe_all(items or []))
