"""seed_demo idempotency, the audited bulk update and the outbox."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from logistics import outbox
from logistics.models import OutboxMessage, Site, User
from logistics.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def test_seed_demo_twice_changes_nothing():
    # given a first run
    call_command("seed_demo", stdout=io.StringIO())
    first = row_counts()
    # one per demo login (finance included), the legal and finance reviewers of tenders, and a staff member for each
    # of five demo vendors
    assert first["logistics.User"] == 13
    assert first["logistics.ServiceCategory"] == 12
    # every evaluation of the demo shows the facts its settlement's ledger priced, every contract has its terms
    from contracts.models import Contract, Settlement
    from scoring.models import Evaluation
    from scoring.selectors import facts_from_ledger

    settlements = {(s.contract_id, s.quarter): s.pk for s in Settlement.objects.all()}
    evaluations = list(Evaluation.objects.all())
    assert len(evaluations) == len(settlements) > 20
    assert [
        (e.contract_id, e.quarter)
        for e in evaluations
        if e.facts != facts_from_ledger(settlements[(e.contract_id, e.quarter)])
    ] == []
    assert sum(e.facts["failed_items"] for e in evaluations) > 0
    assert not Contract.objects.filter(terms_versions__isnull=True).exists()
    # when it runs again
    call_command("seed_demo", stdout=io.StringIO())
    # then every table, history included, holds the same rows
    assert row_counts() == first


def test_seed_demo_users_can_log_in_with_the_documented_passwords(client):
    call_command("seed_demo", stdout=io.StringIO())
    from logistics.demo import DEMO_USERS

    # through the login form, as a person does (and through django-axes, which needs the request)
    for demo in DEMO_USERS:
        client.logout()
        response = client.post("/accounts/login/", {"username": demo["username"], "password": demo["password"]})
        assert (response.status_code, response.url) == (302, "/"), demo["username"]
        assert client.session["_auth_user_id"] == str(User.objects.get(username=demo["username"]).pk)


def test_a_bulk_update_leaves_one_history_row_per_changed_row(office_user):
    # given two sites with their creation history
    a, b = SiteFactory(), SiteFactory()
    assert Site.history.count() == 2
    # when a queryset update changes both
    changed = Site.objects.filter(pk__in=[a.pk, b.pk]).update(is_active=False)
    # then two history rows record the change, with the new values
    assert changed == 2
    rows = Site.history.filter(history_type="~").order_by("id")
    assert [(r.id, r.is_active, r.history_change_reason) for r in rows] == [
        (a.pk, False, "bulk update"),
        (b.pk, False, "bulk update"),
    ]


def test_audited_update_records_the_reason():
    site = SiteFactory()
    Site.objects.filter(pk=site.pk).audited_update(_reason="closed for works", is_active=False)
    assert Site.history.latest("history_id").history_change_reason == "closed for works"


def test_outbox_runs_the_task_after_commit_in_eager_mode(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = outbox.enqueue("logistics.tasks.ping_task", kwargs={})
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1


def test_outbox_dedup_key_queues_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.enqueue("logistics.tasks.ping_task", dedup_key="ping:1")
        second = outbox.enqueue("logistics.tasks.ping_task", dedup_key="ping:1")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1


def test_outbox_keeps_an_unknown_task_pending_with_the_error(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue("nope.tasks.missing_task")
    message.refresh_from_db()
    assert message.sent_at is None
    assert message.last_error == "unknown task nope.tasks.missing_task"
