"""Choices the pure modules share with the models (``logistics.tendering`` runs the qualification checks)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class QualificationCheck(models.TextChoices):
    """The checks of a bid at the opening, in the order they are shown (``logistics.tendering`` runs them)."""

    ADMITTED = "admitted", _("Admitted for the tender's service category")
    INVITED = "invited", _("Invited (invited tendering)")
    CAPITAL = "capital", _("Registered capital")
    CERTIFICATES = "certificates", _("Certificates valid on the contract start")
    BAD_RECORDS = "bad_records", _("No serious bad record in the look-back period")
    TERMINATION = "termination", _("Not under a termination recommendation")
    ANNUAL_GRADE = "annual_grade", _("Latest annual grade not D (unacceptable)")
    EXPERIENCE = "experience", _("Similar past projects")
    PRICE = "price", _("Price within the budget ceiling")
    DOCUMENTS = "documents", _("Bid documents complete and genuine")
