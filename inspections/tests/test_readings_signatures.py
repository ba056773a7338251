"""Checklist items that ask for a reading in an allowed range or a signature drawn on the tablet."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import translation
from PIL import Image

from conftest import assert_locked, assert_rows_locked, assert_sql_refused, make_signature_png
from inspections import calculations, excel
from inspections.models import ChecklistItem, Inspection, InspectionSignature, RectificationOrder
from inspections.services import inspections as svc
from inspections.tests.factories import assigned_contract, make_template, submission_refused, tablet_data
from logistics.models import ServiceCategory

pytestmark = pytest.mark.django_db
D = Decimal


def signature_upload(data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile("sig.png", data or make_signature_png(), content_type="image/png")


def add_items(template, *items):
    for index, fields in enumerate(items, start=10):
        item = ChecklistItem(template=template, sort_order=index, **fields)
        item.full_clean()
        item.save()


@pytest.fixture
def setup(inspector_user, vendor_a):
    """A checklist with a judged item, a fridge reading 0-8 °C, a pressure reading >= 0.1 MPa and two
    signatures (the inspector's and the vendor representative's), for a contract of vendor A."""
    contract = assigned_contract(inspector_user, vendor=vendor_a)
    template = make_template(category=contract.category, items=[("A1", "10", "minor", False)])
    add_items(
        template,
        {"code": "T1", "text": "冷藏柜温度", "text_en": "Fridge temperature", "max_points": D(10), "severity": "major",
         "answer_type": "reading", "unit": "°C", "min_value": D(0), "max_value": D(8)},
        {"code": "P1", "text": "消火栓静压", "max_points": D(10), "answer_type": "reading", "unit": "MPa",
         "min_value": D("0.1")},
        {"code": "S1", "text": "检查人签字", "answer_type": "signature", "signer": "inspector"},
        {"code": "S2", "text": "供应商代表签字", "answer_type": "signature", "signer": "vendor"},
    )  # fmt: skip
    return contract, template


def payload(contract, template, key, **answers):
    return tablet_data(contract, template, answers, key)


def every_item(contract, template, key, fridge, pressure):
    """The tablet's answers to every item: A1 passed, the fridge (T1) and pressure (P1) readings as given, both
    signature items answered."""
    answers = {
        "A1": {"result": "pass"},
        "T1": fridge,
        "P1": pressure,
        "S1": {"result": "pass"},
        "S2": {"result": "pass"},
    }
    return payload(contract, template, key, **answers)


def sign(user, key, code="S1", name="张伟", client_id=""):
    return svc.inspection_signature_add(
        user=user, key=key, item_code=code, upload=signature_upload(), signer_name=name, client_id=client_id
    )


def submit_signed(user, key, data):
    """``data`` synced, signed by 张伟 (S1, the inspector) and 李敏 (S2, the vendor's representative), and
    submitted: the inspection and the inspector's signature."""
    svc.inspection_sync(user=user, data=data)
    signature = sign(user, key, "S1", "张伟")
    sign(user, key, "S2", "李敏")
    inspection, _created = svc.inspection_submit(user=user, data=data)
    return inspection, signature


# --- the pure rules --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [
        ("0", "0", "8", "pass"),  # the ends are allowed
        ("8", "0", "8", "pass"),
        ("8.001", "0", "8", "fail"),
        ("-0.5", "0", "8", "fail"),
        ("0.1", "0.1", None, "pass"),  # one-sided: at least 0.1 MPa
        ("0.09", "0.1", None, "fail"),
        ("55", None, "50", "fail"),  # at most 50 dB
    ],
)
def test_a_reading_passes_inside_its_range_ends_included(value, low, high, expected):
    def as_decimal(v):
        return None if v is None else D(v)

    assert calculations.reading_result(D(value), as_decimal(low), as_decimal(high)) == expected


def test_ranges_and_readings_are_written_as_people_write_them():
    assert calculations.reading_range(D("0.000"), D("8.000"), "°C") == "0–8 °C"
    assert calculations.reading_range(D("0.100"), None, "MPa") == "≥ 0.1 MPa"
    assert calculations.reading_range(None, D("50"), "dB") == "≤ 50 dB"
    assert [calculations.plain_number(D(v)) for v in ("1E+2", "12.500", "-0.000")] == ["100", "12.5", "0"]


# --- the office defines the items ------------------------------------------------------------------------------
def test_an_items_answer_rules_have_clear_messages(setup):
    _contract, template = setup
    cases = [
        ({"answer_type": "reading", "max_points": D(5)}, "min_value", "A reading needs an allowed range"),
        ({"answer_type": "reading", "max_points": D(5), "min_value": D(9), "max_value": D(1)}, "max_value",
         "The highest allowed reading is below the lowest."),
        ({"answer_type": "signature"}, "signer", "Say who signs"),
        ({"answer_type": "check", "max_points": D(0)}, "max_points", "Give the item its points (more than 0)."),
    ]  # fmt: skip
    for fields, field, message in cases:
        item = ChecklistItem(template=template, code="X9", text="x", **fields)
        with translation.override("en"), pytest.raises(ValidationError) as info:
            item.full_clean()
        with translation.override("en"):
            assert message in info.value.message_dict[field][0], fields
    signature = ChecklistItem(template=template, code="X8", text="x", answer_type="signature", signer="vendor")
    signature.max_points = D(10)
    signature.full_clean()  # a signature scores nothing: its points are set to 0
    assert signature.max_points == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"answer_type": "signature", "signer": "vendor", "max_points": D(10)},
        {"answer_type": "signature", "signer": "", "max_points": D(0)},
        {"answer_type": "reading", "max_points": D(5)},
        {"answer_type": "reading", "max_points": D(5), "min_value": D(9), "max_value": D(1)},
        {"answer_type": "check", "max_points": D(5), "min_value": D(1)},
        {"answer_type": "check", "max_points": D(5), "signer": "inspector"},
    ],
)
def test_the_database_refuses_an_item_that_breaks_the_rules(setup, fields):
    _contract, template = setup
    with pytest.raises(IntegrityError), transaction.atomic():
        ChecklistItem.objects.create(template=template, code="X9", text="x", **fields)


def test_the_excel_workbook_carries_readings_and_signatures(setup):
    _contract, template = setup
    template.category = ServiceCategory.objects.get(code="security")
    template.save()
    parsed = excel.parse_template(excel.export_template(template))
    assert [
        (i["code"], i["answer_type"], i["unit"], i["min_value"], i["max_value"], i["signer"], i["max_points"])
        for i in parsed["items"]
    ] == [
        ("A1", "check", "", None, None, "", D(10)),
        ("T1", "reading", "°C", D(0), D(8), "", D(10)),
        ("P1", "reading", "MPa", D("0.1"), None, "", D(10)),
        ("S1", "signature", "", None, None, "inspector", D(0)),
        ("S2", "signature", "", None, None, "vendor", D(0)),
    ]


# --- the tablet answers them --------------------------------------------------------------------------------------
def test_an_out_of_range_reading_fails_and_opens_an_order_saying_what_was_read(inspector_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    data = payload(
        contract,
        template,
        key,
        A1={"result": "pass"},
        T1={"result": "pass", "reading": "12,5", "note": "门封条破损"},  # the tablet's "pass" does not decide it
        P1={"reading": "0.35"},
        S1={"result": "pass"},
        S2={"result": "pass"},
    )
    svc.inspection_sync(user=inspector_user, data=data)
    sign(inspector_user, key, "S1", "张伟")
    sign(inspector_user, key, "S2", " 李敏 ")
    inspection, created = svc.inspection_submit(user=inspector_user, data=data)
    assert created is True
    rows = {r.item.code: (r.result, r.reading, r.awarded) for r in inspection.results.select_related("item")}
    assert rows == {
        "A1": ("pass", None, D(10)),
        "T1": ("fail", D("12.5"), D(0)),
        "P1": ("pass", D("0.35"), D(10)),
        "S1": ("pass", None, D(0)),
        "S2": ("pass", None, D(0)),
    }
    # the signatures score nothing: 20 of 30 points
    assert (inspection.awarded_points, inspection.max_points, inspection.score) == (D(20), D(30), D("66.67"))
    order = RectificationOrder.objects.get()
    assert (order.item_result.item.code, order.severity) == ("T1", "major")
    assert order.description == "冷藏柜温度：12.5 °C（允许范围 0–8 °C）：门封条破损"
    assert sorted(inspection.signatures.values_list("item__code", "signer_name")) == [("S1", "张伟"), ("S2", "李敏")]


def test_a_reading_may_be_na_and_bad_readings_are_named_per_item_the_draft_kept(inspector_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    data = payload(
        contract, template, key, A1={"result": "pass"}, T1={"reading": "abc"}, P1={"reading": "0.1234"},
        S2={"result": "fail"},
    )  # fmt: skip
    assert submission_refused(inspector_user, data) == {
        "items.T1": ["Enter the reading as a number with at most 3 decimals (0–8 °C)."],
        "items.P1": ["Enter the reading as a number with at most 3 decimals (≥ 0.1 MPa)."],
        "items.S1": ["Sign here: the signature is missing."],
        "items.S2": ["Sign here: the signature is missing."],
    }
    draft = Inspection.objects.get(idempotency_key=key)
    assert list(draft.results.values_list("item__code", "result")) == [("A1", "pass")]
    data["results"].update(T1={"result": "na", "reading": "abc"}, P1={})
    assert submission_refused(inspector_user, data, "zh-hans")["items.P1"] == [
        "请填写读数（≥ 0.1 MPa），或选择“不适用”。"
    ]
    assert sorted(draft.results.values_list("item__code", "result", "reading")) == [
        ("A1", "pass", None),
        ("T1", "na", None),
    ]


def test_a_signature_must_be_drawn_named_and_on_a_signature_item(inspector_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    svc.inspection_sync(user=inspector_user, data=payload(contract, template, key, A1={"result": "pass"}))
    blank = io.BytesIO()
    Image.new("RGB", (300, 100), "white").save(blank, format="PNG")
    cases = [
        ({"item_code": "S1", "upload": signature_upload(blank.getvalue())}, "items.S1", "The signature is empty"),
        ({"item_code": "S1", "signer_name": "  "}, "items.S1", "Write the signer's name under the signature."),
        ({"item_code": "A1"}, "items.A1", "This item does not ask for a signature."),
        ({"item_code": "S1", "upload": SimpleUploadedFile("x.gif", b"GIF89a")}, "items.S1", "only JPEG, PNG and WebP"),
        ({"item_code": "ZZ"}, "item", "Unknown checklist item."),
    ]
    for overrides, field, message in cases:
        arguments = {"user": inspector_user, "key": key, "upload": signature_upload(), "signer_name": "张伟"}
        arguments.update(overrides)
        with translation.override("en"), pytest.raises(svc.InspectionInvalid) as info:
            svc.inspection_signature_add(**arguments)
        assert message in info.value.message_dict[field][0], overrides
    assert InspectionSignature.objects.count() == 0


def test_signing_again_replaces_a_retry_is_a_no_op_and_a_submitted_one_is_locked(inspector_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    data = every_item(contract, template, key, {"reading": "4"}, {"result": "na"})
    svc.inspection_sync(user=inspector_user, data=data)
    first = sign(inspector_user, key, "S1", "张伟", client_id="c-1")
    assert sign(inspector_user, key, "S1", "张伟", client_id="c-1").pk == first.pk  # the offline retry
    second = sign(inspector_user, key, "S1", "张伟", client_id="c-2")  # signed again on the tablet
    assert list(InspectionSignature.objects.filter(item__code="S1").values_list("pk", flat=True)) == [second.pk]
    sign(inspector_user, key, "S2", "李敏")
    inspection, _created = svc.inspection_submit(user=inspector_user, data=data)
    assert inspection.score == D("100.00")
    with translation.override("en"), pytest.raises(svc.InspectionInvalid) as info:
        sign(inspector_user, key, "S1", "王芳", client_id="c-3")
    assert info.value.message_dict == {"key": ["This inspection has been submitted; it can no longer be signed."]}
    assert sign(inspector_user, key, "S1", "张伟", client_id="c-2").pk == second.pk  # a late retry still answers


def test_the_office_amends_a_reading_and_the_result_follows_it(inspector_user, office_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    data = every_item(contract, template, key, {"reading": "12"}, {"reading": "0.2"})
    inspection, _signature = submit_signed(inspector_user, key, data)
    assert inspection.score == D("66.67")
    amendment = svc.inspection_amend(
        inspection=inspection,
        changes={"T1": {"reading": "7.5"}},
        reason="温度计读错，复核为7.5℃",
        by=office_user,
    )
    assert amendment.changes == {
        "T1": {
            "before": {"result": "fail", "points": None, "note": "", "reading": "12"},
            "after": {"result": "pass", "points": None, "note": "", "reading": "7.5"},
        }
    }
    inspection.refresh_from_db()
    assert (inspection.score, amendment.score_before, amendment.score_after) == (D("100.00"), D("66.67"), D("100.00"))
    for change, message in [
        ({"T1": {"reading": "warm"}}, "Item T1: enter the reading as a number (0–8 °C), or choose n.a."),
        ({"S1": {"result": "fail"}}, "Item S1: a signature cannot be amended."),
    ]:
        with translation.override("en"), pytest.raises(ValidationError) as info:
            svc.inspection_amend(inspection=inspection, changes=change, reason="复核", by=office_user)
        assert info.value.messages == [message]


def test_the_page_shows_the_reading_its_range_and_the_signatures(
    client_for, inspector_user, setup, vendor_user, vendor_b_user
):
    contract, template = setup
    key = uuid.uuid4()
    data = every_item(contract, template, key, {"reading": "9"}, {"reading": "0.3"})
    inspection, signature = submit_signed(inspector_user, key, data)
    html = client_for(inspector_user).get(f"/inspections/{inspection.pk}/").content.decode()
    assert "9 °C（允许范围 0–8 °C）" in html
    assert "0.3 MPa（允许范围 ≥ 0.1 MPa）" in html
    assert f'src="/files/inspection-signature/{signature.pk}/"' in html
    assert "张伟 · 检查人" in html and "李敏 · 企业代表" in html
    # the inspector and the contract's vendor see the signature; another vendor's staff do not
    for user, expected in ((inspector_user, 200), (vendor_user, 200), (vendor_b_user, 404)):
        response = client_for(user).get(f"/files/inspection-signature/{signature.pk}/")
        assert response.status_code == expected
        if expected == 200:
            assert response["Content-Type"] == "image/png"


def test_the_tablet_checklist_carries_what_each_item_asks_for(client_for, inspector_user, setup):
    _contract, template = setup
    client = client_for(inspector_user)
    data = client.get("/inspect/").context["bootstrap"]
    [listed] = [t for t in data["templates"] if t["id"] == template.pk]
    items = {i["code"]: i for i in client.get(listed["url"]).json()["items"]}
    assert "answer" not in items["A1"]
    assert {k: items["T1"][k] for k in ("answer", "unit", "min", "max", "range")} == {
        "answer": "reading",
        "unit": "°C",
        "min": "0",
        "max": "8",
        "range": "0–8 °C",
    }
    assert (items["P1"]["min"], items["P1"]["max"], items["P1"]["range"]) == ("0.1", None, "≥ 0.1 MPa")
    assert {k: items["S2"][k] for k in ("answer", "signer", "max_points")} == {
        "answer": "signature",
        "signer": "vendor",
        "max_points": "0.00",
    }
    assert data["urls"]["signatures"] == "/api/inspect/signatures/"


def test_a_signature_through_the_api(api_client, inspector_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    api_client.force_authenticate(inspector_user)
    client = api_client
    data = every_item(contract, template, key, {"reading": "3"}, {"reading": "1"})
    assert client.post("/api/inspect/sync/", data, format="json").status_code == 200
    for code, name in (("S1", "张伟"), ("S2", "李敏")):
        response = client.post(
            "/api/inspect/signatures/",
            {
                "key": str(key),
                "item_code": code,
                "signer_name": name,
                "client_id": f"c-{code}",
                "image": signature_upload(),
            },
            format="multipart",
        )
        assert response.status_code == 201, response.content
        assert (response.json()["item_code"], response.json()["signer_name"]) == (code, name)
    response = client.post(
        "/api/inspect/signatures/",
        {"key": str(key), "item_code": "S1", "signer_name": "", "image": signature_upload()},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    submitted = client.post("/api/inspect/submit/", data, format="json")
    assert submitted.status_code == 201
    body = submitted.json()
    assert [(r["code"], r["reading"]) for r in body["results"] if r["reading"] is not None] == [
        ("T1", "3.000"),
        ("P1", "1.000"),
    ]
    assert sorted(s["signer_name"] for s in body["signatures"]) == ["张伟", "李敏"]


# --- a submitted inspection's signatures are locked with it ------------------------------------------------------
@pytest.fixture
def signed(inspector_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    inspection, _signature = submit_signed(
        inspector_user, key, every_item(contract, template, key, {"reading": "4"}, {"reading": "0.2"})
    )
    return inspection


def test_a_submitted_inspections_signatures_refuse_model_and_queryset_changes(signed):
    assert_locked(signed.signatures.get(item__code="S1"), signer_name="王芳")
    assert_rows_locked(InspectionSignature.objects.filter(inspection=signed), signer_name="王芳")
    assert sorted(signed.signatures.values_list("signer_name", flat=True)) == ["张伟", "李敏"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE inspections_inspectionsignature SET signer_name = '王芳' WHERE inspection_id = %s",
        "DELETE FROM inspections_inspectionsignature WHERE inspection_id = %s",
    ],
)
def test_the_database_refuses_raw_sql_on_a_submitted_signature(signed, sql):
    assert_sql_refused(sql, [signed.pk], match="A submitted inspection is locked")
    assert sorted(signed.signatures.values_list("signer_name", flat=True)) == ["张伟", "李敏"]
