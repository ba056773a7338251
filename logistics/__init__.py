"""The project package and the core domain app (reference data, users and roles, vendors, tenders)."""

from logistics.celery import app as celery_app

__all__ = ["celery_app"]
