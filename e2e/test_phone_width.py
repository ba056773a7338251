"""Every signed-in page of every role fits a phone (390x844): the document is never wider than the screen.

The demo institution is loaded (its lists, evaluations and contracts are the widest real pages); each role
signs in on a phone, and the pages reachable from its menu and from those pages (links of the product, GET,
two levels) are opened in Chinese and in English. A page whose document is wider than the viewport fails,
with the elements that stick out named.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.core.management import call_command

from e2e.conftest import PHONE

pytestmark = pytest.mark.browser

ROLES = ("office", "inspector", "vendor", "leader")
MAX_PAGES = 40  # per role and language: the menu's pages and the pages they link to
SKIP = (
    "/admin/",
    "/api/",
    "/files/",
    "/accounts/logout",
    "/i18n/",
    "/static/",
    "/media/",
    "/report",
    ".pdf",
    ".csv",
    ".xlsx",
)

WIDTH = """() => {
  const width = window.innerWidth;
  const over = [];
  const name = (el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '');
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && getComputedStyle(el).position !== 'fixed') {
      // only the outermost element that sticks out, not everything inside it
      if (!over.some(o => o.el.contains(el))) over.push({el, text: name(el) + ' ' + Math.round(box.right)});
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, over: over.slice(0, 5).map(o => o.text)};
}"""


@pytest.fixture
def demo(_reference_data):
    call_command("seed_demo", verbosity=0)


def links(page) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href], nav a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        url = urlparse(href)
        if url.scheme or url.netloc or not url.path.startswith("/") or any(s in url.path for s in SKIP):
            continue
        out.append(url.path + (f"?{url.query}" if url.query else ""))
    return out


def demo_login(page, username: str) -> None:
    from logistics.demo import DEMO_USERS

    password = next(u["password"] for u in DEMO_USERS if u["username"] == username)
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form.stack button[type=submit]").tap()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def widest_pages(page, role: str, language: str, shot) -> tuple[set[str], list[str]]:
    queue, seen, too_wide = ["/"], set(), []
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        measured = page.evaluate(WIDTH)
        if measured["scroll"] > measured["width"]:
            too_wide.append(f"{path}: {measured['scroll']} px > {measured['width']} ({'; '.join(measured['over'])})")
            shot(page, f"{role}-{language}-too-wide-{len(too_wide)}", full_page=True)
        if path.count("/") <= 4:  # two levels: the menu's pages and what they link to
            queue += [link for link in links(page) if link not in seen]
    return seen, too_wide


def test_no_signed_in_page_is_wider_than_a_phone(demo, new_page, shot, live_server):
    """One demo institution (seeding takes a minute), every role, both languages."""
    failures, visited = [], {}
    for language in ("zh-hans", "en"):
        for role in ROLES:
            page = new_page(viewport=PHONE)
            page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            demo_login(page, role)
            seen, too_wide = widest_pages(page, role, language, shot)
            visited[(role, language)] = len(seen)
            failures += [f"{role} ({language}) {line}" for line in too_wide]
            page.context.close()
    assert all(count >= 5 for count in visited.values()), visited
    assert failures == [], "pages wider than a 390 px phone:\n" + "\n".join(failures)
