"""Shared fixtures: users of every role, API clients, and the real services of the second CI pass."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent
HAS_BROKER = bool(os.environ.get("CELERY_BROKER_URL"))
IS_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def _django_db(item: pytest.Item) -> tuple[bool, bool]:
    """(transactional, serialized rollback) of a test, as pytest-django reads them."""
    marker = item.get_closest_marker("django_db")
    kwargs = marker.kwargs if marker else {}
    transactional = bool(kwargs.get("transaction") or (marker and marker.args and marker.args[0]))
    transactional |= bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))
    return transactional, bool(kwargs.get("serialized_rollback"))


@pytest.hookimpl(trylast=True)  # after pytest-django has put the transactional tests last
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need a real service run only in the CI pass that has it (see .ci/run).

    The tests with a serialized rollback run first among the transactional ones: Django restores the
    migrations' rows at their start, which clashes with the role groups that a previous transactional test's
    flush had recreated (post_migrate) under new ids, wherever the test files stand."""
    serialized = [item for item in items if _django_db(item)[1]]
    if serialized:
        rest = [item for item in items if not _django_db(item)[1]]
        first = next((n for n, item in enumerate(rest) if _django_db(item)[0]), len(rest))
        items[:] = [*rest[:first], *serialized, *rest[first:]]
    reasons = {
        "celery_worker": (HAS_BROKER, "needs CELERY_BROKER_URL and a Celery worker (second CI pass)"),
        "redis": (HAS_BROKER, "needs Redis (second CI pass)"),
        "postgres": (IS_POSTGRES, "needs PostgreSQL (second CI pass)"),
        "browser": (IS_POSTGRES and shutil.which("chromium") is not None, "needs Chromium and PostgreSQL"),
    }
    for item in items:
        for marker, (available, reason) in reasons.items():
            if marker in item.keywords and not available:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _fast_passwords_and_media(settings, tmp_path):
    from django.core.cache import cache

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # rate-limit counters must not leak from one test to the next


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Unit tests run Celery tasks in-process on both passes, so what a test asserts does not depend on
    a worker being there; tests marked ``celery_worker`` send them through the real broker instead."""
    from logistics.celery import app

    if "celery_worker" in request.keywords:
        yield
        return
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


ROLES = ("anonymous", "employee", "inspector", "vendor_a", "vendor_b", "leader", "office", "finance")


def role_users(prefix: str, vendor_a: Any, vendor_b: Any) -> dict[str, Any]:
    """A user of each of ``ROLES`` (None for ``anonymous``) named ``<prefix>-<role>``; ``vendor_a`` and ``vendor_b``
    are the vendors whose staff the two vendor users are."""
    from logistics.tests.factories import UserFactory

    def user(name: str, **fields: Any) -> Any:
        return UserFactory(username=f"{prefix}-{name.replace('_', '-')}", **fields)

    return {
        "anonymous": None,
        "employee": user("employee"),
        "inspector": user("inspector", role="inspector"),
        "vendor_a": user("vendor_a", role="vendor", vendor=vendor_a),
        "vendor_b": user("vendor_b", role="vendor", vendor=vendor_b),
        "leader": user("leader", role="leader"),
        "office": user("office", role="office", is_staff=True),
        "finance": user("finance", role="finance"),
    }


@contextmanager
def module_data(
    django_db_blocker: Any, tmp_path_factory: Any, media_name: str, build: Callable[[], Any]
) -> Iterator[Any]:
    """A module's shared data: ``build()`` run once inside a transaction that is rolled back when the module is
    done (like Django's ``setUpTestData``), with its files in a media folder of their own (``.media``); each test
    runs in a savepoint of it, so what a test changes is undone. For a ``scope="module"`` fixture."""
    from django.db import transaction
    from django.test import override_settings

    media = tmp_path_factory.mktemp(media_name)
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            data = build()
            data.media = media
            yield data
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def shared_data(name: str, build: Callable[[], Any]) -> tuple[Any, Any]:
    """The fixtures of a module's shared data, as ``world, _world_media = shared_data("world", build_world)``: the
    first (``name``, module-scoped) is ``module_data`` of ``build``; the second (autouse) points each test's
    ``MEDIA_ROOT`` at that data's files (``_fast_passwords_and_media`` gives each test a folder of its own)."""

    @pytest.fixture(scope="module")
    def data(django_db_setup, django_db_blocker, tmp_path_factory):
        with module_data(django_db_blocker, tmp_path_factory, f"{name}-media", build) as shared:
            yield shared

    @pytest.fixture(autouse=True)
    def media(_fast_passwords_and_media, settings, request):
        settings.MEDIA_ROOT = request.getfixturevalue(name).media

    return data, media


@pytest.fixture
def make_user(db):
    from logistics.tests.factories import UserFactory

    def make(role: str | None = None, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def office_user(make_user):
    return make_user("office", username="office1", is_staff=True)


@pytest.fixture
def leader_user(make_user):
    return make_user("leader", username="leader1")


@pytest.fixture
def finance_user(make_user):
    return make_user("finance", username="finance1", first_name="丽华", last_name="孙")


@pytest.fixture
def inspector_user(make_user):
    return make_user("inspector", username="inspector1")


@pytest.fixture
def vendor_a(db):
    from logistics.tests.factories import VendorFactory

    return VendorFactory(legal_name="甲物业服务有限公司")


@pytest.fixture
def vendor_b(db):
    from logistics.tests.factories import VendorFactory

    return VendorFactory(legal_name="乙物业服务有限公司")


@pytest.fixture
def vendor_user(make_user, vendor_a):
    return make_user("vendor", username="vendor-a", vendor=vendor_a)


@pytest.fixture
def vendor_b_user(make_user, vendor_b):
    return make_user("vendor", username="vendor-b", vendor=vendor_b)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_get(api_client):
    """``api_get(user, url)``: GET through the API as a fresh copy of ``user`` (no per-object caches)."""

    def get(user, url, **params):
        if user is not None:
            user = type(user).objects.get(pk=user.pk)
        api_client.force_authenticate(user)
        return api_client.get(url, params)

    return get


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the Django test client logged in as ``user`` (None: anonymous)."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


# --- a broker that records what the outbox publishes ----------------------------------------------------
class RecordingTasks:
    """Every task name resolves to a recorder: what was published, under which task, with which kwargs."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict]] = []
        self.down = False

    def resolve(self, name: str):
        from kombu.exceptions import OperationalError as BrokerError

        tasks = self

        class Task:
            def apply_async(self, kwargs):
                if tasks.down:
                    raise BrokerError("connection refused")
                tasks.published.append((name, kwargs))

        return Task()


def publish_to(monkeypatch, resolve) -> None:
    """Celery is not eager for the test: the outbox publishes to the task that ``resolve`` gives for a name."""
    from celery import current_app

    from logistics import outbox

    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(outbox, "resolve_task", resolve)


@pytest.fixture
def tasks(monkeypatch):
    """A broker that is not eager: what is published is recorded (and can be down)."""
    recorder = RecordingTasks()
    publish_to(monkeypatch, recorder.resolve)
    return recorder


@pytest.fixture
def private_redis(tmp_path):
    """A ``redis-server`` of the test's own, which the fault tests may kill (second CI pass)."""
    from tests.faults import PrivateRedis

    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


# --- A real Celery worker (second CI pass) --------------------------------------------------------------
def _database_url_for_worker() -> str:
    from django.db import connection

    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real ``celery -A logistics worker`` process reading the test database."""
    if not HAS_BROKER or not IS_POSTGRES:
        pytest.skip("needs PostgreSQL and a broker")
    workdir = tmp_path_factory.mktemp("celery")
    pidfile = workdir / "worker.pid"
    logfile = workdir / "worker.log"
    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url_for_worker()
    env["DJANGO_SETTINGS_MODULE"] = "logistics.settings"
    env["MEDIA_ROOT"] = str(workdir / "media")
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    from logistics.celery import app

    app.control.purge()
    node = f"test-{os.getpid()}@localhost"
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "logistics",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queue,
        "--pidfile",
        str(pidfile),
        "--loglevel=INFO",
        "-n",
        node,
        "--without-gossip",
        "--without-mingle",
    ]
    log = logfile.open("wb")
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    ready = False
    while time.monotonic() < deadline and proc.poll() is None:
        if app.control.ping(destination=[node], timeout=0.5):
            ready = True
            break
        time.sleep(0.25)
    if not ready:
        proc.kill()
        pytest.fail(f"the Celery worker did not start:\n{logfile.read_text(errors='replace')[-4000:]}")
    yield {"process": proc, "logfile": logfile, "env": env, "cmd": cmd}
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    log.close()


@pytest.fixture
def count_queries():
    """``count_queries(fn)``: the number of SQL queries ``fn()`` runs (and its result)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(fn):
        with CaptureQueriesContext(connection) as ctx:
            result = fn()
        return len(ctx.captured_queries), result

    return run


@pytest.fixture
def admin_list_queries(client_for, office_user, count_queries):
    """``admin_list_queries(factory, url)``: the queries of the office's admin list at ``url`` with 3 rows made by
    ``factory``, and with 30 more."""

    def measure(factory, url):
        client = client_for(office_user)
        factory.create_batch(3)
        small, response = count_queries(lambda: client.get(url))
        assert response.status_code == 200
        factory.create_batch(30)
        large, _ = count_queries(lambda: client.get(url))
        return small, large

    return measure


@pytest.fixture
def api_list_queries(api_get, count_queries):
    """``api_list_queries(user, url, make, few, more)``: the queries of the API list at ``url`` read by ``user`` after
    ``make()`` ran ``few`` times, and after it ran ``more`` times more (the list counts every row made)."""

    def measure(user, url, make, few, more):
        for _ in range(few):
            make()
        small, response = count_queries(lambda: api_get(user, url))
        assert response.json()["count"] == few
        for _ in range(more):
            make()
        large, response = count_queries(lambda: api_get(user, url))
        assert response.json()["count"] == few + more
        return small, large

    return measure


def raw_sql(sql: str, params: list) -> int:
    """Run SQL past the ORM (what the PostgreSQL triggers must refuse); the number of rows it touched."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- locked records: what a final or submitted record refuses (logistics.immutability) --------------------
def assert_locked(record: Any, **changes: Any) -> None:
    """``record`` is locked: with ``changes`` set on it, ``save()`` is refused, and so is ``delete()``."""
    from logistics.immutability import ImmutableError

    for name, value in changes.items():
        setattr(record, name, value)
    with pytest.raises(ImmutableError):
        record.save()
    with pytest.raises(ImmutableError):
        record.delete()


def assert_rows_locked(queryset: Any, **changes: Any) -> None:
    """The rows of ``queryset`` are locked: ``update(**changes)`` is refused, and so is ``delete()``."""
    from logistics.immutability import ImmutableError

    with pytest.raises(ImmutableError):
        queryset.update(**changes)
    with pytest.raises(ImmutableError):
        queryset.delete()


def assert_admin_and_api_refuse(client: Any, api_client: Any, admin: str, api: str, changes: dict) -> None:
    """A locked record's admin change and delete forms (under ``admin``) answer 403; its API detail ``api``
    answers PATCH and DELETE with 405. Both clients are signed in already."""
    assert client.post(f"{admin}change/", changes).status_code == 403
    assert client.post(f"{admin}delete/", {"post": "yes"}).status_code == 403
    assert api_client.patch(api, changes, format="json").status_code == 405
    assert api_client.delete(api).status_code == 405


@contextmanager
def unchanged(read: Callable[[Any], Any], record: Any) -> Iterator[None]:
    """What ``read(record)`` gives (a locked record's stored state) is the same after the block as before it."""
    before = read(record)
    yield
    assert read(record) == before


def locked_sql(table: str, key: str, *changes: str) -> list[str]:
    """The raw SQL a lock trigger refuses on the rows of ``table`` whose ``key`` is the statement's parameter: an
    ``UPDATE`` for each of ``changes`` (``"score = 1"``), then the ``DELETE``."""
    updates = [f"UPDATE {table} SET {change} WHERE {key} = %s" for change in changes]
    return [*updates, f"DELETE FROM {table} WHERE {key} = %s"]


def assert_sql_refused(sql: str, params: list, match: str = "is locked") -> None:
    """The PostgreSQL triggers refuse ``sql`` with a message matching ``match``; the transaction goes on."""
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        raw_sql(sql, params)


def raw_sql_refused_test(
    record: str, read: Callable[[Any], Any], tables: dict[str, tuple[str, ...]], match: str
) -> Callable:
    """A PostgreSQL test of a lock's triggers, one case a statement: the ``locked_sql`` of each of ``tables``
    (``{table: (key, change, ...)}``, the locked record's pk as the parameter) is refused with ``match``, and
    ``read(record)`` is the same after. ``record`` names the fixture of the locked record. Assign it to a ``test_``
    name of the module."""
    statements = [sql for table, (key, *changes) in tables.items() for sql in locked_sql(table, key, *changes)]

    @pytest.mark.postgres
    @pytest.mark.parametrize("sql", statements)
    def test(request: Any, sql: str) -> None:
        locked = request.getfixturevalue(record)
        with unchanged(read, locked):
            assert_sql_refused(sql, [locked.pk], match=match)

    return test


def make_signature_png(width: int = 300, height: int = 100) -> bytes:
    """A white box with a pen stroke in it, as the tablet's signature canvas sends it."""
    import io as _io

    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(picture).line([(20, 60), (80, 20), (140, 70), (260, 30)], fill="black", width=3)
    out = _io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def make_png(width: int = 40, height: int = 30, color: str = "red", exif_gps: bool = False) -> bytes:
    """A real PNG (or JPEG with EXIF GPS when ``exif_gps``) for upload tests."""
    import io as _io

    from PIL import Image

    image = Image.new("RGB", (width, height), color)
    out = _io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCam"  # Make
        gps = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
        exif[0x8825] = gps
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def png_bytes():
    return make_png()


@pytest.fixture
def jpeg_with_gps():
    return make_png(exif_gps=True)
