"""What the app's quarter reports share: the command line ``[QUARTER] [--contract NUMBER] [--json]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from logistics.quarters import Quarter


class QuarterReportCommand(BaseCommand):
    """A report on one quarter (the current one unless named), of every contract or of one."""

    quarter_example = "2026Q3"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("quarter", nargs="?", help=f"e.g. {self.quarter_example} (default: the current quarter)")
        parser.add_argument("--contract", help="only this contract number")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    @staticmethod
    def quarter_of(value: str | None) -> Quarter:
        """The quarter named on the command line (``2026Q3``), else the current one."""
        try:
            return Quarter.parse(value) if value else Quarter.current()
        except ValueError as exc:
            raise CommandError(str(exc))
