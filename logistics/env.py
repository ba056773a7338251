"""Parsing of the environment into settings values.

Pure functions that take a mapping (normally ``os.environ``) so that tests can check every rule without
re-importing the settings module. ``logistics/settings.py`` is the only caller in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(env: Mapping[str, str], name: str, default: list[str]) -> list[str]:
    raw = env.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"


def secret_key(env: Mapping[str, str], debug: bool) -> str:
    key = env.get("DJANGO_SECRET_KEY", "").strip()
    if key:
        return key
    if debug:
        return DEV_SECRET_KEY
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")


def database_config(env: Mapping[str, str], base_dir: Path) -> dict[str, Any]:
    """The default database from DATABASE_URL; SQLite in the project folder when unset.

    SQLite runs in WAL mode with IMMEDIATE transactions so that a writer never fails half-way through
    a transaction with "database is locked" when a second writer appears (the dev server, a task and a
    management command may all write at once).
    """
    url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{base_dir / 'db.sqlite3'}"
    config = dj_database_url.parse(
        url,
        conn_max_age=env_int(env, "DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        options = config.setdefault("OPTIONS", {})
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        )
    elif config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", env_int(env, "DATABASE_CONNECT_TIMEOUT", 5))
    config.setdefault("TEST", {})
    return config


def celery_config(env: Mapping[str, str]) -> dict[str, Any]:
    """Broker settings. Without CELERY_BROKER_URL every task runs eagerly, in-process."""
    broker = env.get("CELERY_BROKER_URL", "").strip()
    eager = not broker
    return {
        "broker_url": broker or "memory://",
        "result_backend": env.get("CELERY_RESULT_BACKEND", "").strip() or None,
        "task_always_eager": eager,
        "task_eager_propagates": eager,
    }


def cache_config(env: Mapping[str, str]) -> dict[str, Any]:
    """The shared cache (rate limits, login throttling). Redis in production, process memory otherwise."""
    url = env.get("CACHE_URL", "").strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": env.get("CACHE_KEY_PREFIX", "logistics"),
                "TIMEOUT": 300,
            }
        }
    if url and not url.startswith("locmem://"):
        raise ImproperlyConfigured(f"CACHE_URL={url!r}: only redis://, rediss://, unix:// or locmem:// are supported")
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "logistics"}}
