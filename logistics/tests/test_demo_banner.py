"""What ``make run`` prints before the server starts: where to go and who to log in as."""

from __future__ import annotations

import io

from django.core.management import call_command


def test_the_banner_names_every_page_and_every_demo_login_with_its_role():
    out = io.StringIO()
    call_command("demo_banner", url="http://127.0.0.1:8123/", stdout=out)
    text = out.getvalue()
    for page in ("/admin/", "/inspect/", "/complaints/new/", "/reports/", "/api/docs/", "/healthz"):
        assert f"http://127.0.0.1:8123{page}" in text
    rows = {
        line.split()[0]: line.split()[1:]
        for line in text.splitlines()
        if line.startswith("    ") and "demo-2026" in line
    }
    assert rows == {
        "office": ["office-demo-2026", "office"],
        "inspector": ["inspector-demo-2026", "inspector"],
        "vendor": ["vendor-demo-2026", "vendor"],
        "leader": ["leader-demo-2026", "leader"],
        "finance": ["finance-demo-2026", "finance"],
        "admin": ["admin-demo-2026", "superuser"],
    }
