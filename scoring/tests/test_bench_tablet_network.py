"""The benchmark's tablet on a weak network: its large inspector (made and removed by the bench) and its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from contracts.models import Contract
from inspections.models import ChecklistItem, ChecklistTemplate
from logistics.models import KeyPoint, ServiceCategory, Site, Vendor
from logistics.quarters import Quarter
from scoring.bench import generate
from scoring.tests.test_bench import WEB

pytestmark = pytest.mark.django_db


def test_the_tablet_inspector_has_20_contracts_and_5_checklists_of_40_items_and_goes_away():
    # given a database as the benchmark leaves it (no tablet inspector)
    quarter = Quarter.parse("2026Q3")
    before = (Contract.objects.count(), ChecklistTemplate.objects.count(), Site.objects.count())
    # when the web part makes the large inspector (twice: a crashed run's leftovers are replaced)
    generate.tablet_inspector(quarter)
    user = generate.tablet_inspector(quarter)
    # then it has 20 contracts of its own category, starting after the quarter, each with two sites
    contracts = Contract.objects.filter(inspectors=user)
    assert contracts.count() == 20 and generate.foreign_data() == []
    assert {c.category.code for c in contracts} == {"bench-tablet"}
    assert {c.start_date for c in contracts} == {dt.date(2026, 10, 1)}
    assert {c.sites.count() for c in contracts} == {2}
    # and its tablet lists 5 checklists of 40 items (the monthly joint one ends with its two signatures)
    client = Client()
    client.force_login(user)
    data = client.get("/inspect/").context["bootstrap"]
    assert len(data["contracts"]) == 20
    assert sorted(t["kind"] for t in data["templates"]) == ["daily", "daily", "monthly_joint", "special", "weekly"]
    counts = {t["id"]: ChecklistItem.objects.filter(template_id=t["id"]).count() for t in data["templates"]}
    assert sorted(counts.values()) == [40] * 5
    joint = next(t for t in data["templates"] if t["kind"] == "monthly_joint")
    assert [i["answer"] for i in client.get(joint["url"]).json()["items"][-2:]] == ["signature", "signature"]
    # when the step is over, everything it made is gone
    generate.drop_tablet_inspector()
    assert (Contract.objects.count(), ChecklistTemplate.objects.count(), Site.objects.count()) == before
    assert not ServiceCategory.objects.filter(code="bench-tablet").exists()
    assert not Vendor.objects.filter(legal_name__startswith="BENCH-").exists()
    assert not KeyPoint.objects.filter(site__code__startswith="bench-tablet-").exists()


def test_the_web_rows_show_the_tablet_on_a_weak_network_with_its_targets():
    from scoring.management.commands.bench import web_rows

    web = {
        **WEB,
        "workers": 2,
        "tablet_network": {
            key: {
                "cold": {"bytes": size, "requests": 8, "ready_ms": 512.4},
                "repeat": {"bytes": 4675, "requests": 1, "ready_ms": 252.0, "assets_from_network": 0},
            }
            for key, size in (("contracts_5", 29525), ("contracts_20", 29613))
        },
    }
    rows = web_rows(web, 300)
    assert rows[3:7] == [
        (
            "tablet on a weak network, cold",
            "5 contracts",
            "29.5 KB in 8 requests, ready 0.51 s",
            "<= 40 KB, ready <= 0.8 s",
            "met",
        ),
        (
            "  repeat load",
            "5 contracts",
            "0 assets from the network (1 request, 4.7 KB), ready 0.25 s",
            "repeat: 0 assets",
            "met",
        ),
        (
            "tablet on a weak network, cold",
            "20 contracts, 5 x 40 items",
            "29.6 KB in 8 requests, ready 0.51 s",
            "<= 40 KB, ready <= 0.8 s",
            "met",
        ),
        (
            "  repeat load",
            "20 contracts, 5 x 40 items",
            "0 assets from the network (1 request, 4.7 KB), ready 0.25 s",
            "repeat: 0 assets",
            "met",
        ),
    ]
    assert rows[-1][0] == "quarter overview"
    # a run without Playwright or Chromium has no such rows
    assert len(web_rows({**web, "tablet_network": None}, 300)) == 4
