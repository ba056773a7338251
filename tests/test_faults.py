"""Fault tolerance of the web side (issue 9): Redis down while people file things, PostgreSQL restarting.

Second CI pass only. Redis is a private ``redis-server`` started (and SIGKILLed) here; PostgreSQL
"restarts" behind a TCP proxy started here: the shared servers other test runs use are never touched.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.conf import settings
from django.core import signing
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from rest_framework.test import APIClient

from inspections.forms import SIGNING_SALT
from inspections.models import Complaint, RectificationOrder
from inspections.tests.factories import assigned_contract, make_template, tablet_data
from logistics import notify, outbox
from logistics.models import OutboxMessage
from logistics.tasks import ping_task, relay_outbox_task
from logistics.tests.factories import ServiceCategoryFactory
from tests.faults import PrivateRedis, RestartableProxy, broker_at

logger = logging.getLogger(__name__)
NOTIFY = "logistics.tasks.send_notification_task"


def queued(redis: PrivateRedis, queue: str) -> list[tuple[str, dict]]:
    """The (task, kwargs) of every message waiting in ``queue`` (kombu's JSON envelope, protocol 2)."""
    client = redis.client()
    out = []
    for key in client.keys(f"{queue}*"):
        if client.type(key) != b"list":
            continue
        for raw in client.lrange(key, 0, -1):
            envelope = json.loads(raw)
            _args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
            out.append((envelope["headers"]["task"], kwargs))
    return out


def _redis_down_then_back(redis: PrivateRedis, request) -> tuple[list[OutboxMessage], float]:
    """Kill Redis, make the request (it must succeed), bring Redis back, relay twice: each message once."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with broker_at(redis.url()):
        ping_task.apply_async(queue="warm-up")  # the producer pool holds a live connection when Redis dies
        redis.kill()
        started = time.perf_counter()
        response = request()
        seconds = time.perf_counter() - started
        assert response.status_code in (200, 201, 302), response.content[:500]
        pending = list(OutboxMessage.objects.filter(sent_at__isnull=True).order_by("pk"))
        assert pending, "nothing was kept in the outbox"
        assert all(m.task_name in (NOTIFY, notify.LATER_TASK) for m in pending)
        redis.start()  # the same port
        assert queued(redis, queue) == []
        assert outbox.relay_pending() == len(pending)
        assert relay_outbox_task() == 0  # the relay again (as beat runs it): nothing is published twice
        messages = queued(redis, queue)

    def key(message: tuple[str, dict]) -> str:
        return json.dumps(message, sort_keys=True, ensure_ascii=False)

    expected = sorted(((m.task_name, m.kwargs) for m in pending), key=key)
    assert sorted(messages, key=key) == expected  # every message exactly once
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    return pending, seconds


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_complaint_filed_while_redis_is_down_is_kept_and_published_once_redis_is_back(
    client, make_user, private_redis
):
    make_user("office", username="fault-office-1", email="office1@example.cn")
    make_user("office", username="fault-office-2", email="office2@example.cn")
    category = ServiceCategoryFactory(code="cleaning-faults")
    stamp = signing.dumps(int(time.time()) - 30, salt=SIGNING_SALT)
    form = {
        "category": category.pk,
        "description": "三楼卫生间没有手纸",
        "email": "employee@example.cn",
        "started": stamp,
        "website": "",
    }
    pending, seconds = _redis_down_then_back(private_redis, lambda: client.post("/complaints/new/", form))
    assert Complaint.objects.filter(quarantined=False).count() == 1
    # the office's notice and the employee's receipt, each one outbox row for the worker to make its notifications
    assert [m.kwargs.get("office", False) for m in pending] == [True, False]
    assert seconds < 10
    logger.warning(f"fault figure: complaint filed with Redis down in {seconds:.2f}s, {len(pending)} kept")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_inspection_submitted_while_redis_is_down_is_kept_and_published_once_redis_is_back(make_user, private_redis):
    inspector = make_user("inspector", username="fault-inspector")
    contract = assigned_contract(inspector)
    make_user("vendor", username="fault-vendor", vendor=contract.vendor, email="ops@vendor.example.cn")
    template = make_template(category=contract.category)
    results = {"A1": {"result": "fail", "note": "地面有水"}, "A2": {"result": "pass"}, "A3": {"result": "pass"}}
    data = tablet_data(contract, template, results)
    api = APIClient()
    api.force_authenticate(inspector)
    pending, seconds = _redis_down_then_back(
        private_redis, lambda: api.post("/api/inspect/submit/", data, format="json")
    )
    assert RectificationOrder.objects.filter(contract=contract).count() == 1
    assert len(pending) == 1  # the vendor is told of the rectification order
    assert seconds < 10
    logger.warning(f"fault figure: inspection submitted with Redis down in {seconds:.2f}s")


# --- PostgreSQL restarting under the web app -------------------------------------------------------------
class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def _fetch(url: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.monotonic() - started


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_requests_fail_fast_while_postgresql_restarts_and_succeed_after_without_an_app_restart(settings):
    """The app (Django's WSGI handler, served by a thread: the real request cycle with its connection
    handling, CONN_MAX_AGE and CONN_HEALTH_CHECKS) reaches PostgreSQL through a proxy; "restarting" the
    database closes every connection and refuses new ones for two seconds."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    ServiceCategoryFactory(code="cleaning-proxy")
    db = connection.settings_dict
    proxy = RestartableProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)))
    server = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=_QuietHandler)
    base = f"http://127.0.0.1:{server.server_port}"

    def serve() -> None:
        conn = connections["default"]  # this thread's connection goes through the proxy
        conn.settings_dict = {**conn.settings_dict, "HOST": "127.0.0.1", "PORT": proxy.port, "CONN_MAX_AGE": 60}
        try:
            server.serve_forever(poll_interval=0.1)
        finally:
            connections.close_all()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        assert _fetch(f"{base}/healthz")[0] == 200
        assert _fetch(f"{base}/complaints/new/")[0] == 200
        connected = proxy.accepted
        assert connected >= 1  # the app's persistent connection goes through the proxy
        proxy.down()
        down_at = time.monotonic()
        during = [_fetch(f"{base}/healthz"), _fetch(f"{base}/complaints/new/")]
        assert during[0][0] == 503
        assert during[1][0] == 500
        assert all(seconds < 5 for _status, seconds in during), during
        time.sleep(max(0.0, 2 - (time.monotonic() - down_at)))
        proxy.up()
        up_at = time.monotonic()
        after = [_fetch(f"{base}/healthz"), _fetch(f"{base}/complaints/new/")]
        back = time.monotonic() - up_at
        assert [status for status, _seconds in after] == [200, 200]
        assert proxy.accepted > connected  # it reconnected by itself: no restart of the app
        assert proxy.refused >= 1
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        proxy.close()
    worst = max(seconds for _status, seconds in during)
    logger.warning(f"fault figure: during the restart requests failed in <= {worst:.2f}s; back {back:.2f}s after")
