"""Helpers of the fault-tolerance tests (issue 9): private servers the tests may kill, dedicated workers,
a TCP proxy that "restarts" PostgreSQL, a table lock that pauses a transaction half-way.

Nothing here touches the shared PostgreSQL or Redis servers: what is killed is started here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float, step: float = 0.1, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(step)


# --- a private Redis ------------------------------------------------------------------------------------
class PrivateRedis:
    """``redis-server`` on a free port of its own, killed (SIGKILL) and restarted on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_connect_timeout=1)

    def start(self) -> None:
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        cmd += ["--dir", str(self.workdir)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, 10, what="the private redis-server")

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:
            return False

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def queue_length(self, queue: str, db: int = 0) -> int:
        """Messages waiting in a Celery queue (kombu keeps one list per priority step)."""
        client = self.client(db)
        return sum(client.llen(key) for key in client.keys(f"{queue}*") if client.type(key) == b"list")


@contextmanager
def broker_at(url: str, backend: str | None = None) -> Iterator[Any]:
    """Point this process's Celery app at another broker (and result backend) for the duration.

    Celery reads CELERY_BROKER_URL from the environment before its configuration, so both change; the
    connection and producer pools are dropped so that the next publish connects to the new broker."""
    from logistics.celery import app

    names = ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
    saved_env = {name: os.environ.get(name) for name in names}
    saved_conf = app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager
    saved_pools = app._pool, app.amqp._producer_pool, app._backend_cache, getattr(app._local, "backend", None)

    def reset() -> None:
        app._pool, app.amqp._producer_pool, app._backend_cache, app._local.backend = None, None, None, None

    os.environ["CELERY_BROKER_URL"] = url
    if backend:
        os.environ["CELERY_RESULT_BACKEND"] = backend
    app.conf.broker_url = url
    if backend:
        app.conf.result_backend = backend
    app.conf.task_always_eager = False
    reset()
    try:
        yield app
    finally:
        try:
            if app._pool is not None:
                app._pool.force_close_all()
        except Exception:
            pass
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager = saved_conf
        app._pool, app.amqp._producer_pool, app._backend_cache, app._local.backend = saved_pools


# --- a dedicated worker -------------------------------------------------------------------------------
class Worker:
    """A ``celery worker`` process of the test's own, in its own process group (SIGKILL kills it all)."""

    def __init__(
        self,
        workdir: Path,
        *,
        queue: str,
        name: str,
        env: dict[str, str],
        pool: str = "solo",
        app: str = "logistics",
    ) -> None:
        self.workdir = workdir
        self.queue = queue
        self.node = f"{name}-{os.getpid()}@localhost"
        self.env = env
        self.pool = pool
        self.app = app
        self.logfile = workdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Worker:
        from logistics.celery import app

        cmd = [sys.executable, "-m", "celery", "-A", self.app, "worker", f"--pool={self.pool}", "--concurrency=1"]
        cmd += ["-Q", self.queue, "--pidfile", str(self.workdir / f"{self.node}.pid"), "--loglevel=INFO"]
        cmd += ["-n", self.node, "--without-gossip", "--without-mingle", "--without-heartbeat"]
        log = self.logfile.open("ab")
        self.proc = subprocess.Popen(
            cmd, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if app.control.ping(destination=[self.node], timeout=0.5):
                return self
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"the worker did not start:\n{self.log()[-4000:]}")

    def ping(self, timeout: float = 2) -> bool:
        from logistics.celery import app

        return bool(app.control.ping(destination=[self.node], timeout=timeout))

    def log(self) -> str:
        return self.logfile.read_text(errors="replace") if self.logfile.exists() else ""

    def children(self) -> list[int]:
        """The pool's processes (prefork)."""
        assert self.proc is not None
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker dies as in an OOM kill or a lost machine."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def worker_env(**extra: str) -> dict[str, str]:
    from conftest import _database_url_for_worker

    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url_for_worker()
    env["DJANGO_SETTINGS_MODULE"] = "logistics.settings"
    env.update(extra)
    return env


# --- holding a PostgreSQL lock from a second connection -------------------------------------------------
@contextmanager
def table_locked(table: str, mode: str = "SHARE") -> Iterator[Any]:
    """Hold ``LOCK TABLE <table> IN <mode> MODE`` from a connection of the test's own: a transaction that
    writes to the table waits there, half-way, until the block ends (a deterministic pause point)."""
    import psycopg2
    from django.db import connection

    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or "postgres",
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{table}" IN {mode} MODE')
        yield conn
    finally:
        conn.rollback()
        conn.close()


def waiting_on(table: str) -> list[int]:
    """Backends waiting for a lock on ``table`` (their pids)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_locks WHERE relation = %s::regclass AND NOT granted", [f'"{table}"'])
        return [row[0] for row in cursor.fetchall()]


def backend_alive(pid: int) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


# --- a TCP proxy in front of PostgreSQL ------------------------------------------------------------------
class RestartableProxy:
    """Forwards 127.0.0.1:<port> to PostgreSQL. ``down()`` closes every proxied connection and refuses
    new ones (accepted and closed at once, as a server that is starting up); ``up()`` serves again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self.listener.settimeout(0.2)
        self.serving = threading.Event()
        self.serving.set()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.refused = 0
        self.accepted = 0
        self.thread = threading.Thread(target=self._accept_loop, daemon=True, name="pg-proxy")
        self.thread.start()

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _addr = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.serving.is_set():
                with self.lock:
                    self.refused += 1
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.accepted += 1
                self.sockets.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._close(src)
            self._close(dst)

    def _close(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.discard(sock)
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def down(self) -> None:
        self.serving.clear()
        with self.lock:
            sockets = list(self.sockets)
        for sock in sockets:
            self._close(sock)

    def up(self) -> None:
        self.serving.set()

    def close(self) -> None:
        self.stopping.set()
        self.down()
        self.listener.close()
        self.thread.join(timeout=5)
