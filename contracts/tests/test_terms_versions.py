"""Contract terms in force by date: worked examples with exact amounts (ARCHITECTURE.md, "Contract terms in
force (versions)"). Every figure below is computed by hand in the comment beside it.

The base contract: annual fee 400,000.00 from 2026-01-01 to 2027-12-31, paid quarterly. 2026Q3 has 92 days
(Jul 31 + Aug 31 + Sep 30), so one version's full quarter is 400,000 / 4 = 100,000.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contracts import services
from contracts.clauses import FailedItem, OverdueRectification, UpheldComplaint
from contracts.models import Clause, ContractAmendment, LedgerLine, Settlement, TermsVersion
from contracts.terms import Version, fee_basis, in_force_spans, suspended_spans
from contracts.tests.factories import ClauseFactory, ContractFactory
from logistics.quarters import Quarter

pytestmark = pytest.mark.django_db
D = Decimal
Q3 = Quarter(2026, 3)
ITEMS = {"kind": "per_failed_item", "amount_minor": D(100), "amount_major": D(300), "amount_serious": D(1000)}


def base_contract(**kwargs):
    contract = ContractFactory(annual_fee=D("400000.00"), **kwargs)
    ClauseFactory(
        contract=contract, kind="per_failed_item", amount=None, **{k: v for k, v in ITEMS.items() if k != "kind"}
    )
    ClauseFactory(contract=contract, kind="per_upheld_complaint", amount=D(500))
    ClauseFactory(contract=contract, kind="per_overdue_rectification_day", amount=D(200))
    ClauseFactory(contract=contract, kind="score_below", amount=None, threshold=D(80), percent=D(5))
    ClauseFactory(contract=contract, kind="deduction_cap", amount=None, percent=D(10))
    return contract


def clause_set(contract, **changes):
    """The contract's latest clause set as data, with some kinds' parameters changed."""
    terms = contract.terms_versions.order_by("-number").first()
    rows = []
    for clause in terms.clauses.order_by("kind", "pk"):
        row = {"kind": clause.kind, "description": clause.description}
        row |= {name: getattr(clause, name) for name in services.PARAMETERS if getattr(clause, name) is not None}
        row |= changes.get(clause.kind, {})
        rows.append(row)
    return rows


def amend(contract, day, by=None, **terms):
    return services.contract_amend(
        contract=contract, effective_date=day, reason="补充协议", approved_by="李主任", by=by, **terms
    )


def amended_to_monthly(contract, day, annual_fee, by, **clause_changes):
    """A supplementary agreement from ``day``: ``annual_fee`` a year paid monthly, the clauses as they were but for
    ``clause_changes``."""
    return amend(
        contract,
        day,
        by=by,
        annual_fee=D(annual_fee),
        payment_cycle="monthly",
        clauses=clause_set(contract, **clause_changes),
    )


def price_q3(contract, score, grade, **evidence):
    """2026Q3 priced for ``contract`` at ``score`` and ``grade``, with the quarter's ``evidence`` (failed items,
    complaints...) and any other argument of ``settlement_apply``."""
    return services.settlement_apply(contract=contract, quarter=Q3, score=score, grade=grade, **evidence)


def lines(settlement):
    return list(
        settlement.lines.order_by("clause__terms__number", "clause__kind", "evidence_key").values_list(
            "clause__terms__number", "clause__kind", "evidence_key", "amount"
        )
    )


# --- the fee, pure ---------------------------------------------------------------------------------------
def test_pure_fee_of_two_versions_is_summed_over_their_days_and_rounded_once():
    # v1 400,000 from Jan 1; v2 800,000 from Sep 16: 77 days at v1, 15 at v2
    # (400,000 x 77 + 800,000 x 15) / 4 / 92 = 42,800,000 / 368 = 116,304.3478... -> 116,304.35
    versions = [Version(1, 1, dt.date(2026, 1, 1), D(400000)), Version(2, 2, dt.date(2026, 9, 16), D(800000))]
    spans = in_force_spans(Q3.first_day, Q3.last_day, start=dt.date(2026, 1, 1), end=dt.date(2027, 12, 31))
    basis = fee_basis(versions, spans, quarter_days=92)
    assert basis.fee == D("116304.35")
    assert [(p.version.number, p.first, p.last, p.days) for p in basis.parts] == [
        (1, dt.date(2026, 7, 1), dt.date(2026, 9, 15), 77),
        (2, dt.date(2026, 9, 16), dt.date(2026, 9, 30), 15),
    ]


def test_pure_suspended_days_are_not_in_force():
    changes = [("draft", "active", dt.date(2026, 1, 1)), ("active", "suspended", dt.date(2026, 8, 1))]
    changes.append(("suspended", "active", dt.date(2026, 8, 21)))
    assert suspended_spans(changes) == [(dt.date(2026, 8, 1), dt.date(2026, 8, 20))]
    spans = in_force_spans(
        Q3.first_day,
        Q3.last_day,
        start=dt.date(2026, 1, 1),
        end=dt.date(2027, 12, 31),
        suspended=suspended_spans(changes),
    )
    assert spans == [(dt.date(2026, 7, 1), dt.date(2026, 7, 31)), (dt.date(2026, 8, 21), dt.date(2026, 9, 30))]


# --- worked examples through the services, on the database ---------------------------------------------
def test_an_amendment_mid_quarter_splits_the_fee_and_prices_each_event_by_its_day(office_user):
    # given the base contract and a supplementary agreement from 2026-09-16: fee 800,000; minor failures 150;
    # complaints 800; overdue days 300; score below 80 costs 6%
    contract = base_contract()
    amendment = amend(
        contract,
        dt.date(2026, 9, 16),
        by=office_user,
        annual_fee=D("800000.00"),
        clauses=clause_set(
            contract,
            per_failed_item={"amount_minor": D(150)},
            per_upheld_complaint={"amount": D(800)},
            per_overdue_rectification_day={"amount": D(300)},
            score_below={"percent": D(6)},
        ),
    )
    # when the quarter is priced with a failure on each side of the date, a complaint upheld after it, an
    # order overdue from Sep 11 to the end of the quarter (20 days) and a score of 75
    settlement = price_q3(
        contract,
        D("75.00"),
        "C",
        failed_items=[
            FailedItem(1, "minor", "JC-1/A1", on=dt.date(2026, 9, 15)),
            FailedItem(2, "minor", "JC-2/A1", on=dt.date(2026, 9, 16)),  # the amendment's own day: the new terms
        ],
        upheld_complaints=[UpheldComplaint(7, "TS-7", on=dt.date(2026, 9, 20))],
        overdue_rectifications=[OverdueRectification(9, 20, "ZG-9", first=dt.date(2026, 9, 11))],
    )
    # then the fee is 116,304.35 (see the pure test), each line names its version, and the score clause and
    # the cap are version 2's (in force on the last day of the quarter)
    assert settlement.fee == D("116304.35")
    assert lines(settlement) == [
        (1, "per_failed_item", "item_result:1", D("100.00")),
        (1, "per_overdue_rectification_day", "rectification:9", D("1000.00")),  # Sep 11-15: 5 x 200
        (2, "per_failed_item", "item_result:2", D("150.00")),
        (2, "per_overdue_rectification_day", "rectification:9", D("4500.00")),  # Sep 16-30: 15 x 300
        (2, "per_upheld_complaint", "complaint:7", D("800.00")),
        (2, "score_below", "score:2026Q3", D("6978.26")),  # 6% of 116,304.35 = 6,978.261
    ]
    # deductions 13,528.26; cap 10% of the fee 11,630.435 -> 11,630.44; payable 116,304.35 - 11,630.44
    assert (settlement.deductions, settlement.cap, settlement.cap_applied, settlement.payable) == (
        D("13528.26"),
        D("11630.44"),
        D("1897.82"),
        D("104673.91"),
    )
    assert settlement.terms.number == 2 and settlement.fee_basis == [
        {
            "version": 1,
            "terms": settlement.terms.contract.terms_versions.get(number=1).pk,
            "first": "2026-07-01",
            "last": "2026-09-15",
            "days": 77,
            "annual_fee": "400000.00",
        },
        {
            "version": 2,
            "terms": settlement.terms.pk,
            "first": "2026-09-16",
            "last": "2026-09-30",
            "days": 15,
            "annual_fee": "800000.00",
        },
    ]
    # and the agreement records what changed, with version 2 made from it
    assert amendment.terms.number == 2 and amendment.changes["annual_fee"] == ["400000.00", "800000.00"]
    assert len(amendment.changes["clauses"]["added"]) == 4 and len(amendment.changes["clauses"]["removed"]) == 4


def test_two_amendments_in_one_quarter():
    # v1 400,000; v2 480,000 from Aug 1; v3 520,000 from Sep 1: 31, 31 and 30 days
    # (400,000 x 31 + 480,000 x 31 + 520,000 x 30) / 368 = 42,880,000 / 368 = 116,521.7391... -> 116,521.74
    contract = base_contract()
    amend(contract, dt.date(2026, 8, 1), annual_fee=D("480000.00"))
    amend(contract, dt.date(2026, 9, 1), annual_fee=D("520000.00"))
    settlement = price_q3(contract, D("70"), "C")
    assert settlement.fee == D("116521.74")
    assert [(p["version"], p["days"]) for p in settlement.fee_basis] == [(1, 31), (2, 31), (3, 30)]
    # score below 80: version 3's 5% of 116,521.74 = 5,826.087 -> 5,826.09
    assert lines(settlement) == [(3, "score_below", "score:2026Q3", D("5826.09"))]


def test_amendments_on_the_first_and_on_the_last_day_of_a_quarter():
    # v2 440,000 from Jul 1 (the whole quarter but one day) and v3 480,000 from Sep 30 (one day)
    # (440,000 x 91 + 480,000 x 1) / 368 = 40,520,000 / 368 = 110,108.6956... -> 110,108.70
    contract = base_contract()
    amend(contract, dt.date(2026, 7, 1), annual_fee=D("440000.00"))
    amend(
        contract,
        dt.date(2026, 9, 30),
        annual_fee=D("480000.00"),
        clauses=clause_set(contract, score_below={"percent": D(8)}),
    )
    settlement = price_q3(
        contract,
        D("70"),
        "C",
        failed_items=[FailedItem(1, "serious", "JC-1/S1", on=dt.date(2026, 9, 30))],
    )
    assert settlement.fee == D("110108.70")
    assert [(p["version"], p["first"], p["last"]) for p in settlement.fee_basis] == [
        (2, "2026-07-01", "2026-09-29"),
        (3, "2026-09-30", "2026-09-30"),
    ]
    # the last day's version prices the score: 8% of 110,108.70 = 8,808.696 -> 8,808.70
    assert lines(settlement) == [
        (3, "per_failed_item", "item_result:1", D("1000.00")),
        (3, "score_below", "score:2026Q3", D("8808.70")),
    ]
    # the quarter before is all version 1: 100,000.00
    assert services.settlement_apply(contract=contract, quarter=Quarter(2026, 2), score=None, grade=None).fee == D(
        "100000.00"
    )


def test_suspended_days_are_not_paid(office_user):
    # suspended from Aug 1, resumed on Aug 21: 20 days out of force, 72 in
    # 400,000 x 72 / 368 = 78,260.8695... -> 78,260.87
    contract = base_contract()
    services.contract_change_status(
        contract=contract, to_status="suspended", reason="停业整顿", effective_date=dt.date(2026, 8, 1), by=office_user
    )
    services.contract_change_status(
        contract=contract, to_status="active", reason="整顿完毕", effective_date=dt.date(2026, 8, 21), by=office_user
    )
    settlement = price_q3(contract, D("90"), "A")
    assert settlement.fee == D("78260.87")
    assert [(p["first"], p["last"], p["days"]) for p in settlement.fee_basis] == [
        ("2026-07-01", "2026-07-31", 31),
        ("2026-08-21", "2026-09-30", 41),
    ]


def test_a_change_reaching_into_a_final_quarter_is_refused_and_nothing_is_saved(office_user):
    contract = base_contract()
    price_q3(contract, D("90"), "A", finalize=True)
    final = Settlement.objects.get(contract=contract, quarter="2026Q3")
    before = (final.fee, final.payable, lines(final))
    with translation.override("en"), pytest.raises(ValidationError) as info:
        amend(contract, dt.date(2026, 9, 16), by=office_user, annual_fee=D("800000.00"))
    message = info.value.message_dict["effective_date"][0]
    assert message.startswith("2026Q3 is final (finalized on ")
    assert "a change from 2026-09-16 would re-price it. Correct 2026Q3 with a settlement correction instead" in message
    assert message.endswith("take effect on 2026-10-01 or later.")
    # nothing saved half-way, and the final quarter is as it was
    assert (ContractAmendment.objects.count(), TermsVersion.objects.filter(contract=contract).count()) == (0, 1)
    final.refresh_from_db()
    assert (final.fee, final.payable, lines(final)) == before
    # from the next quarter on it is accepted
    assert amend(contract, dt.date(2026, 10, 1), by=office_user, annual_fee=D("800000.00")).terms.number == 2


@pytest.mark.parametrize(
    ("day", "terms", "field", "text"),
    [
        (dt.date(2025, 12, 31), {"annual_fee": D(1)}, "effective_date", "before the contract starts (2026-01-01)"),
        (dt.date(2028, 1, 1), {"annual_fee": D(1)}, "effective_date", "after the contract ends (2027-12-31)"),
        (dt.date(2026, 1, 1), {"annual_fee": D(1)}, "effective_date", "Terms version 1 is in force from 2026-01-01"),
        (dt.date(2026, 11, 1), {"annual_fee": D(0)}, "annual_fee", "The annual fee must be more than 0."),
        (dt.date(2026, 11, 1), {"annual_fee": D(-5)}, "annual_fee", "The annual fee must be more than 0."),
        (dt.date(2026, 11, 1), {"annual_fee": D("400000.00")}, None, "The supplementary agreement changes nothing."),
        (
            dt.date(2026, 11, 1),
            {"clauses": [{"kind": "score_below", "threshold": D(101), "percent": D(5)}]},
            "clauses",
            "Clause 1 (Deduction when the quarterly score is below a threshold), score threshold:",
        ),
        (
            dt.date(2026, 11, 1),
            {"clauses": [{"kind": "deduction_cap", "percent": D(5)}, {"kind": "deduction_cap", "percent": D(6)}]},
            "clauses",
            "A terms version has at most one clause of each of these kinds",
        ),
    ],
)
def test_bad_agreements_get_a_clear_message_and_save_nothing(office_user, day, terms, field, text):
    contract = base_contract()
    with translation.override("en"), pytest.raises(ValidationError) as info:
        amend(contract, day, by=office_user, **terms)
    messages = info.value.message_dict[field] if field else info.value.messages
    assert any(text in m for m in messages), messages
    assert ContractAmendment.objects.count() == 0
    assert list(TermsVersion.objects.filter(contract=contract).values_list("number", flat=True)) == [1]
    assert Clause.objects.filter(contract=contract).count() == 5


def test_a_signed_contracts_clauses_are_frozen_in_the_domain_with_a_message_naming_the_agreement():
    contract = base_contract()
    with translation.override("en"), pytest.raises(ValidationError, match="record a supplementary agreement"):
        Clause.objects.create(
            contract=contract, terms=contract.terms_versions.get(), kind="warning_below", threshold=70
        )
    clause = contract.clauses.first()
    clause.amount_minor = D(1)
    with pytest.raises(ValidationError, match="补充协议"):
        clause.save()
    with pytest.raises(ValidationError):
        clause.delete()
    version = contract.terms_versions.get()
    version.annual_fee = D(1)
    with pytest.raises(ValidationError):
        version.save()
    assert LedgerLine.objects.count() == 0 and TermsVersion.objects.get(pk=version.pk).annual_fee == D("400000.00")


def test_the_supplementary_agreement_page_records_version_2(client_for, office_user):
    contract = base_contract()
    client = client_for(office_user)
    page = client.get(f"/contracts/{contract.pk}/amend/")
    assert page.status_code == 200
    form = page.context["formset"]
    data = {
        "effective_date": "2026-11-01",
        "agreement_number": "BC-2026-01",
        "approved_by": "李主任",
        "reason": "人工成本上涨",
        "annual_fee": "420000.00",
        "payment_cycle": "monthly",
        "end_date": "2027-12-31",
        "service_standards": "",
        "clauses-TOTAL_FORMS": str(len(form.forms)),
        "clauses-INITIAL_FORMS": str(form.initial_form_count()),
        "clauses-MIN_NUM_FORMS": "0",
        "clauses-MAX_NUM_FORMS": "1000",
    }
    for index, clause_form in enumerate(form.forms):
        for name, value in (clause_form.initial or {}).items():
            data[f"clauses-{index}-{name}"] = "" if value is None else str(value)
    data["clauses-0-DELETE"] = "on"  # drop the first clause
    # a bad fee first: the page says so and keeps what was typed
    response = client.post(f"/contracts/{contract.pk}/amend/", {**data, "annual_fee": "0"})
    assert response.status_code == 200 and "人工成本上涨" in response.content.decode()
    assert TermsVersion.objects.filter(contract=contract).count() == 1
    response = client.post(f"/contracts/{contract.pk}/amend/", data)
    assert response.status_code == 302
    version = contract.terms_versions.get(number=2)
    assert (version.effective_from, version.annual_fee, version.payment_cycle) == (
        dt.date(2026, 11, 1),
        D("420000.00"),
        "monthly",
    )
    assert version.clauses.count() == 4
    detail = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert "BC-2026-01" in detail and "420,000.00" in detail


def test_an_agreement_and_the_contract_page_cost_the_same_queries_whatever_the_size(
    office_user, client_for, count_queries
):
    client = client_for(office_user)

    def agreement_and_page(clause_count, versions):
        contract = base_contract()
        for n in range(clause_count - 5):
            ClauseFactory(contract=contract, kind="score_at_least", amount=D(100 + n), threshold=D(95))
        for n in range(versions - 1):
            amend(contract, dt.date(2026, 2 + n, 1), annual_fee=D(410000 + n))
        price_q3(contract, D("70"), "C")
        clauses = clause_set(contract)
        by = type(office_user).objects.get(pk=office_user.pk)  # its roles not yet read, at both sizes
        writes, _ = count_queries(
            lambda: amend(contract, dt.date(2026, 11, 1), by=by, annual_fee=D("500000.00"), clauses=clauses)
        )
        reads, response = count_queries(lambda: client.get(f"/contracts/{contract.pk}/"))
        assert response.status_code == 200
        return writes, reads

    assert agreement_and_page(5, 1) == agreement_and_page(12, 4)


def test_bad_input_gets_a_clear_message_in_the_api_and_the_admin_and_saves_nothing(office_user, api_client):
    from django.contrib import admin
    from django.test import RequestFactory

    from contracts.admin import DraftTermsInline
    from contracts.models import Contract

    contract = base_contract()
    price_q3(contract, D("90"), "A", finalize=True)
    api_client.force_authenticate(office_user)
    url = f"/api/contracts/{contract.pk}/amendments/"
    # in the reader's language (the API follows the request's: Chinese by default)
    response = api_client.post(url, {"effective_date": "2026-09-16", "reason": "涨价", "annual_fee": "800000"})
    assert response.status_code == 400
    assert response.json()["effective_date"][0].startswith("2026Q3 已定稿（定稿日期 ")
    response = api_client.post(url, {"effective_date": "2026-11-01", "reason": "涨价", "annual_fee": "0"})
    assert (response.status_code, response.json()) == (400, {"annual_fee": ["年服务费必须大于 0。"]})
    response = api_client.post(
        url,
        {
            "effective_date": "2026-11-01",
            "reason": "条款调整",
            "clauses": [{"kind": "per_upheld_complaint", "amount": "-1"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["clauses"][0].startswith("第 1 条（属实投诉扣款）金额（元）：")
    assert (ContractAmendment.objects.count(), contract.terms_versions.count()) == (0, 1)
    # the admin: a draft's terms with a fee of 0
    draft = ContractFactory(status="draft")
    request = RequestFactory().post("/")
    request.user = office_user
    formset_class = DraftTermsInline(Contract, admin.site).get_formset(request, draft)
    prefix = formset_class.get_default_prefix()
    version = draft.terms_versions.get()
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": str(version.pk),
        f"{prefix}-0-contract": str(draft.pk),
        f"{prefix}-0-annual_fee": "0",
        f"{prefix}-0-payment_cycle": "quarterly",
    }
    with translation.override("en"):
        formset = formset_class(data, instance=draft, prefix=prefix)
        assert not formset.is_valid()
        assert formset.forms[0].errors["annual_fee"] == ["The annual fee must be more than 0."]
    assert draft.terms_versions.get().annual_fee == D("400000.00")


def test_a_missed_self_check_is_priced_by_the_version_in_force_on_its_day(office_user):
    from contracts.clauses import MissedSelfCheck

    # given a contract pricing a missed self-check at 50 CNY, raised to 80 from 16 September
    contract = base_contract()
    ClauseFactory(contract=contract, kind="per_missed_self_check", amount=D(50))
    amend(
        contract,
        dt.date(2026, 9, 16),
        by=office_user,
        clauses=clause_set(contract, per_missed_self_check={"amount": D(80)}),
    )
    # when rounds of 15 and 16 September were missed
    settlement = price_q3(
        contract,
        D("90.00"),
        "A",
        missed_self_checks=[
            MissedSelfCheck(3, "XJ-000003", on=dt.date(2026, 9, 15)),
            MissedSelfCheck(4, "XJ-000004", on=dt.date(2026, 9, 16)),
        ],
    )
    # then each is priced by the version of its day
    assert [row for row in lines(settlement) if row[1] == "per_missed_self_check"] == [
        (1, "per_missed_self_check", "round:3", D("50.00")),
        (2, "per_missed_self_check", "round:4", D("80.00")),
    ]
    with translation.override("en"):
        line = settlement.lines.get(evidence_key="round:4")
        from contracts.explanations import describe

        assert describe(line.explanation) == (
            "Self-check round XJ-000004 of 2026-09-16 missed (its plan made it due; none was done in its window or "
            "late): 80.00 CNY per round."
        )
