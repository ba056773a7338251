"""Data: the hourly beat schedule that confirms the awards whose publicity has ended (中标公示期满确认)."""

from django.db import migrations

NAME = "中标公示期满确认中标、生成合同草稿（每小时）"
TASK = "logistics.tasks.awards_confirm_task"


def forwards(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    if Periodic.objects.filter(task=TASK).exists():
        return
    crontab, _ = Crontab.objects.get_or_create(
        minute="15", hour="*", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    Periodic.objects.create(name=NAME, task=TASK, crontab=crontab)


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0014_tender_qualification_questions_publicity"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
