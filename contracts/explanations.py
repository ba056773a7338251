"""Ledger explanations stored as data (a code and parameters), worded in the reader's language.

The wording of each clause kind's lines, warnings and flags lives in its registry entry
(``contracts.clause_kinds``); here are only the codes no clause writes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from contracts import clause_kinds
from logistics.text import join_names

OTHER_TEXTS = {"adjustment": _("Correction by the office.")}


def severity_label(code: str) -> str:
    from logistics.models import Severity

    return str(Severity(code).label) if code in Severity.values else code


def describe(item: dict[str, Any] | None) -> str:
    if not item:
        return ""
    params = dict(item.get("params") or {})
    if "severity" in params:
        params["severity"] = severity_label(params["severity"])
    code = item.get("code", "")
    text = clause_kinds.explanation_texts().get(code) or OTHER_TEXTS.get(code)
    if text is None:
        return code
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return str(text)


def summarize_clause(clause: Any) -> str:
    """One line describing a clause's rule with its parameters, in the reader's language."""
    kind = clause_kinds.get(clause.kind)
    if kind is None or kind.summary is None:
        return clause_kinds.label(clause.kind)
    return kind.summary(clause)


def describe_changes(changes: dict[str, Any]) -> list[str]:
    """What a supplementary agreement changed, one line per change, in the reader's language."""
    from types import SimpleNamespace

    from contracts.models import PaymentCycle

    def clause_line(data: dict[str, Any]) -> str:
        clause = SimpleNamespace(kind=data.get("kind"), **{name: data.get(name) for name in clause_kinds.PARAMETERS})
        return f"{clause_kinds.label(clause.kind)}: {summarize_clause(clause)}"

    def cycle(code: str) -> str:
        return str(PaymentCycle(code).label) if code in PaymentCycle.values else code

    lines = []
    if "annual_fee" in changes:
        old, new = changes["annual_fee"]
        lines.append(_("Annual fee: %(old)s → %(new)s CNY") % {"old": old, "new": new})
    if "payment_cycle" in changes:
        old, new = changes["payment_cycle"]
        lines.append(_("Payment cycle: %(old)s → %(new)s") % {"old": cycle(old), "new": cycle(new)})
    if "payment_dates" in changes:
        old, new = changes["payment_dates"]
        lines.append(
            _("Payment dates: %(old)s → %(new)s") % {"old": join_names(old) or "—", "new": join_names(new) or "—"}
        )
    clauses = changes.get("clauses") or {}
    for data in clauses.get("removed", []):
        lines.append(_("Clause removed: %(clause)s") % {"clause": clause_line(data)})
    for data in clauses.get("added", []):
        lines.append(_("Clause added: %(clause)s") % {"clause": clause_line(data)})
    if "end_date" in changes:
        old, new = changes["end_date"]
        lines.append(_("End date: %(old)s → %(new)s") % {"old": old, "new": new})
    if "service_standards" in changes:
        lines.append(_("Service standards rewritten"))
    return lines
