"""``manage.py verify_hashes [QUARTER]``: is every final evaluation and frozen report what was sealed?"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from scoring.integrity import verify


class Command(BaseCommand):
    help = "Recompute the SHA-256 seals of final evaluations and frozen reports; exit 1 on any mismatch."

    def add_arguments(self, parser):
        parser.add_argument("quarter", nargs="?", help="only this quarter, e.g. 2026Q3")

    def handle(self, *args, quarter=None, **options):
        checked, mismatches = verify(quarter)
        for m in mismatches:
            self.stdout.write(f"MISMATCH {m.kind} #{m.pk} ({m.label}): stored {m.stored[:16]}, now {m.actual[:16]}")
        if mismatches:
            raise CommandError(f"{len(mismatches)} of {checked} sealed records do not match their hash.")
        self.stdout.write(f"{checked} sealed records checked: all match.")
