"""Inspections on the server side: submission, idempotency, immutability, amendments, photos, access."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from conftest import assert_admin_and_api_refuse, assert_locked, assert_rows_locked, make_png
from inspections.models import (
    Inspection,
    InspectionAmendment,
    InspectionPhoto,
    ItemResult,
    RectificationOrder,
)
from inspections.services import inspections as svc
from inspections.tests.factories import assigned_contract, make_template, submission_refused, tablet_data
from logistics.immutability import ImmutableError

pytestmark = pytest.mark.django_db
D = Decimal


def answers(**codes):
    out = {}
    for code, value in codes.items():
        if isinstance(value, tuple):
            out[code] = {"result": value[0], "points": value[1], "note": value[2] if len(value) > 2 else ""}
        else:
            out[code] = {"result": value}
    return out


@pytest.fixture
def setup(inspector_user):
    contract = assigned_contract(inspector_user)
    template = make_template(category=contract.category)
    return contract, template


def data_for(contract, template, key=None, **codes):
    return tablet_data(contract, template, answers(**codes), key)


def photo_upload(name="site.png"):
    return SimpleUploadedFile(name, make_png(), content_type="image/png")


def with_a_photo(inspector, contract, a1: str):
    """``inspector``'s inspection of ``contract`` with a photo on A1, submitted with A1 ``a1`` and A2, A3 passed:
    (inspection, photo)."""
    template = make_template(category=contract.category)
    key = uuid.uuid4()
    svc.inspection_sync(user=inspector, data=data_for(contract, template, key=key))
    photo = svc.inspection_photo_add(user=inspector, key=key, item_code="A1", upload=photo_upload())
    data = data_for(contract, template, key=key, A1=a1, A2="pass", A3="pass")
    inspection, _created = svc.inspection_submit(user=inspector, data=data)
    return inspection, photo


def test_submission_stores_the_score_and_locks(inspector_user, setup):
    contract, template = setup
    inspection, created = svc.inspection_submit(
        user=inspector_user, data=data_for(contract, template, A1="pass", A2=("partial", "12.5"), A3="na")
    )
    assert created is True
    assert (inspection.status, inspection.awarded_points, inspection.max_points) == ("submitted", D("22.5"), D("30"))
    assert inspection.score == D("75.00")
    assert sorted(inspection.results.values_list("item__code", "awarded")) == [
        ("A1", D("10.00")),
        ("A2", D("12.50")),
        ("A3", None),
    ]
    assert inspection.signoffs.get().user == inspector_user


def test_the_same_key_twice_gives_one_inspection(inspector_user, setup):
    contract, template = setup
    data = data_for(contract, template, A1="pass", A2="pass", A3="pass")
    first, created = svc.inspection_submit(user=inspector_user, data=data)
    # a retry after a lost response, even with different answers, changes nothing
    retry = {**data, "results": answers(A1="fail", A2="fail", A3="na")}
    second, created_again = svc.inspection_submit(user=inspector_user, data=retry)
    assert (created, created_again) == (True, False)
    assert first.pk == second.pk
    assert Inspection.objects.count() == 1
    assert Inspection.objects.get().score == D("100.00")


def test_the_same_key_twice_through_the_api(api_client, inspector_user, setup):
    contract, template = setup
    data = data_for(contract, template, A1="pass", A2="pass", A3="pass")
    api_client.force_authenticate(inspector_user)
    first = api_client.post("/api/inspect/submit/", data, format="json")
    second = api_client.post("/api/inspect/submit/", data, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Inspection.objects.count() == 1


def test_failed_items_open_rectification_orders_with_deadlines_by_severity(inspector_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    svc.inspection_sync(user=inspector_user, data=data_for(contract, template, key=key))
    svc.inspection_photo_add(user=inspector_user, key=key, item_code="A3", upload=photo_upload())
    inspection, _ = svc.inspection_submit(
        user=inspector_user, data=data_for(contract, template, key=key, A1="fail", A2="fail", A3="fail")
    )
    orders = {o.item_result.item.code: o for o in RectificationOrder.objects.select_related("item_result__item")}
    submitted = inspection.submitted_at
    assert {code: o.deadline - submitted for code, o in orders.items()} == {
        "A1": dt.timedelta(days=7),
        "A2": dt.timedelta(days=3),
        "A3": dt.timedelta(days=1),
    }
    assert {code: o.severity for code, o in orders.items()} == {"A1": "minor", "A2": "major", "A3": "serious"}
    assert orders["A3"].photos.count() == 1  # the failed item's photo is the evidence
    assert all(o.status == "open" and o.contract == contract for o in orders.values())


def test_partial_and_passes_open_no_order(inspector_user, setup):
    contract, template = setup
    svc.inspection_submit(
        user=inspector_user, data=data_for(contract, template, A1=("partial", "5"), A2="pass", A3="na")
    )
    assert RectificationOrder.objects.count() == 0


def test_vendor_self_checks_open_no_order(make_user, vendor_a):
    vendor = make_user("vendor", username="v-self", vendor=vendor_a)
    contract = assigned_contract(make_user("inspector", username="i2"), vendor=vendor_a)
    template = make_template(category=contract.category)
    data = {**data_for(contract, template, A1="fail", A2="pass", A3="pass"), "kind": "self"}
    inspection, _ = svc.inspection_submit(user=vendor, data=data)
    assert inspection.kind == "self" and RectificationOrder.objects.count() == 0


# --- immutability ---------------------------------------------------------------------------------------
@pytest.fixture
def submitted(inspector_user, setup):
    contract, template = setup
    inspection, _ = svc.inspection_submit(
        user=inspector_user, data=data_for(contract, template, A1="pass", A2="pass", A3="pass")
    )
    return inspection


def test_submitted_inspections_refuse_the_service(inspector_user, submitted, setup):
    contract, template = setup
    again = data_for(contract, template, key=submitted.idempotency_key, A1="fail")
    inspection, errors = svc.inspection_sync(user=inspector_user, data=again)
    assert inspection.score == D("100.00") and errors == {}
    assert ItemResult.objects.filter(inspection=submitted, result="fail").count() == 0


def test_submitted_inspections_refuse_model_saves_and_deletes(submitted):
    assert_locked(submitted, score=D("1"))
    result = submitted.results.first()
    result.result = "fail"
    with pytest.raises(ImmutableError):
        result.save()
    assert Inspection.objects.get(pk=submitted.pk).score == D("100.00")


def test_submitted_inspections_refuse_queryset_updates_and_deletes(submitted):
    assert_rows_locked(Inspection.objects.filter(pk=submitted.pk), score=D("1"))
    with pytest.raises(ImmutableError):
        ItemResult.objects.filter(inspection=submitted).update(result="fail")
    assert Inspection.objects.get(pk=submitted.pk).score == D("100.00")


def test_submitted_inspections_refuse_the_admin_and_the_api(client_for, office_user, api_client, submitted):
    client = client_for(office_user)
    api_client.force_authenticate(office_user)
    admin, api = f"/admin/inspections/inspection/{submitted.pk}/", f"/api/inspections/{submitted.pk}/"
    assert_admin_and_api_refuse(client, api_client, admin, api, {"score": "1"})
    assert Inspection.objects.get(pk=submitted.pk).score == D("100.00")


def test_an_amendment_keeps_the_original(office_user, submitted):
    amendment = svc.inspection_amend(
        inspection=submitted,
        changes={"A2": {"result": "fail", "note": "复核发现未清洁"}},
        reason="复核时发现遗漏",
        by=office_user,
    )
    submitted.refresh_from_db()
    # A1 10 + A2 20 (now failed) + A3 10: 20 of 40
    assert (amendment.score_before, amendment.score_after, submitted.score) == (D("100.00"), D("50.00"), D("50.00"))
    assert amendment.changes == {
        "A2": {
            "before": {"result": "pass", "points": None, "note": ""},
            "after": {"result": "fail", "points": None, "note": "复核发现未清洁"},
        }
    }
    # the history keeps the original values, with who and why
    history = ItemResult.history.filter(id=submitted.results.get(item__code="A2").pk).order_by("history_id")
    # created at submission with its points (no draft was synced before), then amended
    assert [h.result for h in history] == ["pass", "fail"]
    assert history.last().history_change_reason == "复核时发现遗漏"
    assert history.last().history_user == office_user
    assert Inspection.history.filter(id=submitted.pk).order_by("history_id").first().score is None


def test_only_the_office_amends_with_a_reason(inspector_user, office_user, submitted):
    with pytest.raises(ValidationError):
        svc.inspection_amend(inspection=submitted, changes={"A1": {"result": "fail"}}, reason="x", by=inspector_user)
    with pytest.raises(ValidationError):
        svc.inspection_amend(inspection=submitted, changes={"A1": {"result": "fail"}}, reason=" ", by=office_user)
    assert InspectionAmendment.objects.count() == 0


# --- validation that keeps the draft --------------------------------------------------------------------
def test_missing_and_bad_answers_are_reported_per_item_and_the_draft_kept(inspector_user, setup):
    contract, template = setup
    data = data_for(contract, template, A1=("partial", "11", "擦拭不彻底"), A3="fail")
    assert submission_refused(inspector_user, data) == {
        "items.A1": ["Enter the points given, between 0 and 10.00."],
        "items.A2": ["Choose pass, partial, fail or n.a."],
        "items.A3": ["A photo is required when this item fails."],
    }
    draft = Inspection.objects.get()
    assert draft.status == "draft"
    assert list(draft.results.values_list("item__code", "result")) == [("A3", "fail")]
    # nothing entered is lost: the rejected partial is still on the tablet, the valid answers are on the server


def test_bad_photos_are_refused_with_a_clear_message_and_the_draft_kept(inspector_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    svc.inspection_sync(user=inspector_user, data=data_for(contract, template, key=key, A1="pass"))
    cases = [
        (SimpleUploadedFile("x.jpg", b"not an image at all"), "is not a valid image"),
        (SimpleUploadedFile("x.png", make_png() + b"<script>alert(1)</script>"), None),  # polyglot: accepted, cleaned
        (SimpleUploadedFile("big.png", make_png(8000, 6000)), "too many pixels"),
        (SimpleUploadedFile("x.gif", b"GIF89a"), "only JPEG, PNG and WebP"),
    ]
    for upload, message in cases:
        if message is None:
            photo = svc.inspection_photo_add(user=inspector_user, key=key, item_code="A1", upload=upload)
            assert b"<script>" not in photo.image.read()
            continue
        with translation.override("en"), pytest.raises(svc.InspectionInvalid) as info:
            svc.inspection_photo_add(user=inspector_user, key=key, item_code="A1", upload=upload)
        assert message in info.value.message_dict["items.A1"][0]
    draft = Inspection.objects.get(idempotency_key=key)
    assert list(draft.results.values_list("item__code", "result")) == [("A1", "pass")]
    assert InspectionPhoto.objects.count() == 1


def test_a_photo_retry_with_the_same_client_id_is_a_no_op(inspector_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    svc.inspection_sync(user=inspector_user, data=data_for(contract, template, key=key))
    first = svc.inspection_photo_add(
        user=inspector_user, key=key, item_code="A1", upload=photo_upload(), client_id="c1"
    )
    second = svc.inspection_photo_add(
        user=inspector_user, key=key, item_code="A1", upload=photo_upload(), client_id="c1"
    )
    assert first.pk == second.pk and InspectionPhoto.objects.count() == 1


def test_a_photo_uploaded_through_the_api_is_reencoded_without_exif(api_client, inspector_user, setup, jpeg_with_gps):
    import io

    from PIL import Image

    contract, template = setup
    key = uuid.uuid4()
    api_client.force_authenticate(inspector_user)
    api_client.post("/api/inspect/sync/", data_for(contract, template, key=key), format="json")
    response = api_client.post(
        "/api/inspect/photos/",
        {"key": str(key), "item_code": "A3", "client_id": "p1", "image": SimpleUploadedFile("cam.jpg", jpeg_with_gps)},
        format="multipart",
    )
    assert response.status_code == 201
    photo = InspectionPhoto.objects.get()
    assert dict(Image.open(io.BytesIO(photo.image.read())).getexif()) == {}
    assert len(photo.image.name.split("/")[-1]) == 36  # a random name: 32 hex + ".jpg"


# --- access ---------------------------------------------------------------------------------------------
def test_an_inspector_cannot_inspect_an_unassigned_contract(inspector_user, make_user):
    other = assigned_contract(make_user("inspector", username="other-inspector"))
    template = make_template(category=other.category)
    refused = submission_refused(inspector_user, data_for(other, template, A1="pass", A2="pass", A3="pass"))
    assert refused == {"contract": ["This contract is not assigned to you, or it is not active."]}
    assert Inspection.objects.count() == 0


def test_an_inspector_cannot_see_an_unassigned_contracts_inspections(client_for, api_get, inspector_user, make_user):
    other_inspector = make_user("inspector", username="other-inspector")
    inspection, photo = with_a_photo(other_inspector, assigned_contract(other_inspector), "pass")
    client = client_for(inspector_user)
    assert client.get(f"/inspections/{inspection.pk}/").status_code == 404
    assert client.get(f"/files/inspection-photo/{photo.pk}/").status_code == 404
    assert api_get(inspector_user, f"/api/inspections/{inspection.pk}/").status_code == 404
    assert api_get(inspector_user, "/api/inspections/").json()["count"] == 0
    assert client_for(other_inspector).get(f"/files/inspection-photo/{photo.pk}/").status_code == 200


def test_a_vendor_cannot_see_another_vendors_records(
    client_for, api_get, inspector_user, vendor_user, vendor_b_user, vendor_a
):
    inspection, photo = with_a_photo(inspector_user, assigned_contract(inspector_user, vendor=vendor_a), "fail")
    order = RectificationOrder.objects.get()
    for user, expected in ((vendor_user, 200), (vendor_b_user, 404)):
        client = client_for(user)
        assert client.get(f"/inspections/{inspection.pk}/").status_code == expected
        assert client.get(f"/rectifications/{order.pk}/").status_code == expected
        assert client.get(f"/files/inspection-photo/{photo.pk}/").status_code == expected
        assert api_get(user, f"/api/inspections/{inspection.pk}/").status_code == expected
        assert api_get(user, f"/api/rectifications/{order.pk}/").status_code == expected


def test_vendors_do_not_see_the_offices_drafts(api_get, inspector_user, vendor_user, vendor_a):
    contract = assigned_contract(inspector_user, vendor=vendor_a)
    template = make_template(category=contract.category)
    svc.inspection_sync(user=inspector_user, data=data_for(contract, template, A1="pass"))
    assert api_get(vendor_user, "/api/inspections/").json()["count"] == 0


# --- pages and query counts -----------------------------------------------------------------------------
def test_the_tablet_page_carries_only_assigned_contracts(client_for, inspector_user, make_user):
    mine = assigned_contract(inspector_user)
    make_template(category=mine.category)
    other = assigned_contract(make_user("inspector", username="someone"))
    html = client_for(inspector_user).get("/inspect/").content.decode()
    assert mine.number in html and other.number not in html
    sw = client_for(inspector_user).get("/inspect/sw.js")
    assert sw["Content-Type"].startswith("application/javascript")
    assert sw["Service-Worker-Allowed"] == "/inspect/"
    assert b'"/inspect/"' in sw.content


def _bulk_inspections(contract, template, user, count):
    now = timezone.now()
    Inspection.objects.bulk_create(
        [
            Inspection(
                kind="daily",
                contract=contract,
                template=template,
                created_by=user,
                started_at=now,
                inspected_on=now.date(),
                submitted_at=now,
                status="submitted",
                score=D("90"),
            )
            for _ in range(count)
        ]
    )


def test_inspection_list_page_and_api_query_counts_do_not_grow(
    client_for, api_get, inspector_user, setup, count_queries
):
    contract, template = setup
    client = client_for(inspector_user)
    _bulk_inspections(contract, template, inspector_user, 3)
    page_small, _ = count_queries(lambda: client.get("/inspections/"))
    api_small, response = count_queries(lambda: api_get(inspector_user, "/api/inspections/"))
    assert response.json()["count"] == 3
    _bulk_inspections(contract, template, inspector_user, 40)
    page_large, _ = count_queries(lambda: client.get("/inspections/"))
    api_large, response = count_queries(lambda: api_get(inspector_user, "/api/inspections/"))
    assert response.json()["count"] == 43
    assert (page_small, api_small) == (page_large, api_large)


def test_tablet_bootstrap_query_count_does_not_grow(client_for, inspector_user, count_queries):
    client = client_for(inspector_user)
    for _ in range(2):
        make_template(category=assigned_contract(inspector_user).category)
    small, _ = count_queries(lambda: client.get("/inspect/"))
    for _ in range(10):
        make_template(category=assigned_contract(inspector_user).category)
    large, _ = count_queries(lambda: client.get("/inspect/"))
    assert small == large
