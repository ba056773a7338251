"""The official calendar's import: public holidays and make-up working days, one year at a time."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from logistics import workdays
from logistics.models import CalendarDay

#: the festivals' Chinese names (the package names them in English)
FESTIVALS_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class ImportResult:
    year: int
    created: int
    updated: int
    kept: int  # the office's own entries, left as they are

    @property
    def known(self) -> bool:
        return bool(self.created or self.updated or self.kept)


@transaction.atomic
def calendar_import(year: int) -> ImportResult:
    """Bring ``year``'s official days into the calendar. Idempotent; the office's own entries are kept."""
    official = workdays.official_days(year)
    existing = {day.date: day for day in CalendarDay.objects.filter(date__year=year)}
    created = updated = kept = 0
    new_rows = []
    for date, (kind, name_en) in sorted(official.items()):
        name = FESTIVALS_ZH.get(name_en, name_en)
        row = existing.get(date)
        if row is None:
            new_rows.append(
                CalendarDay(date=date, kind=kind, name=name, name_en=name_en, source=CalendarDay.Source.OFFICIAL)
            )
        elif row.source == CalendarDay.Source.OFFICE:
            kept += 1
        elif (row.kind, row.name, row.name_en) != (kind, name, name_en):
            row.kind, row.name, row.name_en = kind, name, name_en
            row.save()
            updated += 1
    CalendarDay.objects.bulk_create(new_rows)
    created = len(new_rows)
    return ImportResult(year, created, updated, kept)
