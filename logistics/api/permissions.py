"""API permissions: the user's model permissions (view included) and the object scope of logistics.access."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import DjangoModelPermissions


class ScopedModelPermissions(DjangoModelPermissions):
    """DjangoModelPermissions that also require the view permission to read.

    Which objects a user may read or write is decided by ``ScopedViewSetMixin.get_queryset`` (through
    ``logistics.access.scoped``): an object outside the user's scope answers 404.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request: Any, view: Any) -> bool:
        if getattr(view, "_ignore_model_permissions", False):
            return True
        return super().has_permission(request, view)
