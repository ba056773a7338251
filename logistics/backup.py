"""Backup and restore of the database and the media folder (uploads, frozen PDF reports).

A backup is one folder: ``database.pgdump`` (``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite's
online backup API), ``media.tar.gz`` and ``manifest.json`` (when, which database, the SHA-256 of every file
and the row counts of the key tables, counted in the same snapshot as the dump). ``restore`` checks the
checksums before it touches anything, restores into an empty database (or, with ``force``, over an
existing one) and compares the restored row counts with the manifest.

On PostgreSQL the counts and the dump read one exported snapshot, so a backup taken while people work is
consistent: the manifest describes exactly what the dump holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT_VERSION = 1
# Tables whose row counts are recorded and compared after a restore (the records the money depends on).
KEY_TABLES = (
    "django_migrations",
    "auth_group",
    "logistics_user",
    "logistics_vendor",
    "contracts_contract",
    "contracts_clause",
    "contracts_settlement",
    "contracts_ledgerline",
    "inspections_inspection",
    "inspections_itemresult",
    "inspections_complaint",
    "scoring_evaluation",
)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and nothing was changed."""


@dataclass(frozen=True)
class Restored:
    counts: dict[str, int]
    media_files: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env_and_args(db: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    args += ["--username", str(db.get("USER") or "postgres")]
    return env, args


def _pg_connect(db: dict[str, Any]):
    import psycopg2

    return psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        connect_timeout=10,
    )


def _key_table_counts(cur: Any, list_tables: str) -> dict[str, int]:
    """The row counts of the key tables this database has (``list_tables``: SQL listing its table names)."""
    cur.execute(list_tables)
    present = {row[0] for row in cur.fetchall()}
    counts = {}
    for table in (t for t in KEY_TABLES if t in present):
        cur.execute(f'SELECT count(*) FROM "{table}"')  # names from KEY_TABLES
        counts[table] = cur.fetchone()[0]
    return counts


def _run(cmd: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{cmd[0]} is not installed (Debian package postgresql-client).") from exc
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[-2000:]}")


def _media_archive(media_root: Path, target: Path) -> int:
    files = 0
    with tarfile.open(target, "w:gz") as tar:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                    files += 1
    return files


def backup(out_dir: Path, *, using: str = "default") -> Path:
    """Write a backup folder under ``out_dir`` and return its path."""
    connection = connections[using]
    db = connection.settings_dict
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    folder = Path(out_dir) / f"logistics-backup-{stamp}"
    if folder.exists():
        raise BackupError(f"{folder} exists already.")
    folder.mkdir(parents=True)
    if connection.vendor == "postgresql":
        dump = folder / "database.pgdump"
        env, args = _pg_env_and_args(db)
        pg = _pg_connect(db)
        try:
            pg.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with pg.cursor() as cur:
                cur.execute("SELECT pg_export_snapshot()")
                snapshot = cur.fetchone()[0]
                counts = _key_table_counts(cur, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                _run(["pg_dump", *args, "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                      f"--file={dump}", db["NAME"]], env)  # fmt: skip
        finally:
            pg.close()
    elif connection.vendor == "sqlite":
        dump = folder / "database.sqlite3"
        if connection.in_atomic_block:
            # SQLite's backup API waits for ever on a connection that holds a write transaction
            folder.rmdir()
            raise BackupError("A SQLite backup cannot run inside a transaction.")
        connection.ensure_connection()
        source = connection.connection
        with connection.cursor() as cur:
            counts = _key_table_counts(cur, "SELECT name FROM sqlite_master WHERE type = 'table'")
        target = sqlite3.connect(dump)
        try:
            source.backup(target)
        finally:
            target.close()
    else:  # pragma: no cover - the product runs on SQLite and PostgreSQL only
        raise BackupError(f"No backup for the {connection.vendor} database.")
    media = folder / "media.tar.gz"
    media_files = _media_archive(Path(settings.MEDIA_ROOT), media)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "counts": counts,
        "media_files": media_files,
        "files": {p.name: {"sha256": _sha256(p), "bytes": p.stat().st_size} for p in (dump, media)},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a backup folder, after checking every file against its SHA-256."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise BackupError(f"{folder} holds no manifest.json: not a backup folder.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, expected in manifest["files"].items():
        file = Path(folder) / name
        if not file.is_file():
            raise BackupError(f"{name} is missing from the backup.")
        if _sha256(file) != expected["sha256"]:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: the backup is damaged.")
    return manifest


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        name = Path(member.name)
        if not member.isfile() or name.is_absolute() or ".." in name.parts:
            raise BackupError(f"The media archive holds an unsafe entry: {member.name!r}.")
        members.append(member)
    return members


def _count(connect, tables: list[str]) -> dict[str, int]:
    conn = connect()
    try:
        cur = conn.cursor()
        counts = {}
        for table in tables:
            cur.execute(f'SELECT count(*) FROM "{table}"')  # names from KEY_TABLES
            counts[table] = cur.fetchone()[0]
        return counts
    finally:
        conn.close()


def restore(folder: Path, *, database_url: str | None = None, media_root: Path | None = None, force: bool = False):
    """Restore a backup folder into ``database_url`` (default: the configured database) and ``media_root``.

    Refuses a target database that holds tables, or a media folder that holds files, unless ``force``.
    Stop the web and worker processes first: a restore replaces what they read.
    """
    manifest = read_manifest(folder)
    folder = Path(folder)
    target = dj_database_url.parse(database_url) if database_url else dict(connections["default"].settings_dict)
    vendor = "postgresql" if "postgresql" in target["ENGINE"] else "sqlite" if "sqlite" in target["ENGINE"] else "?"
    if vendor != manifest["database"]:
        raise BackupError(f"This backup is of a {manifest['database']} database; the target is {vendor}.")
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if not force and media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*")):
        raise BackupError(f"{media_root} holds files; restore over them only with --force.")
    tables = [t for t in KEY_TABLES if t in manifest["counts"]]
    if vendor == "postgresql":

        def connect():
            return _pg_connect(target)

        existing = _count_tables_pg(connect)
        if existing and not force:
            raise BackupError(
                f"The database {target['NAME']} holds {existing} tables; restore over it only with --force."
            )
        env, args = _pg_env_and_args(target)
        _run(["pg_restore", *args, "--no-owner", "--clean", "--if-exists", "--single-transaction",
              f"--dbname={target['NAME']}", str(folder / "database.pgdump")], env)  # fmt: skip
    else:
        path = Path(target["NAME"])

        def connect():
            return sqlite3.connect(path)

        if path.exists() and path.stat().st_size and not force:
            raise BackupError(f"{path} exists; restore over it only with --force.")
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        tmp = path.with_name(path.name + ".restoring")
        shutil.copyfile(folder / "database.sqlite3", tmp)
        os.replace(tmp, path)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "media.tar.gz", "r:gz") as tar:
        members = _safe_members(tar)
        for member in members:
            destination = media_root / member.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, destination.open("wb") as dst:
                shutil.copyfileobj(src, dst)
    counts = _count(connect, tables)
    if counts != {t: manifest["counts"][t] for t in tables}:
        raise BackupError(f"Restored row counts {counts} differ from the manifest {manifest['counts']}.")
    return Restored(counts=counts, media_files=len(members))


def _count_tables_pg(connect) -> int:
    conn = connect()
    try:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        return cur.fetchone()[0]
    finally:
        conn.close()
