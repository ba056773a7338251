"""Template context shared by every page: the role-aware navigation and the institution name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from logistics.access import roles_of
from logistics.roles import Role

# (url name, label, roles that see it; empty = everyone including anonymous visitors)
NAVIGATION: list[tuple[str, Any, frozenset[str]]] = [
    ("home", _("Home"), frozenset()),
    ("inspections:inspect", _("Inspect"), frozenset({Role.INSPECTOR, Role.OFFICE})),
    ("inspections:rectifications", _("Rectifications"), frozenset({Role.INSPECTOR, Role.OFFICE, Role.VENDOR})),
    ("logistics:vendor_portal", _("My vendor"), frozenset({Role.VENDOR})),
    ("inspections:complaint_queue", _("Complaints"), frozenset({Role.OFFICE})),
    ("inspections:desk_queue", _("Service desk"), frozenset({Role.OFFICE, Role.LEADER})),
    ("inspections:list", _("Inspections"), frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.VENDOR})),
    ("scoring:overview", _("Quarterly evaluation"), frozenset({Role.OFFICE})),
    ("contracts:notices", _("Formal notices"), frozenset({Role.OFFICE, Role.VENDOR})),
    ("contracts:renewals", _("Renewals"), frozenset({Role.OFFICE, Role.LEADER})),
    ("contracts:payments", _("Payments"), frozenset({Role.OFFICE, Role.LEADER, Role.FINANCE})),
    ("scoring:reports", _("Reports"), frozenset({Role.LEADER, Role.OFFICE, Role.VENDOR})),
    ("appraisal:list", _("Annual appraisals"), frozenset({Role.OFFICE, Role.LEADER})),
    ("admin:index", _("Administration"), frozenset({Role.OFFICE})),
    ("logistics:inbox", _("Messages"), frozenset(Role.values)),
    ("logistics:tenders_public", _("Tenders"), frozenset()),
    ("inspections:complaint_new", _("File a complaint"), frozenset()),
]


def default_institution_name() -> str:
    return settings.INSTITUTION_NAME or str(_("Municipal Government Compound"))


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else frozenset()
    items = []
    for url_name, label, allowed in NAVIGATION:
        if allowed and not (roles & allowed):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # a page of a later issue that is not wired yet
            continue
        items.append({"url": url, "label": label, "active": request.path == url})
    return {
        "nav_items": items,
        "user_roles": roles,
        "institution_name": default_institution_name(),
        # each language named in itself, whatever the page's language
        "language_choices": settings.LANGUAGES,
    }
