"""Downloads of uploaded files through one permission-checked view.

Each app registers its file-bearing models: ``register_download("certificate", Certificate, "scan")``.
``/files/<kind>/<pk>/`` looks the object up through ``logistics.access.scoped`` (404 outside the user's
scope), runs the extra check if any, and streams the file as an attachment with ``nosniff``.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.db import models
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.views.decorators.http import require_GET

from logistics.access import scoped


@dataclass(frozen=True)
class Download:
    model: type[models.Model]
    field: str
    check: Callable[[Any, Any], bool] | None = None  # (user, obj) -> allowed
    public_queryset: Callable[[], models.QuerySet] | None = None  # objects anyone may download
    inline: bool = False  # images shown in pages


_DOWNLOADS: dict[str, Download] = {}


def register_download(kind: str, model: type[models.Model], field: str, **options: Any) -> None:
    _DOWNLOADS[kind] = Download(model=model, field=field, **options)


def download_url(kind: str, obj: Any) -> str:
    return reverse("download", args=[kind, obj.pk])


def download_url_for(file: Any) -> str | None:
    """The download URL of a stored file (a ``FieldFile``), or None when its model and field have no download."""
    instance = getattr(file, "instance", None)
    field = getattr(getattr(file, "field", None), "name", None)
    for kind, spec in _DOWNLOADS.items():
        if isinstance(instance, spec.model) and spec.field == field and instance.pk is not None:
            return download_url(kind, instance)
    return None


@require_GET
def download(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    spec = _DOWNLOADS.get(kind)
    if spec is None:
        raise Http404
    obj = None
    if spec.public_queryset is not None:
        obj = spec.public_queryset().filter(pk=pk).first()
    if obj is None:
        obj = scoped(request.user, spec.model._default_manager.all()).filter(pk=pk).first()
        if obj is None or (spec.check is not None and not spec.check(request.user, obj)):
            raise Http404
    field = getattr(obj, spec.field)
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404
    name = PurePath(field.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, as_attachment=not spec.inline, filename=name)
    if spec.inline:
        response["Content-Disposition"] = f'inline; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
