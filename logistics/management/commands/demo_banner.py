"""Print where to go and who to log in as (called by ``make run`` before the server starts)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from logistics.demo import DEMO_USERS


class Command(BaseCommand):
    help = "Print the URLs to open and the demo logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        base = url.rstrip("/")
        lines = [
            "",
            "=" * 72,
            "  Logistics supervision is starting. Open these in a browser:",
            f"    {base}/                   landing page (demo logins listed there too)",
            f"    {base}/admin/             office administration",
            f"    {base}/inspect/           inspector's tablet form",
            f"    {base}/complaints/new/    public complaint page (no login)",
            f"    {base}/reports/           leaders' dashboard and PDF reports",
            f"    {base}/api/docs/          API documentation",
            f"    {base}/healthz            health check",
            "",
            "  Demo logins (development only):",
        ]
        for demo in DEMO_USERS:
            role = "superuser" if demo.get("is_superuser") else demo["role"]
            lines.append(f"    {demo['username']:<10} {demo['password']:<22} {role}")
        lines += ["=" * 72, ""]
        self.stdout.write("\n".join(lines))
