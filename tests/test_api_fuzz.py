"""Schemathesis against ``/api/schema/``: every operation, every check, as office, vendor and leader.

The app is called in-process (WSGI). The data is the access table's shared world (two vendors, a contract
each, one of everything), built once for the module inside a transaction rolled back at the end; each
generated request runs in a savepoint that is rolled back, so a DELETE or a POST does not change what the
next example sees. The run is bounded: a fixed seed, deterministic generation, a few examples per
operation and phase, no deadline.

Every check is on (``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance``,
``response_schema_conformance``, ``response_headers_conformance``, ``negative_data_rejection``,
``positive_data_acceptance``, ``missing_required_header``, ``ignored_auth``, ``unsupported_method``, ...):
``call_and_validate`` runs the full set that the configuration enables, and the configuration enables all.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from conftest import module_data
from tests.test_access_table import build_world

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 4
SEED = 9
ROLES = ("office", "vendor_a", "leader")

CONFIG = {
    "seed": SEED,
    "checks": {
        "enabled": True,
        # Schema-valid is not always valid: the schema cannot say "the id of an existing contract in your
        # scope", "a valid 18-character credit code" or "the bytes of a real image", so a 400 with the
        # field's message is a correct answer to such a request (a 5xx, 405, 415... still fails).
        "positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]},
    },
    "generation": {
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        # the test sends a real token of the role; generated credentials would only test the 401
        "with-security-parameters": False,
    },
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": False}, "fuzzing": {"enabled": True}},
}


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The access table's world, with an API token for each role."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from rest_framework.authtoken.models import Token

    # The WSGI app closes "old" connections around each request; inside the module's transaction that
    # would close the test's own connection (PostgreSQL). Django's test client unhooks them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with module_data(django_db_blocker, tmp_path_factory, "fuzz-media", build_world) as w:
            w.tokens = {role: Token.objects.create(user=w.users[role]).key for role in ROLES}
            yield w
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _fuzz_media(_fast_passwords_and_media, settings, fuzz_world):
    settings.MEDIA_ROOT = fuzz_world.media


def load_schema():
    """The schema ``/api/schema/`` serves to a signed-in user, made by the same generator and renderer (no
    database needed at import, where no one can sign in), run against the WSGI app."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from logistics.wsgi import application

    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    schema = schemathesis.openapi.from_dict(raw, config=schemathesis.Config.from_dict(CONFIG))
    schema.app = application
    return schema


# Loaded at import (not through ``schemathesis.pytest.from_fixture``: its lazy mode needs pytest < 9), so
# each operation is its own test item.
schema = load_schema()


def headers(token: str) -> dict[str, str]:
    """The token, and no compression: schemathesis's WSGI client asks for gzip (as requests does) but reads the
    body as sent, where an HTTP client would inflate it (compression itself: tests/test_compression.py)."""
    return {"Authorization": f"Token {token}", "Accept-Encoding": "identity"}


def call(case, token: str) -> None:
    """One generated request, validated by every check, in a savepoint that is rolled back."""
    from django.core.cache import cache

    cache.clear()  # no throttle or rate-limit counter carries over from one example to the next
    with transaction.atomic():
        try:
            case.call_and_validate(headers=headers(token))
        finally:
            transaction.set_rollback(True)


FUZZ_SETTINGS = hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # the world is module-scoped and every example is rolled back: nothing leaks between examples
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_office(case, fuzz_world):
    call(case, fuzz_world.tokens["office"])


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_vendor(case, fuzz_world):
    call(case, fuzz_world.tokens["vendor_a"])


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_leader(case, fuzz_world):
    call(case, fuzz_world.tokens["leader"])


# --- regression tests: what the run above found ---------------------------------------------------------
def api_as(world, role: str):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[role]}")
    return client


def test_every_operation_documents_its_error_answers():
    """Found: every 400, 401, 403 and 404 was an undocumented status code (drf-spectacular lists 2xx only)."""
    raw = schema.raw_schema
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403"} <= codes, (method, path)
            if "{" in path or any(p["name"] == "page" for p in operation.get("parameters", [])):
                assert "404" in codes, (method, path)
            if method in ("post", "put", "patch") or any(p["in"] == "query" for p in operation.get("parameters", [])):
                assert "400" in codes, (method, path)
            assert operation["responses"]["403"]["content"]["application/json"]["schema"]["required"] == ["detail"]


def test_a_sealed_bids_nulls_are_in_the_response_schema_only():
    """Found: GET /api/bids/ answered null for a sealed bid's price and content where the schema said string."""
    components = schema.raw_schema["components"]["schemas"]
    for name in ("price", "proposal", "past_projects", "past_projects_description"):
        assert components["Bid"]["properties"][name].get("nullable") is True, name
        assert not components["BidRequest"]["properties"][name].get("nullable"), name


def test_a_sealed_bid_seen_by_the_office_validates_against_the_schema(fuzz_world):
    case = schema["/api/bids/"]["GET"].Case()
    response = case.call_and_validate(headers=headers(fuzz_world.tokens["office"]))
    sealed = [bid for bid in response.json()["results"] if bid["sealed"]]
    assert sealed, "vendor A's bid is sealed until the opening time, even for the office"
    assert all(bid["price"] is None for bid in sealed)


@pytest.mark.parametrize("url", ["/api/vendors/1.5/", "/api/departments/-3e-33/", "/api/no-such-route/"])
def test_an_api_url_matching_no_route_answers_json_404(fuzz_world, url):
    """Found: /api/vendors/1.5/ matched no URL pattern and got Django's HTML 404 page."""
    response = api_as(fuzz_world, "office").get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}


def test_a_page_url_matching_no_route_keeps_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_expiring_certificates_refuse_days_that_are_not_a_number(fuzz_world):
    """Found: ?days=garbage was read as the default 30 days (a schema-violating request accepted)."""
    client = api_as(fuzz_world, "office")
    assert client.get("/api/certificates/expiring/", {"days": "{,K"}).status_code == 400
    assert client.get("/api/certificates/expiring/", {"days": "400"}).status_code == 200  # clamped to 365


@pytest.mark.parametrize("value", ["null", "", "1460", "ture"])
def test_a_boolean_filter_refuses_what_is_not_a_boolean(fuzz_world, value):
    """Found: ?is_active=null (or empty, or 1460) was ignored and every record came back."""
    client = api_as(fuzz_world, "office")
    response = client.get("/api/sites/", {"is_active": value})
    assert response.status_code == 400
    assert "is_active" in response.json()
    assert client.get("/api/rectifications/", {"awaiting_verification": value}).status_code == 400


@pytest.mark.parametrize(
    ("route", "name"), [("/api/vendors/", "q"), ("/api/sites/", "code"), ("/api/settlements/", "quarter")]
)
def test_a_filter_value_with_a_nul_is_a_400(fuzz_world, route, name):
    """Found on reading the fuzz's PostgreSQL pass: NUL in a text filter reached the query, a 500 there."""
    response = api_as(fuzz_world, "office").get(route, {name: "a\x00b"})
    assert response.status_code == 400
    assert name in response.json()


def test_a_boolean_filter_still_filters(fuzz_world):
    from logistics.models import Site

    client = api_as(fuzz_world, "office")
    Site.objects.filter(pk=fuzz_world.site_spare).update(is_active=False)
    inactive = client.get("/api/sites/", {"is_active": "false"}).json()["results"]
    assert [site["id"] for site in inactive] == [fuzz_world.site_spare]
    assert fuzz_world.site_spare not in [
        s["id"] for s in client.get("/api/sites/", {"is_active": "True"}).json()["results"]
    ]


@pytest.mark.parametrize("route", ["/api/inspect/submit/", "/api/inspect/sync/"])
@pytest.mark.parametrize(
    ("field", "value"),
    [("started_at", "2024-01-01T12:99:00Z"), ("rectification_checks", "not an object")],
)
def test_a_malformed_tablet_payload_is_a_400_not_a_500(fuzz_world, route, field, value):
    """Found: an impossible time (12:99) and rectification checks that are not an object raised a 500."""
    import uuid

    payload = {"key": str(uuid.uuid4()), "kind": "daily", "contract": 1, field: value}
    response = api_as(fuzz_world, "office").post(route, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
