"""Files a task renders (one lifecycle: ``RenderedFile``), and the generated documents (PDF sheets and exports)
downloaded when ready. The quarterly reports (``scoring.Report``) are rendered files too."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.models.base import private_file, user_ref

__all__ = ["Document"]


class RenderStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class RenderedFile(models.Model):
    """A file a task renders: pending, then ready (its file and SHA-256) or failed (the error, for whoever
    asked). The subclass declares ``status`` (with ``RenderStatus``), ``file`` and the time it names in
    ``FINISHED_FIELD``."""

    Status = RenderStatus
    FINISHED_FIELD: ClassVar[str] = "finished_at"

    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        abstract = True

    def mark_ready(self, filename: str, data: bytes, **values: Any) -> None:
        """Store the rendered bytes (and any other ``values`` of the render) and mark the file ready."""
        self.file.save(filename, ContentFile(data), save=False)
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.status = RenderStatus.READY
        self.error = ""
        setattr(self, self.FINISHED_FIELD, timezone.now())
        for name, value in values.items():
            setattr(self, name, value)
        self.save()

    def mark_failed(self, exc: BaseException, **values: Any) -> None:
        """Record the failure on the row (without touching what else it holds)."""
        self.status = RenderStatus.FAILED
        self.error = f"{type(exc).__name__}: {exc}"[:2000]
        type(self)._base_manager.filter(pk=self.pk).update(status=self.status, error=self.error, **values)


class Document(RenderedFile):
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RenderStatus.choices, default=RenderStatus.PENDING)
    file = private_file("documents", blank=True)
    requested_by = user_ref(_("requested by"), optional=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title
