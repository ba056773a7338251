"""The inspector's day on a phone and a tablet: the form opens on today's rounds, one is done offline and shows
done once the network is back; a round whose window has passed shows missed after the rounds job."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, login, wait_until

pytestmark = pytest.mark.browser


def test_the_inspector_opens_on_todays_rounds_and_does_one_offline(new_page, institution, shot):
    from inspections.choices import PlanFrequency, RoundStatus
    from inspections.models import Round
    from inspections.services import plans
    from logistics.quarters import today as local_today

    today = local_today()
    common = {
        "contract": institution.contract,
        "kind": "daily",
        "frequency": PlanFrequency.EVERY_DAY,
        "site": institution.site,
        "effective_from": today,
    }
    open_all_day = plans.plan_create(
        by=institution.office,
        inspectors=[institution.inspector],
        window_start=dt.time(0, 0),
        window_end=dt.time(23, 59),
        **common,
    )
    passed = plans.plan_create(  # its window passed a minute after midnight
        by=institution.office,
        inspectors=[institution.inspector],
        window_start=dt.time(0, 0),
        window_end=dt.time(0, 1),
        **{**common, "site": None},
    )
    report = plans.rounds_tick()
    assert report["rounds_missed"] == 1
    due = Round.objects.get(plan=open_all_day, due_on=today)
    missed = Round.objects.get(plan=passed, due_on=today)
    assert (due.status, missed.status) == (RoundStatus.DUE, RoundStatus.MISSED)

    # --- on the phone: today's rounds first, the missed one marked
    page = new_page(PHONE, touch=True)
    context = page.context
    login(page, "inspector1", "/inspect/")
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)")
    rounds = page.locator("#rounds-today li")
    expect(rounds).to_have_count(2)
    expect(page.locator(f"li[data-round='{missed.pk}']")).to_contain_text("漏检")
    expect(page.locator(f"li[data-round='{due.pk}']")).to_contain_text("待检查")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "phone-todays-rounds", full_page=True)

    # one tap: the form opens with the contract, checklist and site filled in
    page.locator(f"li[data-round='{due.pk}'] button").tap()
    expect(page.locator("#screen-form")).to_be_visible()
    expect(page.locator("#form-subtitle")).to_contain_text(institution.contract.number)
    expect(page.locator("#form-subtitle")).to_contain_text(str(institution.site))
    for item in institution.template.items.order_by("sort_order"):
        button = page.locator(f"#item-{item.code} .result-pass")
        button.tap()
        expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#running-score")).to_have_text("100.00")

    # --- offline in the basement: submitted, queued, and the round says so
    context.set_offline(True)
    expect(page.locator("#net-status.is-offline")).to_be_visible()
    page.locator("#btn-submit").tap()
    expect(page.locator("#done-title")).to_have_text("已排队")
    page.locator("#btn-rounds").tap()
    expect(page.locator(f"li[data-round='{due.pk}']")).to_contain_text("已完成，待联网发送")
    shot(page, "phone-round-queued", full_page=True)

    # --- the network is back: sent once, the round done on the server and on the screen
    context.set_offline(False)
    row = wait_until(lambda: Round.objects.filter(pk=due.pk, status=RoundStatus.DONE).first(), timeout=40)
    reference = row.inspection.reference
    expect(page.locator(f"li[data-round='{due.pk}']")).to_contain_text(f"已完成：{reference}", timeout=30_000)
    assert Round.objects.get(pk=missed.pk).status == RoundStatus.MISSED  # the other round stays missed
    shot(page, "phone-round-done", full_page=True)

    # --- on the tablet, a fresh load: the server's word on both rounds
    tablet = new_page(TABLET, touch=True)
    login(tablet, "inspector1", "/inspect/")
    expect(tablet.locator(f"li[data-round='{due.pk}']")).to_contain_text(reference)
    expect(tablet.locator(f"li[data-round='{missed.pk}']")).to_contain_text("漏检")
    assert tablet.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    shot(tablet, "tablet-todays-rounds", full_page=True)
    assert not page.errors and not tablet.errors, page.errors + tablet.errors
