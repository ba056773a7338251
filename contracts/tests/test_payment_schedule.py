"""The pure payment schedule (``contracts.payments.schedule``) for the cycles the worked example of
``test_payments`` does not take: a yearly cycle gathers a calendar year's quarters into one instalment that carries
their adjustments once all of them are final; a contract starting mid-quarter is clipped to its days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from contracts import payments
from contracts import terms as terms_rules

D = Decimal
V1 = terms_rules.Version(id=1, number=1, effective_from=dt.date(2026, 1, 1), annual_fee=D("400000.00"))


def money(fee: str, payable: str | None) -> payments.QuarterMoney:
    return payments.QuarterMoney(D(fee), None if payable is None else D(payable))


def test_a_yearly_cycle_pays_each_calendar_year_once_with_its_quarters_adjustments():
    dues = payments.schedule(
        start=dt.date(2026, 1, 1),
        end=dt.date(2027, 12, 31),
        versions=[payments.CycleVersion(V1, "yearly")],
        settlements={
            "2026Q1": money("100000.00", "99000.00"),
            "2026Q2": money("100000.00", "100500.00"),  # a bonus
            "2026Q3": money("100000.00", "97000.00"),
            "2026Q4": money("100000.00", "100000.00"),
            "2027Q1": money("100000.00", "98000.00"),
            "2027Q2": money("100000.00", None),  # not final: the whole of 2027 waits
        },
    )
    assert [(d.first, d.last, d.cycle, d.base, d.adjustment, d.amount, d.carries, d.quarters) for d in dues] == [
        (
            dt.date(2026, 1, 1),
            dt.date(2026, 12, 31),
            "yearly",
            D("400000.00"),
            D("-3500.00"),
            D("396500.00"),
            "2026Q4",
            ("2026Q1", "2026Q2", "2026Q3", "2026Q4"),
        ),
        (
            dt.date(2027, 1, 1),
            dt.date(2027, 12, 31),
            "yearly",
            D("400000.00"),
            None,
            None,
            "2027Q4",
            ("2027Q1", "2027Q2", "2027Q3", "2027Q4"),
        ),
    ]


def test_a_contract_starting_mid_quarter_is_paid_for_its_days_only():
    start = dt.date(2026, 2, 15)
    version = terms_rules.Version(id=1, number=1, effective_from=start, annual_fee=D("365000.00"))
    dues = payments.schedule(
        start=start,
        end=dt.date(2026, 6, 30),
        versions=[payments.CycleVersion(version, "monthly")],
        # Q1 has 90 days, a day is 365,000 / 4 / 90; the contract runs 45 of them: 45,625.00, 500 deducted
        settlements={"2026Q1": money("45625.00", "45125.00")},
    )
    assert [(d.first, d.last, d.base, d.adjustment, d.carries) for d in dues] == [
        (dt.date(2026, 2, 15), dt.date(2026, 2, 28), D("14194.44"), D("0.00"), ""),  # 14 days
        (dt.date(2026, 3, 1), dt.date(2026, 3, 31), D("31430.56"), D("-500.00"), "2026Q1"),  # what is left
        (dt.date(2026, 4, 1), dt.date(2026, 4, 30), D("30082.42"), D("0.00"), ""),  # 91,250 x 30/91
        (dt.date(2026, 5, 1), dt.date(2026, 5, 31), D("31085.16"), D("0.00"), ""),  # 91,250 x 31/91
        (dt.date(2026, 6, 1), dt.date(2026, 6, 30), D("30082.42"), None, "2026Q2"),  # the rest; Q2 not settled
    ]
    assert dues[0].base + dues[1].base == D("45625.00")
    assert dues[2].base + dues[3].base + dues[4].base == D("91250.00")


def test_the_dates_the_contract_sets_end_each_instalment_and_split_a_quarter_they_fall_in():
    """365,000 a year paid on 15 May and 15 November (and the contract's end). Q2 is cut after 15 May: its first 45
    days go with the first instalment, the rest (and Q2's adjustment) with the second; Q4 likewise after 15 November.
    Q1 lost 1,000, Q2 500, Q3 earned a 300 bonus; Q4 is not final."""
    version = terms_rules.Version(id=1, number=1, effective_from=dt.date(2026, 1, 1), annual_fee=D("365000.00"))
    dues = payments.schedule(
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        versions=[payments.CycleVersion(version, "dates", ("05-15", "11-15"))],
        settlements={
            "2026Q1": money("91250.00", "90250.00"),
            "2026Q2": money("91250.00", "90750.00"),
            "2026Q3": money("91250.00", "91550.00"),
            "2026Q4": money("91250.00", None),
        },
    )
    # each instalment's days, the settlement it carries and the quarters it pays for
    assert [(d.first, d.last, d.carries, d.quarters) for d in dues] == [
        (dt.date(2026, 1, 1), dt.date(2026, 5, 15), "2026Q1", ("2026Q1", "2026Q2")),
        (dt.date(2026, 5, 16), dt.date(2026, 11, 15), "2026Q3", ("2026Q2", "2026Q3", "2026Q4")),
        (dt.date(2026, 11, 16), dt.date(2026, 12, 31), "2026Q4", ("2026Q4",)),
    ]
    # and its money: base, adjustment, amount
    assert [(d.base, d.adjustment, d.amount) for d in dues] == [
        # Q1, and Q2's 45 days to 15 May: 91,250 x 45/91 = 45,123.63
        (D("136373.63"), D("-1000.00"), D("135373.63")),
        # the rest of Q2 (46,126.37) with its -500, Q3 with its +300, Q4's 46 days to 15 November (45,625.00)
        (D("183001.37"), D("-200.00"), D("182801.37")),
        # the contract's end: the rest of Q4, which carries Q4's settlement and waits for it
        (D("45625.00"), None, None),
    ]
    assert sum((d.base for d in dues), D(0)) == D("365000.00")


def test_payment_dates_are_days_of_every_year():
    assert payments.parse_payment_dates(["12-31", "6-30", "06-30 "]) == ("06-30", "12-31")
    for bad in ("02-29", "13-01", "06-31", "June", "0630"):
        try:
            payments.parse_payment_dates([bad])
        except ValueError as exc:
            assert exc.args == (bad,)
        else:
            raise AssertionError(bad)
