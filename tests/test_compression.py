"""Compression (issue 24, the tablet on a weak network): pages and JSON are gzipped for a browser that accepts it
(logistics.middleware.TextGZipMiddleware, Django's GZipMiddleware with its BREACH mitigation); images are not."""

from __future__ import annotations

import gzip
import json

import pytest

from inspections import views
from inspections.services import inspections as svc
from inspections.tests.factories import assigned_contract, make_template
from inspections.tests.test_inspections import data_for, photo_upload

pytestmark = pytest.mark.django_db


def url_of(template) -> str:
    template.refresh_from_db()
    return views.checklist_url(template, "zh-hans")


def test_pages_and_checklists_are_sent_gzipped_to_a_browser_that_accepts_it(client_for, inspector_user):
    contract = assigned_contract(inspector_user)
    template = make_template(category=contract.category)
    client = client_for(inspector_user)
    # the page
    plain = client.get("/inspect/")
    packed = client.get("/inspect/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert (plain.has_header("Content-Encoding"), packed["Content-Encoding"]) == (False, "gzip")
    assert "Accept-Encoding" in [v.strip() for v in packed["Vary"].split(",")]
    html = gzip.decompress(packed.content).decode()
    assert contract.number in html and html.startswith("<!DOCTYPE html>")
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
    # a checklist
    address = url_of(template)
    packed = client.get(address, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.content)) == client.get(address).json()
    # an old browser that does not accept it gets the page as it is
    assert client.get("/inspect/", HTTP_ACCEPT_ENCODING="identity").has_header("Content-Encoding") is False


def test_photos_are_not_gzipped(client_for, inspector_user):
    # an image is compressed already: gzip would spend the CPU for nothing
    contract = assigned_contract(inspector_user)
    template = make_template(category=contract.category)
    data = data_for(contract, template, A1="fail")
    svc.inspection_sync(user=inspector_user, data=data)
    photo = svc.inspection_photo_add(user=inspector_user, key=data["key"], item_code="A1", upload=photo_upload())
    response = client_for(inspector_user).get(f"/files/inspection-photo/{photo.pk}/", HTTP_ACCEPT_ENCODING="gzip")
    assert (response.status_code, response["Content-Type"], response.has_header("Content-Encoding")) == (
        200,
        "image/png",
        False,
    )
