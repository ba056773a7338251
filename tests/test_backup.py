"""Backup and restore of the database and the media (``manage.py backup`` / ``manage.py restore``)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from contracts.tests.factories import ContractFactory
from logistics.backup import BackupError, backup, restore


def _media(settings) -> Path:
    root = Path(settings.MEDIA_ROOT)
    (root / "reports" / "2026Q3").mkdir(parents=True)
    (root / "reports" / "2026Q3" / "HT-1.pdf").write_bytes(b"%PDF-1.7 frozen report")
    (root / "photos").mkdir()
    (root / "photos" / "a1b2.jpg").write_bytes(b"\xff\xd8\xff photo")
    return root


def _only_on(vendor: str) -> None:
    if connection.vendor != vendor:
        pytest.skip(f"the {vendor} path of backup and restore")


# SQLite's backup API reads committed data: these tests commit (and restore the migrations' rows after)
COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@COMMITTED
def test_a_sqlite_backup_restores_every_row_and_every_media_file(settings, tmp_path):
    _only_on("sqlite")
    # given two contracts and two media files
    ContractFactory.create_batch(2)
    _media(settings)
    # when the office backs up and restores into a new database file and media folder
    folder = backup(tmp_path / "backups")
    target = tmp_path / "restored.sqlite3"
    done = restore(folder, database_url=f"sqlite:///{target}", media_root=tmp_path / "media2")
    # then the restored database holds the same rows, and the files are byte for byte the same
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"] == "sqlite"
    assert manifest["counts"]["contracts_contract"] == 2
    assert done.counts == manifest["counts"]
    assert sqlite3.connect(target).execute("SELECT count(*) FROM contracts_contract").fetchone() == (2,)
    assert done.media_files == 2
    assert (tmp_path / "media2" / "reports" / "2026Q3" / "HT-1.pdf").read_bytes() == b"%PDF-1.7 frozen report"
    assert (tmp_path / "media2" / "photos" / "a1b2.jpg").read_bytes() == b"\xff\xd8\xff photo"


@COMMITTED
def test_a_damaged_backup_is_refused_before_anything_is_touched(settings, tmp_path):
    _media(settings)
    folder = backup(tmp_path / "backups")
    # given a backup whose media archive was changed after it was written
    with (folder / "media.tar.gz").open("ab") as fh:
        fh.write(b"tampered")
    target_media = tmp_path / "media2"
    # when it is restored, then it is refused with the reason and the target stays untouched
    with pytest.raises(BackupError, match=r"media\.tar\.gz does not match its SHA-256"):
        restore(folder, database_url="sqlite:///" + str(tmp_path / "x.sqlite3"), media_root=target_media)
    assert not target_media.exists()
    assert not (tmp_path / "x.sqlite3").exists()


@COMMITTED
def test_a_restore_over_existing_data_needs_force(settings, tmp_path):
    _only_on("sqlite")
    ContractFactory()
    folder = backup(tmp_path / "backups")
    target = tmp_path / "live.sqlite3"
    sqlite3.connect(target).execute("CREATE TABLE keep_me (x)").connection.commit()
    with pytest.raises(BackupError, match="exists; restore over it only with --force"):
        restore(folder, database_url=f"sqlite:///{target}", media_root=tmp_path / "m")
    tables = {r[0] for r in sqlite3.connect(target).execute("SELECT name FROM sqlite_master")}
    assert tables == {"keep_me"}
    # with force it is replaced by the backup
    done = restore(folder, database_url=f"sqlite:///{target}", media_root=tmp_path / "m", force=True)
    assert done.counts["contracts_contract"] == 1


@COMMITTED
def test_the_commands_print_the_folder_and_the_restored_rows(settings, tmp_path, capsys):
    _only_on("sqlite")
    ContractFactory()
    call_command("backup", out=str(tmp_path / "b"))
    folder = capsys.readouterr().out.strip()
    assert Path(folder).parent == tmp_path / "b"
    call_command("restore", folder, database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}", media_root=str(tmp_path / "m"))
    assert "contracts_contract 1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not a backup folder"):
        call_command("restore", str(tmp_path))


@pytest.mark.django_db
def test_a_sqlite_backup_inside_a_transaction_is_refused_not_left_waiting(tmp_path):
    _only_on("sqlite")
    with pytest.raises(BackupError, match="cannot run inside a transaction"):
        backup(tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_postgresql_backup_restores_into_an_empty_database(settings, tmp_path):
    _only_on("postgresql")
    _media(settings)
    db = connection.settings_dict
    scratch = f"restore_{uuid.uuid4().hex[:10]}"
    psql = [
        "psql",
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db.get("USER") or "postgres",
    ]
    env = dict(os.environ, PGPASSWORD=db.get("PASSWORD") or "")
    subprocess.run([*psql, "-qc", f"CREATE DATABASE {scratch}"], check=True, env=env)
    try:
        # the dump reads committed data in one snapshot (what the migrations wrote: groups, schemes, ...)
        folder = backup(tmp_path / "backups")
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["database"] == "postgresql"
        assert manifest["counts"]["auth_group"] == 5  # the roles
        url = f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{scratch}"
        done = restore(folder, database_url=url, media_root=tmp_path / "media2")
        assert done.counts == manifest["counts"]
        assert done.media_files == 2
        # a second restore into the now full database is refused without --force
        with pytest.raises(BackupError, match="restore over it only with --force"):
            restore(folder, database_url=url, media_root=tmp_path / "media3")
    finally:
        subprocess.run([*psql, "-qc", f"DROP DATABASE IF EXISTS {scratch}"], check=True, env=env)
