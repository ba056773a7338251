"""Pages of the core app that every user sees: the landing page and /healthz."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from logistics import health
from logistics.access import roles_of
from logistics.demo import DEMO_USERS


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
