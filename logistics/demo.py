"""The demo logins that ``seed_demo`` creates (development only; documented in the README)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DEMO_USERS = [
    {
        "username": "office",
        "password": "office-demo-2026",
        "role": "office",
        "is_staff": True,
        "label": _("Logistics office staff: administration, triage, quarterly evaluation"),
    },
    {
        "username": "inspector",
        "password": "inspector-demo-2026",
        "role": "inspector",
        "is_staff": False,
        "label": _("Inspector: tablet inspections and rectification checks"),
    },
    {
        "username": "vendor",
        "password": "vendor-demo-2026",
        "role": "vendor",
        "is_staff": False,
        "label": _("Vendor staff (cleaning company): self-checks, rectifications, bids"),
    },
    {
        "username": "leader",
        "password": "leader-demo-2026",
        "role": "leader",
        "is_staff": False,
        "label": _("Leader: dashboard and quarterly PDF reports"),
    },
    {
        "username": "finance",
        "password": "finance-demo-2026",
        "role": "finance",
        "is_staff": False,
        "label": _("Finance: approves payment requests and records payments"),
    },
    {
        "username": "admin",
        "password": "admin-demo-2026",
        "role": "office",
        "is_staff": True,
        "is_superuser": True,
        "label": _("Superuser: everything, including technical settings"),
    },
]
