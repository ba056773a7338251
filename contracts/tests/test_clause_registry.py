"""One definition per clause kind: a new kind registered once flows through the database constraint, the
admin, the API, the engine and the report's wording (issue 16, "Done when")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection, models, transaction
from django.test import RequestFactory
from django.utils import translation

from contracts import clause_kinds, services
from contracts.admin import ClauseInline
from contracts.explanations import describe, summarize_clause
from contracts.models import Clause, Contract, LedgerLine, _parameters_of_kind
from contracts.tests.factories import ContractFactory
from logistics.immutability import allow_locked_changes
from logistics.quarters import Quarter

D = Decimal


def _bonus_at_grade(clause, facts):
    if facts.grade == "A":
        amount = clause_kinds.money(clause.amount)
        yield clause_kinds.Priced(
            "bonus",
            amount,
            "score",
            None,
            f"score:{facts.quarter}",
            facts.quarter,
            clause_kinds.explain("bonus_at_grade_a", grade=facts.grade, amount=amount),
        )


NEW_KIND = clause_kinds.ClauseKind(
    code="bonus_at_grade_a",
    label="Bonus for grade A",
    role="score",
    required=("amount",),
    lines=_bonus_at_grade,
    explanations={"bonus_at_grade_a": "Grade %(grade)s: bonus of %(amount)s CNY."},
    summary=lambda c: f"Grade A earns a bonus of {c.amount} CNY",
)


def _swap(index: int, old: models.BaseConstraint, new: models.BaseConstraint) -> None:
    """Put ``new`` in the place of ``old``, in the model and in the database."""
    Clause._meta.constraints[index] = new
    with connection.schema_editor() as editor:
        if connection.vendor == "sqlite":
            editor.add_constraint(Clause, new)  # SQLite rebuilds the table from the model's constraints
        else:
            editor.remove_constraint(Clause, old)
            editor.add_constraint(Clause, new)


@pytest.fixture
def new_kind():
    """The registry with one more kind, and the database's constraint rebuilt from it (what the migration that
    ``makemigrations`` writes for a new entry does); both put back afterwards."""
    old = next(c for c in Clause._meta.constraints if c.name == "contracts_clause_parameters_of_kind")
    index = Clause._meta.constraints.index(old)
    clause_kinds.register(NEW_KIND)
    new = models.CheckConstraint(condition=_parameters_of_kind(), name=old.name)
    _swap(index, old, new)
    yield NEW_KIND
    with transaction.atomic(), allow_locked_changes():  # the old constraint does not know the kind
        LedgerLine.objects.filter(clause__kind=NEW_KIND.code).delete()
        Clause.objects.filter(kind=NEW_KIND.code).delete()
    clause_kinds.unregister(NEW_KIND.code)
    _swap(index, new, old)


@pytest.mark.django_db(transaction=True)
def test_a_new_kind_is_one_entry(new_kind, make_user, api_client):
    # a superuser of the office: a transactional test may follow another's flush, which leaves no role permissions
    office_user = make_user("office", username="registry-office", is_staff=True, is_superuser=True)
    draft = ContractFactory(status="draft", number="HT-NEW-KIND")
    # the model's choices read the registry
    assert "bonus_at_grade_a" in dict(Clause._meta.get_field("kind").choices)
    # the admin's clause inline of a draft offers it and checks its parameter
    request = RequestFactory().post("/")
    request.user = office_user
    inline = ClauseInline(Contract, admin.site)
    formset_class = inline.get_formset(request, draft)
    prefix = formset_class.get_default_prefix()
    data = {f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-0-kind": "bonus_at_grade_a"}
    with translation.override("en"):
        formset = formset_class(data, instance=draft, prefix=prefix)
        assert not formset.is_valid()
        assert formset.forms[0].errors["amount"] == ["Required for this kind of clause."]
    formset = formset_class({**data, f"{prefix}-0-amount": "800.00"}, instance=draft, prefix=prefix)
    assert formset.is_valid(), formset.errors
    for form in formset.forms:
        form.instance.terms = draft.terms_versions.get()
    formset.save()
    assert list(Clause.objects.filter(contract=draft).values_list("kind", "amount")) == [
        ("bonus_at_grade_a", D("800.00"))
    ]
    # the API creates one for a draft and says what is missing
    api_client.force_authenticate(office_user)
    response = api_client.post("/api/clauses/", {"contract": draft.pk, "kind": "bonus_at_grade_a"}, format="json")
    assert response.status_code == 400 and "amount" in response.json()
    response = api_client.post(
        "/api/clauses/", {"contract": draft.pk, "kind": "bonus_at_grade_a", "amount": "900.00"}, format="json"
    )
    assert response.status_code == 201 and response.json()["summary"] == "Grade A earns a bonus of 900.00 CNY"
    # the engine prices it by the version of the quarter's last day, and the ledger explains it
    signed = ContractFactory(number="HT-NEW-KIND-2")
    services.contract_amend(
        contract=signed,
        effective_date=dt.date(2026, 9, 1),
        reason="增加优秀奖励",
        clauses=[{"kind": "bonus_at_grade_a", "amount": D("1200.00")}],
    )
    settlement = services.settlement_apply(contract=signed, quarter=Quarter(2026, 3), score=D("95"), grade="A")
    line = LedgerLine.objects.get(settlement=settlement)
    assert (line.kind, line.amount, line.terms_version.number, line.clause.kind) == (
        "bonus",
        D("1200.00"),
        2,
        "bonus_at_grade_a",
    )
    assert settlement.payable == settlement.fee + D("1200.00")
    # the report's wording comes from the entry
    assert describe(line.explanation) == "Grade A: bonus of 1200.00 CNY."
    assert summarize_clause(line.clause) == "Grade A earns a bonus of 1200.00 CNY"
