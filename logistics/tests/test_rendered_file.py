"""One lifecycle for every rendered file (``RenderedFile``): the generated documents and the quarterly reports."""

from __future__ import annotations

import hashlib

import pytest

from logistics.models import Document
from logistics.models.documents import RenderedFile, RenderStatus
from scoring.models import Report

pytestmark = pytest.mark.django_db


def test_documents_and_reports_are_rendered_files():
    assert issubclass(Document, RenderedFile) and issubclass(Report, RenderedFile)
    assert Document.Status is Report.Status is RenderStatus
    assert (Document.FINISHED_FIELD, Report.FINISHED_FIELD) == ("finished_at", "rendered_at")


def test_ready_then_a_failed_rerender_keeps_the_file(office_user):
    document = Document.objects.create(kind="complaint_qr_sheet", title="二维码", requested_by=office_user)
    document.mark_ready("sheet.pdf", b"%PDF-1.7 sheet")
    document.refresh_from_db()
    assert (document.status, document.sha256, document.error) == (
        "ready",
        hashlib.sha256(b"%PDF-1.7 sheet").hexdigest(),
        "",
    )
    assert document.finished_at is not None and document.file.read() == b"%PDF-1.7 sheet"
    document.mark_failed(RuntimeError("font missing"))
    document.refresh_from_db()
    assert (document.status, document.error) == ("failed", "RuntimeError: font missing")
    assert document.file.name  # what was rendered before stays
