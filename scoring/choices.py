"""The scoring app's choices, importable by its pure modules (no ORM)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EvaluationStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    REVIEWED = "reviewed", _("Reviewed")
    FINAL = "final", _("Final")
