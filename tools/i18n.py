"""Translation catalogue helper (development tool).

    python tools/i18n.py missing            # msgids of the zh_Hans catalogues without a translation
    python tools/i18n.py fill FILE.json     # write {"msgid": "译文"} pairs into the zh_Hans catalogues
                                            # (a msgid with a context is keyed "context::msgid")

Both catalogues (django.po and djangojs.po) are handled. Fuzzy entries count as missing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES"


def catalogues() -> list[Path]:
    return [p for p in (LOCALE / "django.po", LOCALE / "djangojs.po") if p.exists()]


def missing() -> list[tuple[Path, polib.POEntry]]:
    out = []
    for path in catalogues():
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            if entry.fuzzy or not (entry.msgstr or any(entry.msgstr_plural.values())):
                out.append((path, entry))
    return out


def fill(mapping: dict[str, str | list[str]]) -> int:
    count = 0
    for path in catalogues():
        po = polib.pofile(str(path), wrapwidth=120)
        for entry in po:
            key = f"{entry.msgctxt}::{entry.msgid}" if entry.msgctxt else entry.msgid
            if key not in mapping:
                continue
            value = mapping[key]
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = {0: forms[0]}
            else:
                entry.msgstr = value if isinstance(value, str) else value[0]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            count += 1
        po.save()
    return count


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "missing":
        items = missing()
        for path, entry in items:
            print(
                json.dumps(entry.msgid, ensure_ascii=False)
                + ("  [plural]" if entry.msgid_plural else "")
                + f"  ({path.name})"
            )
        print(f"{len(items)} missing", file=sys.stderr)
    elif len(sys.argv) == 3 and sys.argv[1] == "fill":
        data = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        print(f"filled {fill(data)} entries")
    else:
        print(__doc__)
        sys.exit(2)
