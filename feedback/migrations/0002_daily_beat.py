"""Data: the daily beat row that sends the month's feedback forms and the reminders (每月服务反馈表发送与催办)."""

from django.db import migrations

NAME = "月度服务反馈表：发送与催办（每天）"
TASK = "feedback.tasks.feedback_daily_task"


def forwards(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    if Periodic.objects.filter(task=TASK).exists():
        return
    crontab, _ = Crontab.objects.get_or_create(
        minute="30", hour="9", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    Periodic.objects.create(name=NAME, task=TASK, crontab=crontab)


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_monthly_feedback_forms"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
