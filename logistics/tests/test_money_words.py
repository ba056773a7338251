"""人民币大写: every rule of the payment measures with a worked amount (the payment request's capital amount)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from logistics.money_words import yuan_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("10.00", "壹拾元整"),  # a leading ten keeps its 壹
        ("15.00", "壹拾伍元整"),
        ("100.00", "壹佰元整"),
        ("123.45", "壹佰贰拾叁元肆角伍分"),
        ("1005.07", "壹仟零伍元零柒分"),  # one 零 for the inner zeros, one for the zero 角
        ("1010.10", "壹仟零壹拾元壹角"),
        ("30000.10", "叁万元壹角"),
        ("10005.00", "壹万零伍元整"),
        ("90000.00", "玖万元整"),
        ("100500.00", "壹拾万零伍佰元整"),
        ("115300.00", "壹拾壹万伍仟叁佰元整"),
        ("43804.35", "肆万叁仟捌佰零肆元叁角伍分"),
        ("1200000000.00", "壹拾贰亿元整"),
        ("100010000.00", "壹亿零壹万元整"),
        ("100000001.00", "壹亿零壹元整"),
        ("-120.00", "负壹佰贰拾元整"),
        ("2.999", "叁元整"),  # rounded half-up to the fen first
        ("-0.001", "零元整"),
    ],
)
def test_an_amount_in_capital_numerals(amount, words):
    assert yuan_in_words(Decimal(amount)) == words


def test_an_amount_beyond_ten_thousand_trillion_is_refused():
    with pytest.raises(ValueError):
        yuan_in_words(Decimal("1" + "0" * 17))
