"""The landing page, languages, /healthz, the API documentation."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_home_is_chinese_by_default_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert "后勤" in html


def test_the_language_switch_turns_pages_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Logistics supervision" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-CN">' in client.get("/").content.decode()


def test_admin_is_chinese_with_an_english_switch(client_for, office_user):
    client = client_for(office_user)
    html = client.get("/admin/").content.decode()
    assert "后勤" in html
    assert 'name="language" value="en"' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert "Logistics supervision" in client.get("/admin/").content.decode()


def test_navigation_depends_on_the_role(client_for, leader_user, office_user):
    html = client_for(None).get("/").content.decode()
    assert "/admin/" not in html
    html = client_for(office_user).get("/").content.decode()
    assert 'href="/admin/"' in html


def test_landing_page_lists_the_demo_logins_in_development(client, settings):
    settings.SHOW_DEMO_LOGINS = True
    assert "office-demo-2026" in client.get("/").content.decode()
    settings.SHOW_DEMO_LOGINS = False
    assert "office-demo-2026" not in client.get("/").content.decode()


def healthz_body(client):
    """/healthz answers 200 while the database does (a monitor reads the rest in its body): that body."""
    response = client.get("/healthz")
    assert response.status_code == 200
    return response.json()


def test_healthz_reports_database_and_broker(client):
    body = healthz_body(client)
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_healthz_with_the_broker_down_still_answers_200(client, settings):
    # given a broker URL nothing listens on (a real connection attempt, refused)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    body = healthz_body(client)
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["broker"]["mode"] == "broker"


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    from logistics import health

    monkeypatch.setattr(
        health, "database_state", lambda: {"ok": False, "vendor": "sqlite", "error": "OperationalError"}
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_api_docs_render_from_local_static_files_only(client, office_user):
    # signed-in users only (issue 17): the anonymous visitor is sent to the login page, the schema refused
    assert client.get("/api/docs/").status_code == 302
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(office_user)
    html = client.get("/api/docs/").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the Swagger page references its assets"
    # the page's own script comes from the split view's URL (no inline script under the CSP)
    assert "/api/docs/?script=" in urls
    for url in [u for u in urls if u != "/api/docs/?script="]:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not shipped"
    script = client.get("/api/docs/?script=")
    assert (script.status_code, script["Content-Type"]) == (200, "application/javascript")
    assert b'url: "/api/schema/"' in script.content
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3")
