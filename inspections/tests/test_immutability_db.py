"""A submitted inspection, its item results and photos: locked down to the database; the amendment passes.

The model, queryset, admin and API layers of the inspection itself are tested in test_inspections.py; here
the photos' guards, the PostgreSQL triggers (``postgres`` marker) and the added constraints.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import assert_locked, assert_rows_locked, assert_sql_refused, make_png, raw_sql, raw_sql_refused_test
from inspections.models import Inspection, InspectionPhoto, ItemResult
from inspections.services import inspections as svc
from inspections.tests.factories import assigned_contract, make_template, tablet_data
from logistics.immutability import ImmutableError

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def setup(inspector_user):
    contract = assigned_contract(inspector_user)
    return contract, make_template(category=contract.category)


def data_for(contract, template, key, **codes):
    return tablet_data(contract, template, {code: {"result": value} for code, value in codes.items()}, key)


@pytest.fixture
def submitted(inspector_user, setup):
    contract, template = setup
    key = uuid.uuid4()
    svc.inspection_sync(user=inspector_user, data=data_for(contract, template, key))
    upload = SimpleUploadedFile("site.png", make_png(), content_type="image/png")
    svc.inspection_photo_add(user=inspector_user, key=key, item_code="A3", upload=upload, client_id="p1")
    inspection, _ = svc.inspection_submit(
        user=inspector_user, data=data_for(contract, template, key, A1="pass", A2="pass", A3="fail")
    )
    assert inspection.status == "submitted" and inspection.photos.count() == 1
    return inspection


def state(inspection):
    row = Inspection.objects.get(pk=inspection.pk)
    results = sorted(row.results.values_list("item__code", "result"))
    return row.score, results, list(row.photos.values_list("client_id", flat=True))


def test_photos_of_a_submitted_inspection_refuse_model_and_queryset_changes(submitted):
    before = state(submitted)
    assert_locked(submitted.photos.get(), client_id="changed")
    assert_rows_locked(InspectionPhoto.objects.filter(inspection=submitted), client_id="changed")
    with pytest.raises(ImmutableError):
        ItemResult.objects.filter(inspection=submitted).delete()
    assert state(submitted) == before


# --- the database itself (PostgreSQL triggers) ----------------------------------------------------------


# the triggers refuse changes to a submitted inspection, its item results and its photos
test_the_database_refuses_raw_sql = raw_sql_refused_test(
    "submitted",
    state,
    {
        "inspections_inspection": ("id", "score = 1", "status = 'draft'"),
        "inspections_itemresult": ("inspection_id", "result = 'pass'"),
        "inspections_inspectionphoto": ("inspection_id", "client_id = 'x'"),
    },
    match="A submitted inspection is locked",
)


@pytest.mark.postgres
def test_drafts_pass_the_triggers(inspector_user, setup, submitted):
    contract, template = setup
    key = uuid.uuid4()
    draft, _ = svc.inspection_sync(user=inspector_user, data=data_for(contract, template, key, A1="pass"))
    assert raw_sql("UPDATE inspections_itemresult SET note = 'x' WHERE inspection_id = %s", [draft.pk]) == 1
    assert raw_sql("DELETE FROM inspections_itemresult WHERE inspection_id = %s", [draft.pk]) == 1
    assert raw_sql("UPDATE inspections_inspection SET summary = 'x' WHERE id = %s", [draft.pk]) == 1
    # moving a draft's row into a submitted inspection is refused
    svc.inspection_sync(user=inspector_user, data=data_for(contract, template, key, A1="pass"))
    assert_sql_refused(
        "UPDATE inspections_itemresult SET inspection_id = %s WHERE inspection_id = %s", [submitted.pk, draft.pk]
    )


@pytest.mark.postgres
def test_the_amendment_passes_the_trigger_and_is_audited(submitted, office_user):
    amendment = svc.inspection_amend(
        inspection=submitted, changes={"A3": {"result": "pass"}}, reason="照片复核后更正", by=office_user
    )
    score, results, _photos = state(submitted)
    assert (amendment.score_before, amendment.score_after, score) == (submitted.score, D("100.00"), D("100.00"))
    assert ("A3", "pass") in results
    row = ItemResult.objects.get(inspection=submitted, item__code="A3")
    last = ItemResult.history.filter(id=row.pk).order_by("history_id").last()
    assert (last.result, last.history_user, last.history_change_reason) == ("pass", office_user, "照片复核后更正")
    last = Inspection.history.filter(id=submitted.pk).order_by("history_id").last()
    assert (last.score, last.history_user, last.history_change_reason) == (D("100.00"), office_user, "照片复核后更正")
    # the escape hatch ended with the amendment: the same transaction is locked again
    assert_sql_refused("UPDATE inspections_inspection SET score = 1 WHERE id = %s", [submitted.pk])


# --- constraints scoring relies on ----------------------------------------------------------------------
def inspection_row(contract, user, **overrides):
    started = timezone.now()
    values = {
        "kind": "daily",
        "contract": contract,
        "created_by": user,
        "started_at": started,
        "inspected_on": dt.date(2026, 7, 1),
        **overrides,
    }
    return Inspection(**values)


@pytest.mark.parametrize(
    "overrides",
    [
        {"max_points": D("-1")},  # inspections_inspection_max_points_not_negative
        {"status": "approved", "submitted_at": dt.datetime(2026, 7, 1, tzinfo=dt.UTC)},  # ..._status_valid
        {"kind": "yearly"},  # inspections_inspection_kind_valid
    ],
)
def test_the_database_refuses_an_inspection_out_of_range(inspector_user, setup, overrides):
    contract, _template = setup
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.bulk_create([inspection_row(contract, inspector_user, **overrides)])


@pytest.mark.parametrize(
    "overrides",
    [
        {"result": "fail", "awarded": D("-1")},  # inspections_itemresult_points_not_negative
        {"result": "pass", "points": D("-1")},
        {"result": "maybe"},  # inspections_itemresult_result_valid
    ],
)
def test_the_database_refuses_an_item_result_out_of_range(inspector_user, setup, overrides):
    contract, template = setup
    draft = inspection_row(contract, inspector_user)
    draft.save()
    item = template.items.order_by("sort_order").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemResult.objects.bulk_create([ItemResult(inspection=draft, item=item, **overrides)])


def test_valid_rows_pass_the_added_constraints(inspector_user, setup):
    contract, template = setup
    draft = inspection_row(contract, inspector_user, max_points=D("0"))
    draft.save()
    item = template.items.order_by("sort_order").first()
    ItemResult.objects.bulk_create(
        [ItemResult(inspection=draft, item=item, result="partial", points=D("0"), awarded=D("0"))]
    )
    assert ItemResult.objects.filter(inspection=draft).count() == 1
