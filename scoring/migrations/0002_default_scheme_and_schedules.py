"""Data: the default evaluation scheme (ARCHITECTURE.md's weights and grades) and the beat schedules."""

from decimal import Decimal

from django.db import migrations

BANDS = [
    {"grade": "A", "min": "90", "label": "优秀", "label_en": "Excellent"},
    {"grade": "B", "min": "80", "label": "良好", "label_en": "Good"},
    {"grade": "C", "min": "60", "label": "合格", "label_en": "Acceptable"},
    {"grade": "D", "min": "0", "label": "不合格", "label_en": "Unacceptable"},
]

# (name, task, crontab: minute hour day_of_month month_of_year, or an interval in seconds); the names are the
# ones the office reads in the admin (0009 renames the English ones installed before)
SCHEDULES = [
    (
        "每晚：当季实时得分、整改与投诉逾期、证照到期提醒",
        "scoring.tasks.nightly_task",
        ("30", "1", "*", "*"),
    ),
    ("季度结算（每季度首日）", "scoring.tasks.quarter_close_task", ("0", "2", "1", "1,4,7,10")),
    ("季度结算补跑（每日检查）", "scoring.tasks.catch_up_task", ("0", "6", "*", "*")),
    ("消息发件箱转发（每分钟）", "logistics.tasks.relay_outbox_task", 60),
]


def forwards(apps, schema_editor):
    Scheme = apps.get_model("scoring", "EvaluationScheme")
    if not Scheme.objects.filter(family="default").exists():
        Scheme.objects.create(
            family="default",
            version=1,
            is_current=True,
            name="默认考评方案 Default scheme",
            weight_daily=Decimal(30),
            weight_weekly=Decimal(20),
            weight_monthly=Decimal(20),
            weight_complaints=Decimal(10),
            weight_satisfaction=Decimal(20),
            weight_self=Decimal(0),
            bands=BANDS,
            complaint_points_normal=Decimal(5),
            complaint_points_serious=Decimal(10),
            adjustment_bound=Decimal(5),
        )
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, when in SCHEDULES:
        if Periodic.objects.filter(name=name).exists():
            continue
        if isinstance(when, int):
            interval, _ = Interval.objects.get_or_create(every=when, period="seconds")
            Periodic.objects.create(name=name, task=task, interval=interval)
        else:
            minute, hour, day, month = when
            crontab, _ = Crontab.objects.get_or_create(
                minute=minute,
                hour=hour,
                day_of_month=day,
                month_of_year=month,
                day_of_week="*",
                timezone="Asia/Shanghai",
            )
            Periodic.objects.create(name=name, task=task, crontab=crontab)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
