"""``manage.py restore FOLDER [--database-url URL] [--media-root DIR] [--force]``: put a backup back."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from logistics.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder made by `manage.py backup`: checks every file's SHA-256 first, restores the "
        "database and the media, then compares the restored row counts with the manifest. Stop the web "
        "and worker processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--database-url", help="target database (default: the configured DATABASE_URL)")
        parser.add_argument("--media-root", help="target media folder (default: MEDIA_ROOT)")
        parser.add_argument("--force", action="store_true", help="restore over a database or media that hold data")

    def handle(self, *args, folder, database_url=None, media_root=None, force=False, **options):
        try:
            done = restore(Path(folder), database_url=database_url, media_root=media_root, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = ", ".join(f"{table} {count}" for table, count in done.counts.items())
        self.stdout.write(f"Restored {done.media_files} media files; rows: {rows}.")
