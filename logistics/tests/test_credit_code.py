"""GB 32100-2015 check digit of the unified social credit code, on real-format codes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from logistics.credit_code import check_digit, validate_credit_code


@pytest.mark.parametrize(
    "code",
    [
        "9144030071526726XG",  # real-format codes of large companies (published on their licences)
        "914403001922038216",
        "91330100716105852F",
        "91110108551385082Q",
        "91350100M000100Y43",  # the example printed in the standard's guidance
    ],
)
def test_valid_codes_pass(code):
    validate_credit_code(code)


def test_check_digit_worked_example():
    # values 9 1 4 4 0 3 0 0 1 9 2 2 0 3 8 2 1 with weights 3^(i-1) mod 31
    # (1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28) sum to 831; 831 mod 31 = 25; 31 - 25 = 6
    assert check_digit("91440300192203821") == "6"
    # "X" is worth 28 in the 31-character alphabet; the check character can be a letter too
    assert check_digit("9144030071526726X") == "G"


@pytest.mark.parametrize(
    ("code", "code_name", "message"),
    [
        ("914403001922038217", "check_digit", "The check digit fails: the 18th character (“7”) does not match"),
        ("9144030019220382", "length", "A unified social credit code has 18 characters; this one has 16."),
        ("91440A001922038216", "division", "Character 6 (“A”) is wrong: characters 3 to 8"),
        ("9144030019220I8216", "character", "Character 14 (“I”) is wrong"),
        ("91440300192203821O", "character", "Character 18 (“O”) is wrong"),
    ],
)
def test_invalid_codes_say_what_is_wrong(code, code_name, message):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert info.value.code == code_name
    assert message in info.value.messages[0]


def test_message_is_in_chinese_by_default():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        validate_credit_code("914403001922038217")
    assert "校验码" in info.value.messages[0]
