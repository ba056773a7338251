"""The beat schedules installed by 0002 get the names the office reads in the admin (Chinese); a schedule the
office renamed is left as it is."""

from django.db import migrations

NAMES = [
    (
        "nightly: running scores, overdue rectifications and complaints, expiry alerts",
        "每晚：当季实时得分、整改与投诉逾期、证照到期提醒",
    ),
    ("quarter close (first day of a quarter)", "季度结算（每季度首日）"),
    ("daily catch-up of a missed quarter close", "季度结算补跑（每日检查）"),
    ("outbox relay", "消息发件箱转发（每分钟）"),
]


def rename(apps, old_to_new):
    Periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in old_to_new:
        if not Periodic.objects.filter(name=new).exists():
            Periodic.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    rename(apps, NAMES)


def backwards(apps, schema_editor):
    rename(apps, [(new, old) for old, new in NAMES])


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0008_field_names_in_both_languages"),
        ("django_celery_beat", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
