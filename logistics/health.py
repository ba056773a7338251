"""Health of the parts the product depends on, for /healthz and operators."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection


def database_state() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not answering"
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def broker_state(timeout: float = 1.0) -> dict[str, Any]:
    """The broker's state; with no broker configured, tasks run in-process ("eager")."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    from kombu import Connection

    options = {"socket_timeout": timeout}
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as exc:  # connection refused, timeout, DNS: the broker is down
        return {"ok": False, "mode": "broker", "error": type(exc).__name__}
    return {"ok": True, "mode": "broker"}
