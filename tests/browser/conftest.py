"""Browser tests: Playwright for Python driving Debian's Chromium against Django's live server.

Every test here is marked ``browser`` (the root conftest skips them unless DATABASE_URL is PostgreSQL and
``chromium`` is on the PATH). Screenshots of each step go to ``artifacts/browser/<test>/`` (git-ignored);
with ``UPDATE_DOCS_SCREENSHOTS=1`` a few also go to ``docs/`` under stable names.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scoring.bench.tablet_network import CHROMIUM, CHROMIUM_ARGS  # one way to start Chromium

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
DOCS = ROOT / "docs"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
PASSWORD = "test-password-123"  # logistics.tests.factories.UserFactory
UPDATE_DOCS = os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1"


# --- Playwright and the browser -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the session. Playwright's sync API runs an event loop in this thread, so the ORM
    would refuse to run here: DJANGO_ALLOW_ASYNC_UNSAFE is set while it is up (and only then)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium")
    from playwright.sync_api import expect, sync_playwright

    # the live server renders PDFs in-process on a machine that may be busy: assertions wait up to 15 s
    expect.set_options(timeout=15_000)

    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: None, live_server: Any, settings: Any) -> None:
    """What the data migrations installed (roles, service categories, company and person certificate types, post
    roles, the default scheme and the beat schedules): an earlier transactional test's flush may have removed it. Static files come
    from the finders (the live server's handler), whatever STATIC_MANIFEST says: whitenoise's manifest
    storage would need a collectstatic first."""
    from django.apps import apps

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    roles = importlib.import_module("logistics.migrations.0002_role_groups_and_categories")
    roles.create_groups(apps, None)
    roles.create_categories(apps, None)
    importlib.import_module("logistics.migrations.0004_certificate_types").forwards(apps, None)
    importlib.import_module("logistics.migrations.0013_staff_certificate_types").create_person_types(apps)
    importlib.import_module("contracts.migrations.0018_post_roles_and_roster_exclusion").roles(apps, None)
    importlib.import_module("scoring.migrations.0002_default_scheme_and_schedules").forwards(apps, None)


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


class Shots:
    """Numbered screenshots of a test's steps; ``docs=`` also writes docs/screenshot-<name>.png when asked."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page: Any, name: str, *, docs: str | None = None, full_page: bool = False) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if docs and UPDATE_DOCS:
            shutil.copyfile(path, DOCS / f"screenshot-{docs}.png")
        return path


@pytest.fixture
def shot(artifacts: Path) -> Shots:
    return Shots(artifacts)


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(viewport=TABLET, touch=True, bypass_csp=False)``: a page in a fresh context (own cookies,
    storage and service workers) on the live server."""
    contexts = []

    def make(viewport: dict[str, int] = TABLET, touch: bool = True, bypass_csp: bool = False) -> Any:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            has_touch=touch,
            bypass_csp=bypass_csp,
            accept_downloads=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        # JavaScript errors and console errors (a CSP refusal, a failed load) of the page, checked by the
        # tests; loads refused while the test has put the browser offline are expected
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and "ERR_INTERNET_DISCONNECTED" not in msg.text
                and page.errors.append(f"console: {msg.text} ({msg.location.get('url', '')})")
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


def login(page: Any, username: str, next_url: str = "/") -> None:
    """Log in through the login page, by touch."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.stack button[type=submit]").tap()
    page.wait_for_url(re.compile(re.escape(next_url) + r"($|\?)"))


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.2) -> Any:
    """Poll ``predicate`` (e.g. a database query) until it is truthy; return its value or fail."""
    from tests.faults import wait_for

    return wait_for(predicate, timeout, step=interval, what=str(predicate))


# --- accessibility --------------------------------------------------------------------------------------
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_run(page: Any, tags: list[str] | None = None) -> dict[str, Any]:
    """Run axe-core (vendored, tests/browser/vendor/axe.min.js) on the page. The script is evaluated through DevTools,
    which the page's CSP (script-src 'self') does not apply to."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags or AXE_TAGS
    )


def axe_violations(page: Any, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """axe's violations on the page, simplified, and the rules that could not decide ("incomplete", e.g. a
    contrast axe cannot compute) reported as problems too: each check must have run."""
    result = axe_run(page, tags)
    passed = {rule["id"] for rule in result["passes"]}
    assert {"color-contrast", "html-has-lang", "document-title"} <= passed, sorted(passed)
    problems = result["violations"] + [r for r in result["incomplete"] if r["id"] in ("color-contrast", "label")]
    return [
        {
            "id": v["id"],
            "impact": v.get("impact"),
            "help": v["help"],
            "nodes": [{"target": n["target"], "summary": n.get("failureSummary", "")} for n in v["nodes"]],
        }
        for v in problems
    ]


# --- files ----------------------------------------------------------------------------------------------
def photo_with_gps(path: Path, width: int = 800, height: int = 600, color: str = "#2f6f4f") -> Path:
    """A real JPEG carrying EXIF (camera make and a GPS position), as a phone would send it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 80):
        draw.rectangle([x, height // 3, x + 40, height // 3 + 120], fill="#d9c36a")
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    path.write_bytes(out.getvalue())
    with Image.open(path) as check:
        assert check.getexif().get_ifd(0x8825), "the test photo must carry GPS"
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_page_png(pdf: Path, out_stem: Path, page: int = 1, dpi: int = 60) -> Path:
    """Render one page of a PDF to PNG with pdftoppm."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(out_stem)],
        check=True,
    )
    return out_stem.with_suffix(".png")


# --- data builders --------------------------------------------------------------------------------------
@dataclass
class Institution:
    """A small institution: one cleaning contract with its sites, its checklist and its people."""

    contract: Any
    template: Any
    site: Any
    key_point: Any
    category: Any
    inspector: Any
    vendor_user: Any
    office: Any
    leader: Any


@pytest.fixture
def institution(_reference_data: None) -> Institution:
    from contracts.tests.factories import ContractFactory
    from inspections.demo_templates import items_for
    from inspections.services.templates import template_save
    from logistics.demo_seed import seed_reference
    from logistics.models import ServiceCategory
    from logistics.quarters import today as local_today
    from logistics.tests.factories import UserFactory, VendorFactory

    reference = seed_reference()
    category = ServiceCategory.objects.get(code="cleaning")
    site = reference["sites"]["main-1f"]
    key_point = reference["key_points"]["toilet-1f"]
    vendor = VendorFactory(legal_name="北京洁净物业服务有限公司")
    vendor.categories.add(category)
    contract = ContractFactory(
        number="HT-2026-BJ-001",
        vendor=vendor,
        category=category,
        start_date=dt.date(local_today().year - 1, 1, 1),
        end_date=dt.date(local_today().year + 1, 12, 31),
        annual_fee=Decimal("480000.00"),
    )
    contract.sites.add(site)
    name, name_en, items = items_for("cleaning", "daily")
    template = template_save(
        family="cleaning-daily", category=category, kind="daily", name=name, name_en=name_en, items=items
    )
    inspector = UserFactory(role="inspector", username="inspector1", first_name="伟", last_name="张")
    contract.inspectors.add(inspector)
    return Institution(
        contract=contract,
        template=template,
        site=site,
        key_point=key_point,
        category=category,
        inspector=inspector,
        vendor_user=UserFactory(role="vendor", username="vendor1", vendor=vendor, first_name="敏", last_name="李"),
        office=UserFactory(role="office", username="office1", is_staff=True, first_name="静", last_name="陈"),
        leader=UserFactory(role="leader", username="leader1", first_name="强", last_name="王"),
    )


def fits(page) -> None:
    """The page, once loaded, is no wider than its screen (no sideways scrolling on a phone)."""
    page.wait_for_load_state("load")
    scroll, width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen"
