"""Every signed-in page of every role, on a phone (390x844), in Chinese and in English: it fits the screen and
speaks the reader's language.

The demo institution is loaded (its lists, evaluations and contracts are the widest real pages); each role
signs in on a phone, and the pages reachable from its menu and from those pages (links of the product, GET,
two levels) are opened in both languages. A page fails when
- its document is wider than the viewport (the elements that stick out are named);
- in English, it shows Han characters that are not the institution's own data (names, vendors, places,
  descriptions: any text stored in the database, unless it is one of the product's own Chinese sentences,
  which would mean a system message was stored in words instead of as a code);
- in Chinese, it shows an English word that is neither data (user names, English names, addresses) nor
  on the short allowlist of codes and product names;
- (the first pages of each role, in Chinese) axe-core finds a WCAG 2 A/AA violation or cannot decide a
  contrast or a label.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import polib
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from tests.browser.conftest import PHONE, axe_run

pytestmark = pytest.mark.browser

ROLES = ("office", "inspector", "vendor", "leader", "finance")
MAX_PAGES = 40  # per role and language: the menu's pages and the pages they link to
AXE_PAGES = 25  # per role, in Chinese: axe-core's WCAG 2 A/AA checks (about a second a page)
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


# English words a Chinese page may show: file formats, codes with their words beside them (D · 日常检查),
# product and standard names
ENGLISH_ALLOWED = {
    "JPEG",
    "PNG",
    "WebP",
    "HEIC",
    "PDF",
    "CSV",
    "Excel",
    "API",
    "QR",
    "URL",
    "SELF",
    "ID",
    "GB",
    "WeCom",
    "DingTalk",
    "Feishu",
    "PUBLIC_BASE_URL",
    "SEC",
    "ISO",
    "Control",
    "Command",
    "Mac",
}
# admin pages left out of the Chinese check, and why: celery-beat's schedules (its "Task Name" filter and the
# crontab descriptions of cron-descriptor are English in the library, README "Words, phones and paper"); axes'
# objects ("Access Log for ..." titles); a scheme's grade bands, edited as JSON (their keys are the format)
ADMIN_SKIPPED = ("/admin/django_celery_beat/", "/admin/axes/accesslog/", "/admin/scoring/evaluationscheme/")
HAN = re.compile(r"[\u3400-\u9fff]+")
ENGLISH = re.compile(r"(?<![\w@./:#-])[A-Za-z][A-Za-z_]{2,}(?![\w@./:#-])")

TEXTS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || parent.closest('script, style, code, noscript, svg, [lang]:not(html)')) continue;
    const style = getComputedStyle(parent);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label]')) {
    for (const name of ['placeholder', 'aria-label']) { const v = el.getAttribute(name); if (v) out.push(v); }
  }
  return out;
}"""


def json_strings(value) -> list[str]:
    """The strings inside stored JSON (values only: keys are the format, not data)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in json_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in json_strings(item)]
    return []


def institution_data() -> str:
    """Every text the database holds (the institution's data), except the product's own Chinese sentences."""
    catalogue = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    ours = {entry.msgstr.strip() for entry in polib.pofile(str(catalogue)) if entry.msgstr}
    texts = []
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields or model._meta.app_label in {"sessions", "admin", "axes", "django_celery_beat"}:
            continue
        for row in model._default_manager.values_list(*fields).iterator(chunk_size=5000):
            for value in row:
                for text in json_strings(value):
                    if text and text.strip() not in ours:
                        texts.append(text)
    # people's names are shown whole (family name first: 张伟), not as stored (two fields)
    texts += [user.get_full_name() for user in apps.get_model("logistics", "User").objects.all()]
    return "\n".join(texts)


@pytest.fixture
def demo(_reference_data):
    call_command("seed_demo", verbosity=0)
    return institution_data()


SCROLLED_OUT = """(selector) => {
  const el = document.querySelector(selector), nav = el && el.closest('.mainnav ul');
  if (!nav) return false;
  const box = el.getBoundingClientRect(), area = nav.getBoundingClientRect();
  return box.right > area.right || box.left < area.left;
}"""


def barriers_on(page) -> list[str]:
    """axe-core's WCAG 2 A/AA violations, and the contrasts and labels it could not decide; a menu link
    scrolled out of the phone's menu strip is not decidable there (axe sees it "obscured") and is checked by
    the links in view, which have the same colours."""
    result = axe_run(page)
    assert {"color-contrast", "html-has-lang", "document-title"} <= {rule["id"] for rule in result["passes"]}
    problems = list(result["violations"])
    for rule in result["incomplete"]:
        if rule["id"] not in ("color-contrast", "label"):
            continue
        nodes = [n for n in rule["nodes"] if not page.evaluate(SCROLLED_OUT, " ".join(n["target"]))]
        if nodes:
            problems.append({**rule, "nodes": nodes})
    return [
        f"{rule['id']} ({rule.get('impact')}) " + "; ".join(" ".join(n["target"]) for n in rule["nodes"][:3])
        for rule in problems
    ]


def words_out_of_language(texts: list[str], language: str, data: str) -> set[str]:
    if language == "en":
        return {run for text in texts for run in HAN.findall(text) if run not in data}
    return {
        word for text in texts for word in ENGLISH.findall(text) if word not in ENGLISH_ALLOWED and word not in data
    }


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


def visit(page, role: str, language: str, shot, data: str) -> tuple[set[str], list[str], list[str], list[str]]:
    queue, seen, too_wide, wrong_words, inaccessible = ["/"], set(), [], [], []
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
        if language == "zh-hans" and len(seen) <= AXE_PAGES:
            inaccessible += [f"{path}: {line}" for line in barriers_on(page)]
        words = words_out_of_language(page.evaluate(TEXTS), language, data)
        if words:
            wrong_words.append(f"{path}: {', '.join(sorted(words)[:8])}")
        if path.count("/") <= 4:  # two levels: the menu's pages and what they link to
            queue += [link for link in links(page) if link not in seen]
    return seen, too_wide, wrong_words, inaccessible


def admin_pages(page) -> list[str]:
    """The admin's home, every list it links to and the first object of each."""
    page.goto("/admin/")
    lists = page.eval_on_selector_all("#content-main a[href]", "els => els.map(e => e.getAttribute('href'))")
    pages = ["/admin/"]
    for path in dict.fromkeys(lists):
        if not path.startswith("/admin/") or path.count("/") != 4 or path.endswith("/add/"):
            continue
        if path.startswith(ADMIN_SKIPPED):
            continue
        pages.append(path)
        page.goto(path)
        first = page.eval_on_selector_all(
            "#result_list tbody tr a[href]", "els => els.map(e => e.getAttribute('href'))"
        )
        if first and first[0].startswith(path):
            pages.append(first[0])
    return pages


def test_every_signed_in_page_fits_a_phone_and_speaks_the_readers_language(demo, new_page, shot, live_server):
    """One demo institution (seeding takes a minute), every role, both languages."""
    failures, wrong, barriers, visited = [], [], [], {}
    for language in ("zh-hans", "en"):
        for role in ROLES:
            page = new_page(viewport=PHONE)
            page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            demo_login(page, role)
            seen, too_wide, wrong_words, inaccessible = visit(page, role, language, shot, demo)
            visited[(role, language)] = len(seen)
            failures += [f"{role} ({language}) {line}" for line in too_wide]
            wrong += [f"{role} ({language}) {line}" for line in wrong_words]
            barriers += [f"{role} {line}" for line in inaccessible]
            page.context.close()
    # the office's admin, in Chinese (at a desktop width: the admin is the office's desk tool)
    page = new_page(viewport={"width": 1280, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    demo_login(page, "office")
    admin = admin_pages(page)
    data = institution_data()  # again: the logins of this test are data of the admin's login records
    for path in admin:
        page.goto(path)
        words = words_out_of_language(page.evaluate(TEXTS), "zh-hans", data)
        if words:
            wrong.append(f"office (zh-hans) {path}: {', '.join(sorted(words)[:8])}")
    visited[("office", "admin")] = len(admin)
    assert all(count >= 5 for count in visited.values()), visited
    assert failures == [], "pages wider than a 390 px phone:\n" + "\n".join(failures)
    assert wrong == [], "words in the other language:\n" + "\n".join(wrong)
    assert barriers == [], "axe-core (WCAG 2 A/AA) on signed-in pages:\n" + "\n".join(barriers)
