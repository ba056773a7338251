"""A PostgreSQL session advisory lock: held by a live database session, gone the moment that session dies.

A row that says "running" cannot tell a job that runs from a job whose worker was killed; this lock can.
(Needs session-level connections: behind PgBouncer in transaction mode it would not hold.)
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def session_lock(name: str) -> Iterator[bool | None]:
    """Try to take the lock ``name`` without waiting: yields True (taken, released on exit), False (another
    live session holds it) or None (the database has no advisory locks: SQLite)."""
    if connection.vendor != "postgresql":
        yield None
        return
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:  # the session is gone, and the lock with it
                logger.warning("advisory lock %s: could not release it (connection lost)", name)
