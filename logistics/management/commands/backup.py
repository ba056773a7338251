"""``manage.py backup [--out DIR]``: the database and the media folder into one checked backup folder."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from logistics.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump or SQLite's backup API) and MEDIA_ROOT into DIR/logistics-backup-<UTC time>/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", default="backups", help="folder that receives the backup folder (default: backups)"
        )

    def handle(self, *args, out, **options):
        try:
            folder = backup(Path(out))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(folder))
