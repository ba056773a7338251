"""A final evaluation and its components: locked at every layer, down to the database; the reopening passes.

The raw-SQL tests run on PostgreSQL only (``postgres`` marker): there the migrations add triggers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from conftest import (
    assert_admin_and_api_refuse,
    assert_locked,
    assert_rows_locked,
    assert_sql_refused,
    raw_sql,
    raw_sql_refused_test,
    unchanged,
)
from contracts.models import Settlement
from contracts.tests.factories import ContractFactory
from logistics.immutability import ImmutableError
from logistics.quarters import Quarter
from scoring import services
from scoring.models import Evaluation, EvaluationComponent, EvaluationScheme
from scoring.tests.factories import inspection, meeting_review, publish_past

pytestmark = pytest.mark.django_db
D = Decimal
Q3 = Quarter(2026, 3)


@pytest.fixture
def computed(inspector_user):
    contract = ContractFactory(number="HT-LOCK-001", start_date=dt.date(2026, 1, 1))
    inspection(contract, inspector_user, "daily", dt.date(2026, 7, 3), "88.50")
    [evaluation] = services.evaluations_compute(quarter=Q3)
    return evaluation


@pytest.fixture
def final(computed, office_user):
    services.evaluation_review(evaluation=computed, meeting_date=dt.date(2026, 10, 9), attendees="张三", by=office_user)
    publish_past(computed, office_user)
    evaluation = services.evaluation_finalize(evaluation=computed, by=office_user)
    assert evaluation.status == "final" and evaluation.components.count() > 0
    return evaluation


def state(evaluation):
    row = Evaluation.objects.get(pk=evaluation.pk)
    components = sorted(row.components.values_list("code", "value", "weight"))
    return row.status, row.score, row.inputs_hash, components


def test_the_service_refuses_a_final_evaluation(final, office_user):
    refused = pytest.raises(ValidationError, match="This evaluation is final")
    with unchanged(state, final), translation.override("en"), refused:
        meeting_review(final, office_user, attendees="张三", adjustment="2", reason="x")


def test_model_save_and_delete_refuse(final):
    with unchanged(state, final):
        assert_locked(final, score=D("1"))
        assert_locked(final.components.order_by("code").first(), value=D("1"))
        extra = EvaluationComponent(evaluation=final, code="X", weight=D("0"), effective_weight=D("0"))
        with pytest.raises(ImmutableError):
            extra.save()


def test_queryset_update_and_delete_refuse(final):
    with unchanged(state, final):
        assert_rows_locked(Evaluation.objects.filter(pk=final.pk), score=D("1"))
        assert_rows_locked(EvaluationComponent.objects.filter(evaluation=final), value=D("1"))


def test_the_admin_and_the_api_refuse(final, client_for, office_user, api_client):
    client = client_for(office_user)
    api_client.force_authenticate(office_user)
    admin, api = f"/admin/scoring/evaluation/{final.pk}/", f"/api/evaluations/{final.pk}/"
    with unchanged(state, final):
        assert_admin_and_api_refuse(client, api_client, admin, api, {"score": "1"})


# --- the database itself (PostgreSQL triggers) ----------------------------------------------------------


# the triggers refuse changes to a final evaluation and its components
test_the_database_refuses_raw_sql = raw_sql_refused_test(
    "final",
    state,
    {
        "scoring_evaluation": ("id", "score = 1", "status = 'reviewed'"),
        "scoring_evaluationcomponent": ("evaluation_id", "value = 1"),
    },
    match="A final evaluation is locked",
)


@pytest.mark.postgres
def test_computed_evaluations_pass_the_triggers(computed):
    assert raw_sql("UPDATE scoring_evaluation SET minutes = 'x' WHERE id = %s", [computed.pk]) == 1
    assert raw_sql("UPDATE scoring_evaluationcomponent SET n = n WHERE evaluation_id = %s", [computed.pk]) > 0


@pytest.mark.postgres
def test_the_reopening_passes_the_triggers_and_is_audited(final, office_user):
    reopened = services.evaluation_reopen(evaluation=final, reason="投诉复核后撤销", by=office_user)
    assert (reopened.status, reopened.reopen_count, reopened.inputs_hash) == ("reviewed", 1, "")
    last = Evaluation.history.filter(id=final.pk).order_by("history_id").last()
    assert (last.status, last.history_user, last.history_change_reason) == ("reviewed", office_user, "投诉复核后撤销")
    settlement = Settlement.objects.get(contract=final.contract, quarter="2026Q3")
    assert settlement.status == "draft"
    last = settlement.history.order_by("history_id").last()
    assert (last.status, last.history_user, last.history_change_reason) == ("draft", office_user, "投诉复核后撤销")
    record = reopened.reopenings.get()
    assert (record.by, record.previous_hash) == (office_user, final.inputs_hash)
    # reviewed again, recomputed and finalized again: the whole path runs past the triggers
    services.evaluation_review(
        evaluation=reopened, meeting_date=dt.date(2026, 10, 20), attendees="李四", by=office_user
    )
    publish_past(reopened, office_user)
    again = services.evaluation_finalize(evaluation=reopened, by=office_user)
    assert again.status == "final" and again.inputs_hash == final.inputs_hash
    # locked again, in the same transaction
    assert_sql_refused("UPDATE scoring_evaluation SET score = 1 WHERE id = %s", [final.pk])


# --- constraints the scoring relies on ------------------------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [
        {"raw_score": D("100.000001")},  # scoring_evaluation_raw_score_range
        {"raw_score": D("-0.000001")},
        {"adjustment": D("100.01"), "adjustment_reason": "x"},  # scoring_evaluation_adjustment_range
        {"adjustment": D("-100.01"), "adjustment_reason": "x"},
        {"status": "approved"},  # scoring_evaluation_status_valid
    ],
)
def test_the_database_refuses_an_evaluation_out_of_range(computed, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.filter(pk=computed.pk).update(**change)


@pytest.mark.parametrize(
    "change",
    [
        {"value": D("100.000001")},  # scoring_evaluationcomponent_value_range
        {"value": D("-1")},
        {"weight": D("1.0001")},  # scoring_evaluationcomponent_weights_range
        {"weight": D("-0.0001")},
        {"effective_weight": D("1.0000000001")},
        {"effective_weight": D("-0.0000000001")},
    ],
)
def test_the_database_refuses_a_component_out_of_range(computed, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationComponent.objects.filter(evaluation=computed).update(**change)


@pytest.mark.parametrize(
    "change",
    [
        {"complaint_points_normal": D("100.01")},  # scoring_evaluationscheme_points_range
        {"complaint_points_serious": D("-1")},
        {"adjustment_bound": D("100.01")},
    ],
)
def test_the_database_refuses_a_scheme_out_of_range(computed, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationScheme.objects.filter(pk=computed.scheme_id).update(**change)


def test_the_bounds_themselves_are_allowed(computed):
    Evaluation.objects.filter(pk=computed.pk).update(raw_score=D("100"), adjustment=D("-100"), adjustment_reason="x")
    EvaluationComponent.objects.filter(evaluation=computed).update(value=D("0"), weight=D("1"), effective_weight=D("0"))
    EvaluationScheme.objects.filter(pk=computed.scheme_id).update(adjustment_bound=D("100"), complaint_points_normal=0)
    assert Evaluation.objects.get(pk=computed.pk).raw_score == D("100")
