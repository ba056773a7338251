"""The security log: failed logins and access denials, at WARNING on the ``logistics.security`` logger.

- Failed logins (Django's ``user_login_failed`` signal, also sent while django-axes holds an account locked)
  are logged with the username typed and the client address.
- Access denials: a 403 (``PermissionDenied``, a CSRF failure, a refused API call) or a 404 answered by a
  view for a signed-in user (an object outside their scope answers 404, see ``logistics.access``) are logged
  with the user, the client address, the method and the path.
- Anonymous visitors (the public complaint, tracking and survey pages) are never logged with their address,
  and their 404s are not logged at all: a tracking code that does not exist is no attack on staff accounts,
  and an employee's privacy comes first. An anonymous 403 (e.g. a stale CSRF token) is logged with the URL
  pattern only, so that no tracking code or survey token reaches the log.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from logistics.ratelimit import client_address

logger = logging.getLogger("logistics.security")

DENIAL_STATUSES = frozenset({403, 404})
MAX_FIELD = 150


def clean(value: Any) -> str:
    """A value safe to put in a log line: control characters (forged line breaks) replaced, length capped."""
    text = "" if value is None else str(value)
    text = "".join(char if char.isprintable() else "?" for char in text)
    return text[:MAX_FIELD] + ("…" if len(text) > MAX_FIELD else "")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for django-axes (``AXES_CLIENT_IP_CALLABLE``): the one the rate limits use, but
    only if it is an IP address. Axes stores it in an address column, which PostgreSQL checks: a forged
    proxy header or a request without ``REMOTE_ADDR`` (the test client's ``force_login``) must not break a
    login. Anything else falls back to ``REMOTE_ADDR``, then to no address."""
    for candidate in (client_address(request), request.META.get("REMOTE_ADDR", "")):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


@receiver(user_login_failed, dispatch_uid="logistics.security.log_login_failed")
def log_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any) -> None:
    username = credentials.get("username", "")
    address = client_address(request) if request is not None else "-"
    path = request.path if request is not None else "-"
    logger.warning("login failed: username=%s ip=%s path=%s", clean(username), clean(address), clean(path))


def log_denial(request: HttpRequest, status: int) -> None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        logger.warning(
            "access denied: status=%s user=%s ip=%s method=%s path=%s",
            status,
            clean(user.get_username()),
            clean(client_address(request)),
            request.method,
            clean(request.path),
        )
        return
    if status == 404:
        return  # see the module docstring: public pages answer 404 for unknown codes
    match = getattr(request, "resolver_match", None)
    where = f"/{match.route}" if match is not None and match.route else request.path
    logger.warning("access denied: status=%s user=anonymous method=%s route=%s", status, request.method, clean(where))


class SecurityLogMiddleware:
    """Logs the 403 and 404 answers of views (a URL that matches no view is not an access denial)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403 or (
            response.status_code == 404 and getattr(request, "resolver_match", None) is not None
        ):
            log_denial(request, response.status_code)
        return response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' answer to a locked-out login: the translated page, HTTP 429, never the account's state."""
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else None
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    response = render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
