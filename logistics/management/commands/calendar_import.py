"""manage.py calendar_import YEAR [YEAR ...]: the official public holidays and make-up working days."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from logistics.services.calendar import calendar_import


class Command(BaseCommand):
    help = "Import the official public holidays and make-up working days (调休) of the given years."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int)

    def handle(self, *args, **options):
        unknown = []
        for year in options["years"]:
            result = calendar_import(year)
            if not result.known:
                unknown.append(year)
                continue
            self.stdout.write(
                f"{year}: {result.created} added, {result.updated} updated, {result.kept} kept (entered by the office)"
            )
        if unknown:
            raise CommandError(
                "The installed chinese-calendar package does not know "
                + ", ".join(map(str, unknown))
                + ": upgrade it (pip install -U chinese-calendar, then pin it in requirements.txt) or enter the "
                "days in the admin (Calendar)."
            )
