"""The tablet on a weak network (issue 24): the page carries the first screen only, a checklist's items come
from their own address (scoped by the page's rule, cached for good), and text responses are compressed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from inspections import views
from inspections.models import ChecklistTemplate, RectificationOrder
from inspections.services import templates as template_services
from inspections.tests.factories import assigned_contract, make_template
from logistics.models import ServiceCategory
from logistics.tests.factories import KeyPointFactory, ServiceCategoryFactory, SiteFactory
from logistics.views import catalog_url, catalog_version

pytestmark = pytest.mark.django_db

ITEMS_ZH = [
    {
        "code": "A1",
        "group": "",
        "text": "项目A1",
        "standard": "",
        "max_points": "10.00",
        "severity": "minor",
        "key_point": False,
        "photo_required": False,
    },
    {
        "code": "A2",
        "group": "",
        "text": "项目A2",
        "standard": "",
        "max_points": "20.00",
        "severity": "major",
        "key_point": False,
        "photo_required": False,
    },
    {
        "code": "A3",
        "group": "",
        "text": "项目A3",
        "standard": "",
        "max_points": "10.00",
        "severity": "serious",
        "key_point": False,
        "photo_required": True,
    },
]


def url_of(template: ChecklistTemplate, language: str = "zh-hans") -> str:
    template.refresh_from_db()
    return views.checklist_url(template, language)


def items_without_ids(response) -> list[dict]:
    return [{k: v for k, v in item.items() if k != "id"} for item in response.json()["items"]]


# --- the page -------------------------------------------------------------------------------------------------
def test_the_page_lists_the_checklists_without_their_items(client_for, inspector_user):
    # given a contract of the inspector's and its daily checklist
    contract = assigned_contract(inspector_user)
    template = make_template(category=contract.category)
    # when the tablet opens
    response = client_for(inspector_user).get("/inspect/")
    # then the checklist is listed by name, version and address, and none of its items is in the page
    edition = views.checklist_edition(template)
    assert response.context["bootstrap"]["templates"] == [
        {
            "id": template.pk,
            "family": template.family,
            "version": 1,
            "kind": "daily",
            "category": contract.category_id,
            "name": "检查表",
            "url": f"/inspect/checklists/{template.pk}/v1.{edition}.zh-hans.json",
        }
    ]
    html = response.content.decode()
    assert [text for text in ("项目A1", "项目A2", "项目A3", '"items":') if text in html] == []
    # and the JavaScript catalogue is named by its language and version, so the service worker keeps it
    assert f'<script src="/jsi18n/?lang=zh-hans&amp;v={catalog_version()}"></script>' in html


def _contracts_with_everything(inspector, count: int) -> None:
    """Contracts of the inspector, each in its own category with a daily and a weekly checklist, a site with
    two key points and an open rectification order."""
    for _ in range(count):
        category = ServiceCategoryFactory(code=f"category-{ServiceCategory.objects.count()}")
        contract = assigned_contract(inspector, category=category)
        site = SiteFactory()
        KeyPointFactory(site=site)
        KeyPointFactory(site=site)
        contract.sites.add(site)
        make_template(category=contract.category)
        make_template(category=contract.category, kind="weekly")
        RectificationOrder.objects.create(
            contract=contract,
            source="manual",
            description="垃圾桶满溢",
            severity="minor",
            issued_at=dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC),
            deadline=dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC),
            created_by=inspector,
        )


def test_the_pages_queries_are_as_many_for_20_contracts_as_for_5(client_for, inspector_user, count_queries):
    client = client_for(inspector_user)
    _contracts_with_everything(inspector_user, 5)
    small, response = count_queries(lambda: client.get("/inspect/"))
    assert (len(response.context["bootstrap"]["contracts"]), len(response.context["bootstrap"]["templates"])) == (5, 10)
    _contracts_with_everything(inspector_user, 15)
    large, response = count_queries(lambda: client.get("/inspect/"))
    assert (len(response.context["bootstrap"]["contracts"]), len(response.context["bootstrap"]["templates"])) == (
        20,
        40,
    )
    assert (small, large) == (13, 13)


# --- a checklist's address: who reads it --------------------------------------------------------------------
def test_an_inspector_reads_the_checklists_of_their_contracts_categories_only(client_for, inspector_user, make_user):
    # given the inspector's contract with a daily and a weekly checklist, a checklist of a category none of
    # their contracts has, another inspector's, a self-check checklist of their category and an old version
    mine = assigned_contract(inspector_user)
    daily = make_template(category=mine.category)
    weekly = make_template(category=mine.category, kind="weekly")
    self_check = make_template(category=mine.category, kind="self")
    elsewhere = make_template(category=ServiceCategoryFactory(code="security", name="安保服务"))
    canteen = ServiceCategoryFactory(code="canteen", name="餐饮服务")
    someone_elses = make_template(
        category=assigned_contract(make_user("inspector", username="x"), category=canteen).category
    )
    superseded = make_template(category=mine.category, kind="special")
    addresses = {name: url_of(t) for name, t in [("daily", daily), ("weekly", weekly), ("self", self_check)]}
    addresses |= {"elsewhere": url_of(elsewhere), "someone_elses": url_of(someone_elses)}
    addresses["superseded"] = url_of(superseded)
    template_services.template_new_version(template=superseded)
    # when the inspector asks for each
    client = client_for(inspector_user)
    statuses = {name: client.get(address).status_code for name, address in addresses.items()}
    # then only the current ones of their categories and kinds answer, as the page lists them
    assert statuses == {
        "daily": 200,
        "weekly": 200,
        "self": 404,
        "elsewhere": 404,
        "someone_elses": 404,
        "superseded": 404,
    }
    listed = {t["url"] for t in client.get("/inspect/").context["bootstrap"]["templates"]}
    assert listed == {
        addresses["daily"],
        addresses["weekly"],
        url_of(ChecklistTemplate.objects.get(based_on=superseded)),
    }


def test_vendor_staff_read_the_daily_checklist_of_their_own_contracts_and_others_are_refused(
    client_for, inspector_user, vendor_a, vendor_user, vendor_b_user, leader_user, make_user
):
    # given vendor A's contract with a daily and a weekly checklist (vendor B has no contract)
    contract = assigned_contract(inspector_user, vendor=vendor_a)
    daily, weekly = make_template(category=contract.category), make_template(category=contract.category, kind="weekly")
    addresses = {"daily": url_of(daily), "weekly": url_of(weekly)}
    # when each person asks for them
    people = {
        "vendor A": vendor_user,
        "vendor B": vendor_b_user,
        "leader": leader_user,
        "no role": make_user(None, username="employee"),
        "anonymous": None,
    }
    statuses = {
        who: {name: client_for(user).get(address).status_code for name, address in addresses.items()}
        for who, user in people.items()
    }
    # then vendor A's staff read the daily one (their self-check's), as their page lists it; vendor B's staff
    # are not offered it (404), as their page does not list it; the leader and a person without a role are
    # refused as the page refuses them; anonymous visitors are sent to log in
    assert statuses == {
        "vendor A": {"daily": 200, "weekly": 404},
        "vendor B": {"daily": 404, "weekly": 404},
        "leader": {"daily": 403, "weekly": 403},
        "no role": {"daily": 403, "weekly": 403},
        "anonymous": {"daily": 302, "weekly": 302},
    }
    assert [t["url"] for t in client_for(vendor_user).get("/inspect/").context["bootstrap"]["templates"]] == [
        addresses["daily"]
    ]
    assert client_for(vendor_b_user).get("/inspect/").context["bootstrap"]["templates"] == []
    assert client_for(None).get(addresses["daily"])["Location"].startswith("/accounts/login/?next=")


# --- a checklist's address: what it answers -----------------------------------------------------------------
def test_a_checklist_is_its_items_in_the_language_of_its_address_kept_for_good(client_for, inspector_user):
    contract = assigned_contract(inspector_user)
    template = make_template(category=contract.category)
    client = client_for(inspector_user)
    chinese = client.get(url_of(template))
    english = client.get(url_of(template, "en"))
    assert (chinese.status_code, english.status_code) == (200, 200)
    assert chinese["Content-Type"] == "application/json"
    assert chinese["Cache-Control"] == english["Cache-Control"] == "private, max-age=31536000, immutable"
    assert (chinese["Content-Language"], english["Content-Language"]) == ("zh-hans", "en")
    assert chinese.json()["id"] == template.pk and chinese.json()["version"] == 1
    assert items_without_ids(chinese) == ITEMS_ZH
    assert items_without_ids(english) == [{**item, "text": f"Item {item['code']}"} for item in ITEMS_ZH]
    assert [item["id"] for item in chinese.json()["items"]] == list(
        template.items.order_by("sort_order").values_list("pk", flat=True)
    )


def test_an_address_of_another_edition_version_or_language_is_not_found(client_for, inspector_user):
    # given a checklist nobody has submitted yet, whose address the tablet has
    contract = assigned_contract(inspector_user)
    template = make_template(category=contract.category)
    before = url_of(template)
    client = client_for(inspector_user)
    # when the office saves it again (its items may have changed in place)
    ChecklistTemplate.objects.filter(pk=template.pk).update(updated_at=template.updated_at + dt.timedelta(seconds=1))
    # then the old address is gone and the page gives the new one
    after = url_of(template)
    assert after != before
    assert (client.get(before).status_code, client.get(after).status_code) == (404, 200)
    assert [t["url"] for t in client.get("/inspect/").context["bootstrap"]["templates"]] == [after]
    # and an address with another version or a language the product does not speak is not found
    edition = views.checklist_edition(template)
    assert client.get(f"/inspect/checklists/{template.pk}/v2.{edition}.zh-hans.json").status_code == 404
    assert client.get(f"/inspect/checklists/{template.pk}/v1.{edition}.fr.json").status_code == 404
    # it is read, never written
    assert (client.head(after).status_code, client.post(after).status_code) == (200, 405)


# --- the JavaScript catalogue and the service worker ----------------------------------------------------------
def test_the_catalogue_at_its_versioned_address_is_in_its_language_and_kept_for_good(client):
    # given the tablet's address of the Chinese catalogue, asked for by a browser set to English
    client.cookies["django_language"] = "en"
    kept = client.get(catalog_url("zh-hans"))
    # then it is Chinese and kept for good
    assert kept["Cache-Control"] == "private, max-age=31536000, immutable"
    assert json.dumps("正在加载检查表…") in kept.content.decode()
    # the plain address (or an old version's) follows the browser's language and is not kept
    for address in ("/jsi18n/", f"/jsi18n/?lang=zh-hans&v=0{catalog_version()[1:]}"):
        plain = client.get(address)
        assert (plain.has_header("Cache-Control"), json.dumps("正在加载检查表…") in plain.content.decode()) == (
            False,
            False,
        )


def test_the_service_worker_keeps_the_assets_the_checklists_and_the_catalogue(client_for, inspector_user):
    response = Client().get("/inspect/sw.js")
    script = response.content.decode()
    assert (response["Cache-Control"], response["Service-Worker-Allowed"]) == ("no-cache", "/inspect/")
    assert 'const CHECKLIST_PREFIX = "/inspect/checklists/";' in script
    assert 'const CHECKLISTS = "inspect-checklists";' in script
    for asset in views.TABLET_ASSETS:
        assert f'"/static/{asset}"' in script
    assert f'"/static/img/favicon.svg", "/jsi18n/?lang=zh-hans&v={catalog_version()}"];' in script
