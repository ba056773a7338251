"""Pages of the core app that every user sees: the landing page, the inbox, /healthz and the JavaScript catalogue."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import django
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from logistics import forms, health
from logistics.access import roles_of
from logistics.channels import Channel
from logistics.demo import DEMO_USERS
from logistics.models import Notification
from logistics.text import join_names


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "roles": roles_of(request.user),
        "demo_users": DEMO_USERS if settings.SHOW_DEMO_LOGINS else [],
    }
    return render(request, "logistics/home.html", context)


@never_cache
@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness for a load balancer: the process answers (touches neither the database nor the broker)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers (the broker's state is reported, not fatal), else 503."""
    database = health.database_state()
    broker = health.broker_state()
    body = {
        "status": "ok" if database["ok"] and broker["ok"] else ("degraded" if database["ok"] else "error"),
        "database": database,
        "broker": broker,
        "version": settings.APP_VERSION,
    }
    return JsonResponse(body, status=200 if database["ok"] else 503)


# --- The in-app inbox and how one is told -------------------------------------------------------------
INBOX_PAGE = 50


def inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notices (the in-app channel), newest first, and the channels they choose."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    mine = Notification.objects.filter(recipient=request.user, channel=Channel.INBOX)
    form = forms.NoticeSettingsForm(instance=request.user)
    if request.method == "POST":
        if request.POST.get("action") == "read":
            count = mine.filter(read_at__isnull=True).update(read_at=timezone.now())
            messages.success(request, _("%(count)d message(s) marked as read.") % {"count": count})
            return redirect("logistics:inbox")
        form = forms.NoticeSettingsForm(request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            chosen = [str(Channel(c).label) for c in form.instance.notify_channels if c != Channel.INBOX]
            if chosen:
                text = _("Saved: you will be notified by %(channels)s.") % {"channels": join_names(chosen)}
            else:
                text = _("Saved: your messages reach you here only.")
            messages.success(request, text)
            return redirect("logistics:inbox")
    notices = list(mine.order_by("-created_at", "-pk")[:INBOX_PAGE])
    return render(
        request,
        "logistics/inbox.html",
        {
            "notices": notices,
            "unread": sum(1 for n in notices if n.read_at is None),
            "form": form,
            "shown": INBOX_PAGE,
        },
    )


# --- the JavaScript catalogue -----------------------------------------------------------------------------
@functools.cache
def catalog_version() -> str:
    """Names the JavaScript catalogues this process serves: the product's version, Django's, and the compiled
    ``djangojs`` catalogues of the project (read once per process: they change only with a deployment)."""
    digest = hashlib.sha256(f"{settings.APP_VERSION}|{django.get_version()}".encode())
    for folder in settings.LOCALE_PATHS:
        for path in sorted(Path(folder).glob("*/LC_MESSAGES/djangojs.mo")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def catalog_url(language: str) -> str:
    """The catalogue's address for a page that keeps it (the tablet): its language and version in the query."""
    return reverse("javascript-catalog") + "?" + urlencode({"lang": language, "v": catalog_version()})


class JavaScriptCatalog(i18n_views.JavaScriptCatalog):
    """Django's catalogue. At the address ``catalog_url`` gives, it is in the language the address names and
    kept for good (a new version has a new address); elsewhere it follows the request's language, as Django's."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = request.GET.get("lang", "")
        if language not in dict(settings.LANGUAGES) or request.GET.get("v") != catalog_version():
            return super().get(request, *args, **kwargs)
        with translation.override(language):
            response = super().get(request, *args, **kwargs)
        # private: a signed-in person's response also renews their session cookie (SESSION_SAVE_EVERY_REQUEST)
        response["Cache-Control"] = "private, max-age=31536000, immutable"
        response["Content-Language"] = language
        return response
