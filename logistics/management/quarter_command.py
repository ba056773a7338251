"""What the quarter reports and the quarterly computation share: the command line
``[QUARTER] [--contract NUMBER] [--json]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from logistics.quarters import Quarter


class QuarterReportCommand(BaseCommand):
    """A command on one quarter, of every contract or of one. Without a quarter named it takes
    ``default_quarter()``: the current quarter unless a subclass says otherwise (then it says so in
    ``default_quarter_text`` too, for ``--help``)."""

    quarter_example = "2026Q3"
    default_quarter_text = "the current quarter"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "quarter", nargs="?", help=f"e.g. {self.quarter_example} (default: {self.default_quarter_text})"
        )
        parser.add_argument("--contract", help="only this contract number")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def default_quarter(self) -> Quarter:
        """The quarter when none is named."""
        return Quarter.current()

    def quarter_of(self, value: str | None) -> Quarter:
        """The quarter named on the command line (``2026Q3``), else the default one."""
        try:
            return Quarter.parse(value) if value else self.default_quarter()
        except ValueError as exc:
            raise CommandError(str(exc))
