"""The tablet in a basement (issue 24): the page carries no checklist items; after the first screen the tablet
keeps every checklist of the inspector's contracts, so once it has been online a checklist opens without network
and a draft saved offline reopens with it. A checklist it never kept says so in the user's language. And the
form itself, at a tablet's and a phone's width in both languages: no page is wider than its screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, login

pytestmark = pytest.mark.browser

READY = "() => !!document.querySelector('#inspect-app[data-ready][data-prefetched]')"
CONTROLLED = "() => !!navigator.serviceWorker.controller"


def checklist_kept(page, url: str) -> bool:
    return page.evaluate("async (url) => !!(await caches.match(url, { ignoreVary: true }))", url)


def test_a_checklist_kept_once_opens_offline_and_its_draft_reopens(new_page, institution, shot):
    from inspections.views import checklist_url

    url = checklist_url(institution.template, "zh-hans")
    page = new_page(TABLET, touch=True)
    context = page.context
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    # --- online once: the first screen, then the checklists in the background
    login(page, "inspector1", "/inspect/")
    page.wait_for_function(READY)
    page.wait_for_function(CONTROLLED)
    assert [u for u in requests if "/inspect/checklists/" in u] == [page.url.split("/inspect/")[0] + url]
    assert checklist_kept(page, url) is True
    assert "C01" not in page.content()  # the items are not in the page

    # --- the network goes; the tablet is reloaded in the basement
    context.set_offline(True)
    page.reload()
    page.wait_for_function("() => !!document.querySelector('#inspect-app[data-ready]')")
    expect(page.locator("#net-status.is-offline")).to_have_text("网络已断开：您填写的内容已保存在本设备上。")
    page.select_option("#f-kind", "daily")
    page.select_option("#f-contract", str(institution.contract.pk))
    page.locator("#btn-start").tap()
    expect(page.locator("#screen-form")).to_be_visible()
    expect(page.locator("#items .check-item")).to_have_count(11)
    page.locator("#item-C01 .result-pass").tap()
    page.locator("#item-C02 .result-fail").tap()
    page.locator("#item-C02-note").fill("地面有积水")
    expect(page.locator("#running-score")).to_have_text("50.00")
    shot(page, "offline-form")

    # --- saved as a draft; the tablet reloaded again, still offline: the draft reopens with its checklist
    page.locator("#btn-back").tap()
    expect(page.locator("#local-drafts button")).to_have_count(1)
    page.reload()
    page.wait_for_function("() => !!document.querySelector('#inspect-app[data-ready]')")
    page.locator("#local-drafts button").first.tap()
    expect(page.locator("#screen-form")).to_be_visible()
    expect(page.locator("#item-C01 .result-pass")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#item-C02 .result-fail")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#item-C02-note")).to_have_value("地面有积水")
    expect(page.locator("#running-score")).to_have_text("50.00")
    shot(page, "offline-draft-reopened")

    # --- a checklist the tablet never kept: the form says so, and no draft is made
    page.locator("#btn-back").tap()
    page.evaluate("async (url) => (await caches.open('inspect-checklists')).delete(url)", url)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.clearBrowserCache")  # nor in the browser's HTTP cache
    cdp.detach()
    context.set_offline(True)  # (again: DevTools' new session reset it)
    page.reload()
    page.wait_for_function("() => !!document.querySelector('#inspect-app[data-ready]')")
    expect(page.locator("#net-status.is-offline")).to_be_visible()
    page.select_option("#f-kind", "daily")
    page.locator("#btn-start").tap()
    expect(page.locator("#checklist-status")).to_have_text(
        "本平板上还没有这份检查表，当前也没有网络。请先联网一次再打开：之后平板会保存您所负责合同的检查表，没有网络也能使用。"
    )
    expect(page.locator("#screen-form")).to_be_hidden()
    expect(page.locator("#local-drafts button")).to_have_count(1)
    shot(page, "offline-checklist-missing")

    # --- the network is back: the same tap opens it
    context.set_offline(False)
    page.locator("#btn-start").tap()
    expect(page.locator("#screen-form")).to_be_visible()
    expect(page.locator("#checklist-status")).to_be_hidden()
    # the offline fetch of the missing checklist is the only error the page saw
    assert [e for e in page.errors if "checklists" not in e] == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("size", ["tablet", "phone"])
def test_the_form_fits_the_screen(new_page, live_server, institution, shot, language, size):
    page = new_page(TABLET if size == "tablet" else PHONE, touch=True)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    login(page, "inspector1", "/inspect/")
    page.wait_for_function(READY)
    expect(page.locator("html")).to_have_attribute("lang", "en" if language == "en" else "zh-CN")
    fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits)
    shot(page, f"start-{size}-{language}", full_page=True)
    page.select_option("#f-contract", str(institution.contract.pk))
    page.select_option("#f-site", str(institution.site.pk))
    page.locator(f"label[for=kp-{institution.key_point.pk}]").tap()
    page.locator("#btn-start").tap()
    expect(page.locator("#screen-form")).to_be_visible()
    page.locator("#item-C01 .result-pass").tap()
    page.locator("#item-C03 .result-partial").tap()
    page.locator("#item-C03-points").fill("3")
    page.locator("#item-C07 .result-fail").tap()
    assert page.evaluate(fits)
    page.evaluate("() => window.scrollTo(0, 0)")
    shot(page, f"form-{size}-{language}")
    shot(page, f"form-{size}-{language}-full", full_page=True)
    assert page.errors == []
