"""Reasons stored as data (a code and parameters) and worded at display time, in the reader's language.

Automatic checks (admission pre-checks, bid qualification) store why something failed; a reason written
in the office's language at the time would read wrong to a vendor who reads English, so the wording is
looked up when shown.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _


def reason(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": params}


def bilingual(obj: Any) -> dict[str, str]:
    """Both names of a bilingual record, to store in a reason's parameters."""
    return {"zh": getattr(obj, "name", str(obj)), "en": getattr(obj, "name_en", "") or getattr(obj, "name", str(obj))}


def localized(value: Any) -> Any:
    """A name stored as {"zh": ..., "en": ...} in the active language; anything else as it is."""
    if isinstance(value, dict) and "zh" in value:
        english = (get_language() or "").startswith("en")
        return value.get("en") if english and value.get("en") else value["zh"]
    return value


def _localize(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters stored as {"zh": ..., "en": ...} become the name in the active language."""
    return {key: localized(value) for key, value in params.items()}


def describe(item: dict[str, Any]) -> str:
    params = _localize(dict(item.get("params") or {}))
    code = item.get("code", "")
    if code == "vendor_not_admitted" and "status" in params:
        from logistics.models import VendorStatus

        params["status"] = VendorStatus(params["status"]).label if params["status"] in VendorStatus.values else ""
    texts = {
        # admission checks
        "legal_representative_missing": _("No legal representative is recorded."),
        "business_licence_missing": _("No valid business licence is on file."),
        "certificate_missing": _("Category “%(category)s” needs a valid “%(type)s”; none is on file."),
        "certificate_expired": _("Category “%(category)s” needs a valid “%(type)s”; it expired on %(date)s."),
        "blacklisted": _("The vendor is blacklisted."),
        "serious_bad_record": _("Serious bad record on %(date)s (%(source)s), within the last %(years)s years."),
        "experience_short": _("%(years)s years of management experience; at least %(minimum)s are required."),
        "no_staff": _("No staff members are recorded."),
        "staff_certificate_expired": _("%(name)s's “%(kind)s” expired on %(date)s."),
        # bid qualification
        "vendor_not_admitted": _("The vendor is not admitted (status: %(status)s)."),
        "capital_too_low": _("Registered capital %(capital)s CNY is below the required %(minimum)s CNY."),
        "required_certificate_missing": _("No valid “%(type)s” on the contract start (%(date)s)."),
        "required_certificate_missing_at_deadline": _("No valid “%(type)s” at the bid deadline."),
        "too_few_projects": _("%(count)s similar past projects; at least %(minimum)s are required."),
        "price_over_budget": _("The price %(price)s CNY exceeds the budget ceiling of %(ceiling)s CNY."),
        "not_invited": _("The vendor was not invited to this tender."),
        "not_admitted_for_category": _("The vendor is admitted, but not for “%(category)s”."),
        "admitted_for_category": _("Admitted for “%(category)s”."),
        "invited": _("Invited to this tender."),
        "capital_ok": _("Registered capital %(capital)s CNY; at least %(minimum)s CNY are required."),
        "certificates_ok": _("All %(count)s required certificates are valid on the contract start (%(date)s)."),
        "serious_bad_record_recent": _(
            "Serious bad record on %(date)s (%(source)s), within the %(months)s months before the bid deadline."
        ),
        "no_serious_bad_record": _("No serious bad record in the %(months)s months before the bid deadline."),
        "termination_recommended": _("Contract %(number)s is under a termination recommendation."),
        "no_termination_recommendation": _("No contract of the vendor is under a termination recommendation."),
        "no_annual_grade": _("No annual appraisal of the vendor yet."),
        "annual_grade_refused": _("The annual grade of %(year)s is %(grade)s (%(label)s)."),
        "annual_grade_ok": _("The annual grade of %(year)s is %(grade)s (%(label)s)."),
        "projects_ok": _("%(count)s similar past projects; at least %(minimum)s are required."),
        "price_ok": _("The price %(price)s CNY is within the budget ceiling of %(ceiling)s CNY."),
        "documents_no_finding": _("No finding by the office."),
        # the renewal bonus of a bid (fixed at the opening)
        "renewal_bonus": _(
            "Preferred for renewal by the %(year)s annual appraisal (grade %(grade)s, %(label)s): +%(points)s points."
        ),
        "renewal_bonus_not_preferred": _(
            "Not preferred for renewal by the %(year)s annual appraisal (grade %(grade)s, %(label)s): no bonus."
        ),
        "renewal_bonus_no_appraisal": _("No final annual appraisal of the vendor: no bonus."),
        "checked_before_this_version": _(
            "Passed the checks of the time (before the institution's records were checked)."
        ),
        "ok": _("All requirements are met."),
    }
    text = texts.get(code)
    if text is None:
        return code
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):
        return text


def describe_all(items: list[dict[str, Any]]) -> list[str]:
    return [describe(item) for item in items or []]
