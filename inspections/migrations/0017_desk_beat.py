"""Data: the service desk's beat rows: the work orders' passed clocks escalated every 10 minutes (工单超时督办), and
the completed work orders their requesters have not confirmed listed for the office every morning (完工未确认提醒)."""

from django.db import migrations

ESCALATE = ("服务台：工单超时督办（每10分钟）", "inspections.tasks.work_orders_escalate_task")
REMIND = ("服务台：完工未确认工单提醒（每天9:00）", "inspections.tasks.work_orders_remind_confirm_task")


def forwards(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task = ESCALATE
    if not Periodic.objects.filter(task=task).exists():
        interval, _ = Interval.objects.get_or_create(every=10, period="minutes")
        Periodic.objects.create(name=name, task=task, interval=interval)
    name, task = REMIND
    if not Periodic.objects.filter(task=task).exists():
        crontab, _ = Crontab.objects.get_or_create(
            minute="0", hour="9", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
        )
        Periodic.objects.create(name=name, task=task, crontab=crontab)


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=[ESCALATE[1], REMIND[1]]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0016_service_desk"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
