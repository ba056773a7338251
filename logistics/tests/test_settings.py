"""Settings come from the environment, with safe development defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from logistics import env as envparse

BASE = Path("/srv/app")


def test_database_defaults_to_sqlite_in_the_project_folder_with_wal_and_immediate_transactions():
    # given no DATABASE_URL
    # when
    config = envparse.database_config({}, BASE)
    # then
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/app/db.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["CONN_HEALTH_CHECKS"] is True


def test_postgresql_url_is_parsed_with_health_checks_and_persistent_connections():
    config = envparse.database_config(
        {"DATABASE_URL": "postgres://logistics:s3cret@db.internal:5433/logistics", "DATABASE_CONN_MAX_AGE": "120"},
        BASE,
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("logistics", "logistics", "s3cret")
    assert (config["HOST"], config["PORT"]) == ("db.internal", 5433)
    assert config["CONN_MAX_AGE"] == 120
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"] == {"connect_timeout": 5}


def test_without_a_broker_tasks_run_eagerly_in_process():
    config = envparse.celery_config({})
    assert config["task_always_eager"] is True
    assert config["task_eager_propagates"] is True


def test_with_a_broker_tasks_go_to_it():
    config = envparse.celery_config({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"})
    assert config["broker_url"] == "redis://127.0.0.1:6379/0"
    assert config["task_always_eager"] is False


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("off", False)]
)
def test_booleans(raw, expected):
    assert envparse.env_bool({"X": raw}, "X", not expected) is expected


def test_a_word_that_is_not_a_boolean_is_refused_with_its_name():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG='maybe' is not a boolean"):
        envparse.env_bool({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG", True)


def test_secret_key_is_required_when_debug_is_off():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        envparse.secret_key({}, debug=False)
    assert envparse.secret_key({"DJANGO_SECRET_KEY": "abc"}, debug=False) == "abc"
    assert envparse.secret_key({}, debug=True) == envparse.DEV_SECRET_KEY


def test_cache_is_redis_when_asked_and_local_memory_otherwise():
    redis = envparse.cache_config({"CACHE_URL": "redis://127.0.0.1:6379/1"})["default"]
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert envparse.cache_config({})["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    with pytest.raises(ImproperlyConfigured):
        envparse.cache_config({"CACHE_URL": "memcached://x"})


def _settings_in_subprocess(extra_env: dict[str, str], expression: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    env.update(extra_env)
    code = f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='logistics.settings'; django.setup(); from django.conf import settings as s; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=Path(__file__).parents[2]
    )


def test_the_settings_module_reads_the_environment():
    # given production-like variables
    result = _settings_in_subprocess(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "logistics.example.cn",
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/prod",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3",
        },
        "s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['NAME'], s.CELERY_TASK_ALWAYS_EAGER, s.LANGUAGE_CODE, s.TIME_ZONE, s.USE_TZ, s.SESSION_COOKIE_SECURE",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['logistics.example.cn'] prod False zh-hans Asia/Shanghai True True"


def test_the_settings_module_refuses_to_start_without_a_secret_when_debug_is_off():
    result = _settings_in_subprocess({"DJANGO_DEBUG": "0"}, "s.DEBUG")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr
