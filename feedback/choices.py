"""The monthly feedback form's statuses and their transitions (one definition: model, services, pages)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from logistics.transitions import Flow


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Not answered")
    SAVED = "saved", _("Saved, not submitted")
    SUBMITTED = "submitted", _("Submitted")


REQUEST_FLOW = Flow(
    RequestStatus,
    {
        RequestStatus.OPEN: {RequestStatus.SAVED, RequestStatus.SUBMITTED},
        RequestStatus.SAVED: {RequestStatus.SAVED, RequestStatus.SUBMITTED},
    },
    noun=_("A monthly feedback form"),
)
