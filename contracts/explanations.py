"""Ledger explanations stored as data (a code and parameters), worded in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def severity_label(code: str) -> str:
    from logistics.models import Severity

    return str(Severity(code).label) if code in Severity.values else code


def describe(item: dict[str, Any] | None) -> str:
    if not item:
        return ""
    params = dict(item.get("params") or {})
    if "severity" in params:
        params["severity"] = severity_label(params["severity"])
    texts = {
        "per_failed_item": _("Failed checklist item %(ref)s (%(severity)s): %(rate)s CNY per item."),
        "per_upheld_complaint": _("Upheld complaint %(ref)s: %(rate)s CNY per complaint."),
        "per_overdue_day": _("Rectification %(ref)s overdue %(days)s day(s) × %(rate)s CNY per day."),
        "score_below": _(
            "Quarterly score %(score)s is below %(threshold)s: %(percent)s%% of the quarter's fee %(fee)s CNY."
        ),
        "score_at_least_amount": _("Quarterly score %(score)s reaches %(threshold)s: bonus of %(amount)s CNY."),
        "score_at_least_percent": _(
            "Quarterly score %(score)s reaches %(threshold)s: bonus of %(percent)s%% of the quarter's fee %(fee)s CNY."
        ),
        "warning_below": _("Quarterly score %(score)s is below %(threshold)s: formal warning."),
        "terminate_after_warnings": _(
            "%(count)s warning(s) in the %(window)s quarters %(quarters)s (the clause "
            "allows fewer than %(needed)s): termination is recommended."
        ),
        "renewal_preference": _(
            "Grade A in %(count)s of the %(window)s quarters %(quarters)s (at least %(needed)s "
            "needed): preferred for renewal."
        ),
        "adjustment": _("Correction by the office."),
    }
    text = texts.get(item.get("code", ""))
    if text is None:
        return item.get("code", "")
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        return text


def summarize_clause(clause: Any) -> str:
    """One line describing a clause's rule with its parameters, in the reader's language."""
    kind = clause.kind
    if kind == "per_failed_item":
        return _("%(minor)s / %(major)s / %(serious)s CNY per failed item (minor / major / serious)") % {
            "minor": clause.amount_minor,
            "major": clause.amount_major,
            "serious": clause.amount_serious,
        }
    if kind == "per_upheld_complaint":
        return _("%(amount)s CNY per upheld complaint") % {"amount": clause.amount}
    if kind == "per_overdue_rectification_day":
        return _("%(amount)s CNY per day a rectification order is overdue") % {"amount": clause.amount}
    if kind == "score_below":
        return _("Score below %(threshold)s: deduct %(percent)s%% of the quarter's fee") % {
            "threshold": clause.threshold,
            "percent": clause.percent,
        }
    if kind == "score_at_least":
        if clause.amount is not None:
            return _("Score at least %(threshold)s: bonus of %(amount)s CNY") % {
                "threshold": clause.threshold,
                "amount": clause.amount,
            }
        return _("Score at least %(threshold)s: bonus of %(percent)s%% of the quarter's fee") % {
            "threshold": clause.threshold,
            "percent": clause.percent,
        }
    if kind == "warning_below":
        return _("Score below %(threshold)s: formal warning") % {"threshold": clause.threshold}
    if kind == "terminate_after_warnings":
        return _("%(count)s warnings within %(window)s consecutive quarters: termination recommended") % {
            "count": clause.count,
            "window": clause.window,
        }
    if kind == "deduction_cap":
        return _("Deductions of a quarter at most %(percent)s%% of its fee") % {"percent": clause.percent}
    if kind == "renewal_preference":
        return _("Grade A in at least %(count)s of the last %(window)s quarters: preferred for renewal") % {
            "count": clause.count,
            "window": clause.window,
        }
    return kind
