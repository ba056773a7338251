"""verify_hashes: a final evaluation or a frozen report changed behind the product's back is reported."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from contracts.tests.factories import ContractFactory
from logistics.immutability import allow_locked_changes
from logistics.quarters import Quarter
from scoring import services
from scoring.models import EvaluationComponent, Report
from scoring.tests.factories import inspection, publish_past

pytestmark = pytest.mark.django_db
Q3 = Quarter(2026, 3)


@pytest.fixture
def final(inspector_user, office_user, django_capture_on_commit_callbacks):
    contract = ContractFactory(number="HT-SEAL-001", start_date=dt.date(2026, 1, 1))
    inspection(contract, inspector_user, "daily", dt.date(2026, 7, 3), "88.50")
    [evaluation] = services.evaluations_compute(quarter=Q3)
    services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 9), attendees="张三", by=office_user
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish_past(evaluation, office_user)
        return services.evaluation_finalize(evaluation=evaluation, by=office_user)


def test_untouched_seals_verify(final, capsys):
    assert Report.objects.filter(evaluation=final, frozen=True).count() == 1
    call_command("verify_hashes")
    assert capsys.readouterr().out.strip() == "2 sealed records checked: all match."


def test_a_component_changed_in_the_database_is_reported(final, capsys):
    component = EvaluationComponent.objects.filter(evaluation=final).order_by("code").first()
    # behind the product's back: no service, no model, no history (on PostgreSQL the lock trigger is passed
    # with the audited services' escape hatch, as someone who knows it could)
    with transaction.atomic(), allow_locked_changes(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {EvaluationComponent._meta.db_table} SET value = 1 WHERE id = %s", [component.pk])
    with pytest.raises(CommandError, match="1 of 2 sealed records do not match"):
        call_command("verify_hashes", "2026Q3")
    assert f"MISMATCH evaluation #{final.pk} (HT-SEAL-001 2026Q3)" in capsys.readouterr().out


def test_a_frozen_pdf_changed_on_disk_is_reported(final, capsys):
    report = Report.objects.get(evaluation=final, frozen=True)
    with open(report.file.path, "ab") as handle:
        handle.write(b"%tampered")
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("verify_hashes")
    assert f"MISMATCH report #{report.pk}" in capsys.readouterr().out
