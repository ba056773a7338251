"""The Celery application. Workers: ``celery -A logistics worker``; scheduler: ``celery -A logistics beat``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logistics.settings")

app = Celery("logistics")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
