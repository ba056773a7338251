"""Content-Security-Policy on every page, login throttling (django-axes) and the security log."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from logistics.models import User

pytestmark = pytest.mark.django_db

SECURITY_LOGGER = "logistics.security"
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


# --- Content-Security-Policy ----------------------------------------------------------------------------
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction"})


class InlineCode(HTMLParser):
    """What a CSP without 'unsafe-inline' would block: inline scripts, event-handler attributes,
    javascript: URLs, and inline styles (style attributes, <style> without the request's nonce)."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.styles: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}=javascript:...>")
            if name == "style":
                self.styles.append(f"<{tag} style=...>")
        if tag == "script":
            kind = (values.get("type") or "").lower()
            self._in_script = not values.get("src") and kind != "application/json"
        if tag == "style" and (self.nonce is None or values.get("nonce") != self.nonce):
            self.styles.append("<style> without the nonce")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.scripts.append(data.strip()[:60])


def page_problems(response, *, check_styles: bool) -> list[str]:
    header = response.get("Content-Security-Policy")
    if not header:
        return ["no Content-Security-Policy header"]
    policy = parse_policy(header)
    problems = []
    if "'unsafe-inline'" in policy.get("script-src", []) or "script-src" not in policy:
        problems.append(f"script-src is {policy.get('script-src')}")
    nonces = [
        v.removeprefix("'nonce-").removesuffix("'") for v in policy.get("style-src", []) if v.startswith("'nonce-")
    ]
    parser = InlineCode(nonces[0] if nonces else None)
    parser.feed(response.content.decode())
    problems += [f"inline script: {s}" for s in parser.scripts]
    problems += parser.handlers
    if check_styles:
        problems += parser.styles
    return problems


# Pages not to follow: downloads (PDF, Excel, files), destructive or session-ending pages, and the admin's
# per-object extras (history and delete pages of every model would make the crawl very long).
SKIP = re.compile(r"\.(pdf|xlsx|csv|js)$|^/files/|^/static/|/logout/|/delete/$|/history/|/password/|^/i18n/")
MAX_PAGES = 400


def crawl(client: Client, start: list[str]) -> tuple[dict[str, list[str]], set[str]]:
    """Visit every route reachable from ``start`` once (the first URL found for it): the problems of each
    HTML page, and the names of the routes visited."""
    queue = list(start)
    seen_routes: set[tuple[str, str]] = set()
    problems: dict[str, list[str]] = {}
    while queue and len(seen_routes) < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        if SKIP.search(path):
            continue
        try:
            match = resolve(path)
        except Resolver404:
            continue
        route = (match.view_name, match.route)
        if route in seen_routes:
            continue
        seen_routes.add(route)
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        found = page_problems(response, check_styles=not path.startswith(("/admin/", "/api/")))
        if found:
            problems[url] = found
        for href in re.findall(r'href="([^"#]+)', response.content.decode()):
            target = urlsplit(urljoin(url, href.replace("&amp;", "&")))
            if not target.netloc:
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return problems, {view_name for view_name, _route in seen_routes}


# The routes each role's crawl must reach (so that a broken link cannot shrink the test to nothing).
MUST_VISIT = {
    None: {"home", "logistics:tenders_public", "inspections:complaint_new", "login", "api-docs"},
    "office": {
        "inspections:inspect",
        "inspections:detail",
        "inspections:rectification",
        "inspections:complaint",
        "contracts:detail",
        "scoring:overview_quarter",
        "scoring:evaluation",
        "scoring:reports",
        "admin:index",
        "admin:logistics_vendor_changelist",
        "admin:logistics_vendor_change",
        "admin:django_celery_beat_periodictask_change",
        "contract-list",
        "api-docs",
    },
    "inspector": {"inspections:inspect", "inspections:list", "inspections:rectifications"},
    "vendor": {"logistics:vendor_portal", "inspections:list", "scoring:reports"},
    "leader": {"scoring:reports", "inspections:list"},
}


def test_every_page_carries_the_policy_and_no_inline_code(client):
    # given the demo institution (seeded once: the crawl of every role shares it)
    call_command("seed_demo", stdout=io.StringIO())
    problems, missed = {}, {}
    for username, must_visit in MUST_VISIT.items():
        client.logout()
        if username:
            client.force_login(User.objects.get(username=username))
        start = ["/", "/api/docs/", "/complaints/new/", "/tenders/", "/accounts/login/"]
        if username == "office":
            start += ["/admin/", "/admin/django_celery_beat/periodictask/", "/api/contracts/"]
        # when every page the role can reach from the start pages is fetched
        found, visited = crawl(client, start)
        if found:
            problems[username] = found
        if must_visit - visited:
            missed[username] = must_visit - visited
    # then each one has the header, allows no inline script and has none
    assert problems == {}
    assert missed == {}


def test_the_page_check_finds_each_kind_of_inline_code():
    # given a page with one of everything the policy blocks, and the nonce of its response
    from django.http import HttpResponse

    response = HttpResponse(
        '<script>alert(1)</script><script type="application/json">{"ok": 1}</script><script src="/a.js"></script>'
        '<a href="javascript:void(0)">x</a><button onclick="go()">y</button><p style="color: red">z</p>'
        '<style nonce="n1">p {}</style><style>p {}</style>'
    )
    response["Content-Security-Policy"] = "script-src 'self' 'unsafe-inline'; style-src 'self' 'nonce-n1'"
    # then the check names each one
    assert page_problems(response, check_styles=True) == [
        "script-src is [\"'self'\", \"'unsafe-inline'\"]",
        "inline script: alert(1)",
        "<a href=javascript:...>",
        "<button onclick=...>",
        "<p style=...>",
        "<style> without the nonce",
    ]
    assert page_problems(HttpResponse("<p>no header</p>"), check_styles=True) == ["no Content-Security-Policy header"]


def test_the_policy_header_is_exactly_the_documented_one(client):
    response = client.get("/")
    assert parse_policy(response["Content-Security-Policy"]) == POLICY


def test_the_dashboard_charts_style_only_with_the_nonce_of_the_response(client_for, leader_user):
    # given a leader on the dashboard, whose pygal charts are inline SVG with a stylesheet
    response = client_for(leader_user).get("/reports/")
    html = response.content.decode()
    policy = parse_policy(response["Content-Security-Policy"])
    # then style-src names this response's nonce, and every <style> carries it
    nonce = policy["style-src"][1].removeprefix("'nonce-").removesuffix("'")
    assert policy["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["script-src"] == ["'self'"]
    assert html.count("<svg") == 2
    assert html.count("<style") == html.count(f'<style nonce="{nonce}"') == 2
    assert page_problems(response, check_styles=True) == []


def test_the_nonce_is_new_for_every_response(client_for, leader_user):
    client = client_for(leader_user)
    first = parse_policy(client.get("/reports/")["Content-Security-Policy"])["style-src"]
    second = parse_policy(client.get("/reports/")["Content-Security-Policy"])["style-src"]
    assert first != second


def test_the_swagger_page_loads_its_script_from_a_url(client, office_user):
    client.force_login(office_user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert page_problems(response, check_styles=True) == []
    assert '<script src="/api/docs/?script="></script>' in response.content.decode()


# --- Login throttling (django-axes) -------------------------------------------------------------------------
PASSWORD = "correct-horse-battery"


@pytest.fixture
def staff(make_user):
    user = make_user("office", username="clerk", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def login(client: Client, password: str, username: str = "clerk", address: str = "198.51.100.7", url: str = ""):
    return client.post(url or "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, staff):
    # given four wrong passwords: the form answers as usual
    for _ in range(4):
        assert login(client, "wrong").status_code == 200
    # when the fifth is wrong too
    fifth = login(client, "wrong")
    # then the account is locked for this address: 429, and the right password does not get in
    assert fifth.status_code == 429
    right = login(client, PASSWORD)
    assert (right.status_code, logged_in(client)) == (429, False)
    assert right["Retry-After"] == "900"
    # an attempt made while locked does not count and does not start the wait again (issue 17: a stranger
    # typing wrong passwords could otherwise keep the real user out for good)
    assert AccessAttempt.objects.get(username="clerk").failures_since_start == 5


def test_the_admin_login_is_throttled_the_same_way(client, staff):
    for _ in range(5):
        login(client, "wrong", url="/admin/login/")
    response = login(client, PASSWORD, url="/admin/login/")
    assert (response.status_code, logged_in(client)) == (429, False)


def test_a_success_before_the_limit_starts_the_count_again(client, staff):
    # given four failures, then the right password
    for _ in range(4):
        login(client, "wrong")
    assert login(client, PASSWORD).status_code == 302
    client.logout()
    # when four more failures follow
    statuses = [login(client, "wrong").status_code for _ in range(4)]
    # then nothing is locked: the success reset the count, and the right password still works
    assert statuses == [200, 200, 200, 200]
    assert (login(client, PASSWORD).status_code, logged_in(client)) == (302, True)


def test_the_lock_holds_one_username_from_one_address(client, staff, make_user):
    other = make_user("office", username="other-clerk")
    other.set_password(PASSWORD)
    other.save()
    for _ in range(5):
        login(client, "wrong")
    # the same person from another address, and another account from the same address, may log in
    assert login(Client(), PASSWORD, address="192.0.2.55").status_code == 302
    assert login(Client(), PASSWORD, username="other-clerk").status_code == 302
    assert login(Client(), PASSWORD).status_code == 429


def test_the_lock_ends_after_the_cool_off(client, staff):
    for _ in range(5):
        login(client, "wrong")
    # when fifteen minutes have passed since the last failure
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    # then the right password gets in again
    assert (login(client, PASSWORD).status_code, logged_in(client)) == (302, True)


def test_the_office_unlocks_a_locked_out_login_in_the_admin(client, staff, make_user):
    # given a clerk locked out after five wrong passwords
    for _ in range(5):
        login(client, "wrong")
    attempt = AccessAttempt.objects.get(username="clerk")
    # when an office user (not a superuser) deletes the attempt in the admin ("Access attempts")
    office = make_user("office", username="head-of-office", is_staff=True)
    admin = Client()
    admin.force_login(office)
    listing = admin.get("/admin/axes/accessattempt/")
    deleted = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    # then the office saw the lock, removed it, and the clerk's right password gets in again
    assert (listing.status_code, deleted.status_code) == (200, 302)
    assert AccessAttempt.objects.filter(username="clerk").count() == 0
    assert (login(client, PASSWORD).status_code, logged_in(client)) == (302, True)


def test_an_inspector_cannot_see_or_remove_login_locks(client_for, inspector_user):
    staff_inspector = client_for(inspector_user)
    assert staff_inspector.get("/admin/axes/accessattempt/").status_code in (302, 403)


def test_the_limit_and_cool_off_come_from_the_settings(client, staff, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=3)
    assert [login(client, "wrong").status_code for _ in range(2)] == [200, 429]
    assert login(client, PASSWORD)["Retry-After"] == "180"


def test_behind_a_proxy_the_lock_follows_the_address_the_proxy_saw(client, staff, settings):
    # one trusted proxy appending to X-Forwarded-For: the client's own entries to the left are not believed
    settings.CLIENT_IP_HEADER, settings.TRUSTED_PROXY_HOPS = "", 1
    for n in range(5):
        client.post(
            "/accounts/login/",
            {"username": "clerk", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.40",
            REMOTE_ADDR="10.0.0.1",
        )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.40"
    locked = client.post(
        "/accounts/login/",
        {"username": "clerk", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.40",
        REMOTE_ADDR="10.0.0.1",
    )
    assert locked.status_code == 429
    # the real user, elsewhere, is not locked out by the stranger
    other = Client().post(
        "/accounts/login/",
        {"username": "clerk", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.41",
        REMOTE_ADDR="10.0.0.1",
    )
    assert other.status_code == 302


def test_a_forged_address_header_neither_breaks_the_login_nor_is_stored(client, staff, settings):
    # given a proxy header that is no address (PostgreSQL would refuse it in axes' address column)
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    forged = {"HTTP_X_FORWARDED_FOR": "<script>", "REMOTE_ADDR": "198.51.100.7"}
    # when a wrong password is posted: it is counted against the connection's address
    wrong = client.post("/accounts/login/", {"username": "clerk", "password": "wrong"}, **forged)
    assert wrong.status_code == 200
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.7"]
    # and the right password still gets in
    right = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD}, **forged)
    assert (right.status_code, logged_in(client)) == (302, True)


@pytest.mark.parametrize(
    ("header", "remote", "expected"),
    [
        ("", "198.51.100.7", "198.51.100.7"),
        ("203.0.113.5, 10.0.0.1", "10.0.0.1", "10.0.0.1"),  # appended to: the proxy's own (last) entry
        ("2001:db8::1", "10.0.0.1", "2001:db8::1"),
        ("not-an-address", "10.0.0.1", "10.0.0.1"),
        ("not-an-address", "", None),
    ],
)
def test_the_address_given_to_axes_is_an_address_or_nothing(rf, settings, header, remote, expected):
    from logistics.security import client_ip

    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    request = rf.get("/", HTTP_X_FORWARDED_FOR=header, REMOTE_ADDR=remote)
    if not header:
        del request.META["HTTP_X_FORWARDED_FOR"]
    assert client_ip(request) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", ["登录失败次数过多", "15 分钟后再试", '<html lang="zh-CN">']),
        ("en", ["Too many failed logins", "try again in 15 minutes", '<html lang="en">']),
    ],
)
def test_the_lockout_page_is_translated(client, staff, language, expected):
    client.cookies["django_language"] = language
    for _ in range(5):
        response = login(client, "wrong")
    html = response.content.decode()
    assert response.status_code == 429
    assert [text for text in expected if text not in html] == []
    assert PASSWORD not in html


# --- The security log ---------------------------------------------------------------------------------------
def security_lines(caplog) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == SECURITY_LOGGER]


def test_a_failed_login_is_logged_with_the_username_and_address(client, staff, caplog):
    caplog.set_level(logging.WARNING, logger=SECURITY_LOGGER)
    login(client, "wrong", address="203.0.113.9")
    assert security_lines(caplog) == [
        (logging.WARNING, "login failed: username=clerk ip=203.0.113.9 path=/accounts/login/")
    ]


def test_a_failed_login_during_a_lockout_is_logged_too(client, staff, caplog):
    for _ in range(5):
        login(client, "wrong")
    caplog.clear()
    caplog.set_level(logging.WARNING, logger=SECURITY_LOGGER)
    login(client, PASSWORD)
    assert security_lines(caplog) == [
        (logging.WARNING, "login failed: username=clerk ip=198.51.100.7 path=/accounts/login/")
    ]


def test_a_forged_line_break_in_the_username_stays_on_one_log_line(client, caplog):
    caplog.set_level(logging.WARNING, logger=SECURITY_LOGGER)
    login(client, "x", username="eve\nlogin ok: username=admin")
    assert security_lines(caplog) == [
        (logging.WARNING, "login failed: username=eve?login ok: username=admin ip=198.51.100.7 path=/accounts/login/")
    ]


def test_a_permission_denied_is_logged_with_user_address_and_path(client_for, vendor_user, caplog):
    caplog.set_level(logging.WARNING, logger=SECURITY_LOGGER)
    response = client_for(vendor_user).get("/complaints/", REMOTE_ADDR="203.0.113.20")
    assert response.status_code == 403
    assert security_lines(caplog) == [
        (logging.WARNING, "access denied: status=403 user=vendor-a ip=203.0.113.20 method=GET path=/complaints/")
    ]


def test_an_object_outside_the_scope_is_logged_as_a_404(client_for, vendor_b_user, vendor_a, caplog):
    from contracts.tests.factories import ContractFactory

    contract = ContractFactory(vendor=vendor_a)
    caplog.set_level(logging.WARNING, logger=SECURITY_LOGGER)
    response = client_for(vendor_b_user).get(f"/contracts/{contract.pk}/", REMOTE_ADDR="203.0.113.21")
    assert response.status_code == 404
    assert security_lines(caplog) == [
        (
            logging.WARNING,
            f"access denied: status=404 user=vendor-b ip=203.0.113.21 method=GET path=/contracts/{contract.pk}/",
        )
    ]


def test_an_api_object_outside_the_scope_is_logged(api_client, vendor_b_user, vendor_a, caplog):
    from contracts.tests.factories import ContractFactory

    contract = ContractFactory(vendor=vendor_a)
    caplog.set_level(logging.WARNING, logger=SECURITY_LOGGER)
    api_client.force_login(vendor_b_user)
    response = api_client.get(f"/api/contracts/{contract.pk}/", REMOTE_ADDR="203.0.113.22")
    assert response.status_code == 404
    assert security_lines(caplog) == [
        (
            logging.WARNING,
            f"access denied: status=404 user=vendor-b ip=203.0.113.22 method=GET path=/api/contracts/{contract.pk}/",
        )
    ]


def test_a_url_that_matches_no_page_is_not_an_access_denial(client_for, office_user, caplog):
    caplog.set_level(logging.WARNING, logger=SECURITY_LOGGER)
    assert client_for(office_user).get("/no-such-page/").status_code == 404
    assert security_lines(caplog) == []


def test_the_public_complaint_pages_log_no_visitor(client, caplog):
    caplog.set_level(logging.WARNING, logger=SECURITY_LOGGER)
    # an unknown tracking code answers 404 and is not logged at all
    assert client.get("/complaints/track/ABCDEFGH/", REMOTE_ADDR="203.0.113.30").status_code == 404
    # a complaint posted without a valid CSRF token is refused and logged without address or tracking code
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/complaints/new/", {"description": "x"}, REMOTE_ADDR="203.0.113.30").status_code == 403
    assert security_lines(caplog) == [
        (logging.WARNING, "access denied: status=403 user=anonymous method=POST route=/complaints/new/")
    ]
    assert "203.0.113.30" not in caplog.text
