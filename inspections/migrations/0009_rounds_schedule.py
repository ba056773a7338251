"""Data: the hourly beat schedule of the plans' rounds (made up to tomorrow, missed marked, the day's sent)."""

from django.db import migrations

NAME = "巡检任务：生成次日任务、标记漏检、早晨发送当日任务（每小时）"
TASK = "inspections.tasks.rounds_task"


def forwards(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    if Periodic.objects.filter(task=TASK).exists():
        return
    crontab, _ = Crontab.objects.get_or_create(
        minute="5", hour="*", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    Periodic.objects.create(name=NAME, task=TASK, crontab=crontab)


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0008_plans_and_rounds"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
