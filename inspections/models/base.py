"""What the jobs of this app share: the timeline events and photos of complaints, work orders and rectification
orders."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.models.base import user_ref
from logistics.uploads import RandomName, private_storage


class JobRecord(models.Model):
    """A row that belongs to a job (an event on its timeline, a photo); ``job_field`` names its foreign key to
    the job."""

    job_field = "order"

    class Meta:
        abstract = True

    @property
    def job_id(self) -> int:
        return getattr(self, f"{self.job_field}_id")


class JobEvent(JobRecord):
    """A step on a job's timeline: what happened (``kind``, one of the subclass's ``Kind``), when and by whom."""

    at = models.DateTimeField(_("at"), default=timezone.now)
    by = user_ref(_("by"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.job_id} {self.kind}"


class JobPhoto(JobRecord):
    """A photo of a job, taken at one of the subclass's ``Stage`` (the problem, the work done)."""

    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.job_id} · {self.stage}"


def photo_field(folder: str) -> models.ImageField:
    """The photo itself: kept in private storage under a random name in ``folder``."""
    return models.ImageField(_("photo"), storage=private_storage, upload_to=RandomName(folder))
