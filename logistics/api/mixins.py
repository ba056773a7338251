"""Shared pieces of every API viewset."""

from __future__ import annotations

from django.db.models import QuerySet

from logistics.access import scoped


class ScopedViewSetMixin:
    """Narrows the viewset's queryset to the request user's scope (logistics.access)."""

    def get_queryset(self) -> QuerySet:
        return scoped(self.request.user, super().get_queryset())
