"""Data: the official public holidays and make-up working days the installed chinese-calendar package knows,
from 2025 on (later years: ``manage.py calendar_import YEAR``)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from logistics import workdays
    from logistics.services.calendar import FESTIVALS_ZH

    CalendarDay = apps.get_model("logistics", "CalendarDay")
    known = set(CalendarDay.objects.values_list("date", flat=True))
    rows = []
    for year in range(2025, 2031):
        for date, (kind, name_en) in sorted(workdays.official_days(year).items()):
            if date not in known:
                rows.append(
                    CalendarDay(
                        date=date,
                        kind=kind,
                        name=FESTIVALS_ZH.get(name_en, name_en),
                        name_en=name_en,
                        source="official",
                    )
                )
    CalendarDay.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("logistics", "0010_calendar")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
