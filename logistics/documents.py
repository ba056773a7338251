"""Documents rendered by a task: a registry of renderers, the request service and the task body."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from logistics import outbox
from logistics.models import Document

if TYPE_CHECKING:
    from logistics.models import User


logger = logging.getLogger(__name__)
Renderer = Callable[[Document], tuple[str, bytes]]
_RENDERERS: dict[str, Renderer] = {}


def register_renderer(kind: str, renderer: Renderer) -> None:
    _RENDERERS[kind] = renderer


@transaction.atomic
def document_request(*, kind: str, title: str, params: dict[str, Any], by: User) -> Document:
    """Ask for a document; a task renders it after the commit (in-process without a broker)."""
    if kind not in _RENDERERS:
        raise ValueError(f"unknown document kind {kind!r}")
    document = Document.objects.create(kind=kind, title=title[:200], params=params, requested_by=by)
    outbox.enqueue("logistics.tasks.render_document_task", kwargs={"document_id": document.pk})
    return document


def render(document_id: int) -> Document | None:
    """Render a pending document (a second run of a finished one does nothing)."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.status == Document.Status.READY:
        return document
    try:
        filename, data = _RENDERERS[document.kind](document)
    except Exception as exc:  # any failure is recorded on the document, for the person who asked
        logger.exception("document %s (%s) failed", document.pk, document.kind)
        document.mark_failed(exc, finished_at=timezone.now())
        return document
    document.mark_ready(filename, data)
    return document
