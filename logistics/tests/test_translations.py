"""Every user-facing string is marked, and the Chinese catalogue translates all of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ["django.po", "djangojs.po"]


def _entries(path: Path) -> dict[str, polib.POEntry]:
    return {e.msgid: e for e in polib.pofile(str(path)) if not e.obsolete}


@pytest.mark.parametrize("name", CATALOGUES)
def test_the_chinese_catalogue_has_no_missing_or_fuzzy_entry(name):
    path = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / name
    if not path.exists():
        pytest.skip(f"no {name} yet")
    missing = [
        msgid for msgid, e in _entries(path).items() if e.fuzzy or not (e.msgstr or any(e.msgstr_plural.values()))
    ]
    assert missing == []


SKIPPED_DIRS = [".venv", ".git", "staticfiles", "media", "artifacts", "docs", "node_modules", "locale", "browser"]


def test_the_catalogues_hold_every_marked_string(settings, tmp_path, monkeypatch):
    # given a copy of the sources and of the committed catalogues (makemessages writes into every "locale"
    # folder above the files it scans: run in the project itself, it rewrote the committed catalogues)
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(*SKIPPED_DIRS, "__pycache__", "*.sqlite3"))
    shutil.copytree(ROOT / "locale", tree / "locale")
    monkeypatch.chdir(tree)
    settings.LOCALE_PATHS = [tree / "locale"]
    # when makemessages scans the copy
    ignore = SKIPPED_DIRS
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=ignore, verbosity=0)
    call_command(
        "makemessages", locale=["zh_Hans"], domain="djangojs", ignore_patterns=[*ignore, "static/vendor"], verbosity=0
    )
    # then no msgid is new: the committed catalogues were complete
    for name in CATALOGUES:
        fresh_path = tree / "locale" / "zh_Hans" / "LC_MESSAGES" / name
        committed_path = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / name
        if not fresh_path.exists():
            continue
        fresh = set(_entries(fresh_path))
        committed = set(_entries(committed_path)) if committed_path.exists() else set()
        assert sorted(fresh - committed) == [], f"run `make messages` and translate ({name})"
