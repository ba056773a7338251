"""Page helpers every app's views use: who may open a page, and the vendor portal's sections."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from logistics.access import roles_of


def role_required(*roles: str) -> Callable:
    """Signed-in users with one of ``roles``; anonymous visitors go to the login page, others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles_of(request.user) & set(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- the vendor portal's sections (each app adds its part: contracts, rectifications, evaluations) --------
_PORTAL_SECTIONS: list[tuple[str, Callable]] = []


def register_portal_section(name: str, provider: Callable[[HttpRequest, Any], Any]) -> None:
    """Later apps add their part of the vendor's page (contracts, rectifications, evaluations)."""
    _PORTAL_SECTIONS.append((name, provider))


def portal_sections() -> list[tuple[str, Callable]]:
    return list(_PORTAL_SECTIONS)


# --- what later apps know about a vendor (the contracts app: preferred for renewal) -------------------------
#: ``provider(vendor_ids, category_id) -> {vendor_id: [text, ...]}``; ``category_id`` None: any category
_VENDOR_NOTES: list[Callable[[list[int], int | None], dict[int, list[str]]]] = []


def register_vendor_notes(provider: Callable[[list[int], int | None], dict[int, list[str]]]) -> None:
    """Later apps add short notes shown beside a vendor's name (a bid list, the vendor's admin page)."""
    _VENDOR_NOTES.append(provider)


def vendor_notes(vendor_ids: list[int], category_id: int | None = None) -> dict[int, list[str]]:
    """The notes of each vendor from every registered provider (one query per provider)."""
    notes: dict[int, list[str]] = {pk: [] for pk in vendor_ids}
    for provider in _VENDOR_NOTES:
        for pk, texts in provider(vendor_ids, category_id).items():
            notes.setdefault(pk, []).extend(texts)
    return notes


def add_errors(form: Any, exc: Any) -> None:
    """A service's ``ValidationError`` on the form that sent the data: field messages by their fields, the rest
    at the top (nothing the user typed is lost: the bound form is shown again)."""
    pairs = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
    for field, errors in pairs:
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
