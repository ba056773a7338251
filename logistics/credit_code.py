"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Eighteen characters: registration authority (1), entity type (1), administrative division (6 digits),
organisation code (9) and a check digit. Every character comes from a 31-character alphabet that leaves
out I, O, Z, S and V; the check digit is ``31 - (sum of value x 3^(i-1) mod 31) mod 31`` over the first 17.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: index for index, char in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
LENGTH = 18


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 (which must already be valid alphabet characters)."""
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    return (code or "").strip().replace(" ", "").upper()


def validate_credit_code(value: str) -> None:
    """Raise ``ValidationError`` naming the wrong character, or saying that the check digit fails."""
    code = normalize(value)
    if len(code) != LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d.") % {"count": len(code)},
            code="length",
        )
    for position, char in enumerate(code, start=1):
        if 3 <= position <= 8 and not char.isdigit():
            raise ValidationError(
                _(
                    "Character %(position)d (“%(char)s”) is wrong: characters 3 to 8 are the administrative "
                    "division code and must be digits."
                )
                % {"position": position, "char": char},
                code="division",
            )
        if char not in VALUES:
            raise ValidationError(
                _(
                    "Character %(position)d (“%(char)s”) is wrong: a unified social credit code uses only digits "
                    "and the capital letters A-Y without I, O, S, V and Z."
                )
                % {"position": position, "char": char},
                code="character",
            )
    if check_digit(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "The check digit fails: the 18th character (“%(char)s”) does not match the first 17 characters. "
                "Please look for a mistyped character."
            )
            % {"char": code[17]},
            code="check_digit",
        )
