"""An amount in yuan written in capital Chinese numerals (人民币大写), as a payment form carries it beside the figures.

The rules of the People's Bank's payment and settlement measures (《支付结算办法》, 附一): the capital digits
零壹贰叁肆伍陆柒捌玖 with 拾佰仟万亿; 元 after the yuan, then 角 and 分; "整" when there is no 角 or 分 (a lone 角
needs none); one 零 for a run of zeros inside the number and for a zero 角 before a 分 ("壹仟零伍元零柒分"); 壹拾
for a leading ten ("壹拾元整").

Written here rather than taken from ``cn2an``: that package imports ``pkg_resources`` (gone from current
setuptools) and a YAML configuration to do what these forty lines do, and the rule is tested line by line
(``logistics/tests/test_money_words.py``). Pure: no Django.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")  # within a group of four digits
GROUPS = ("", "万", "亿", "万亿")  # groups of four digits, from the lowest


def _group(number: int) -> str:
    """0 < number < 10,000 in capitals, with one 零 for each run of inner zeros ("壹仟零伍")."""
    words, zero = "", False
    for power, place in zip((3, 2, 1, 0), PLACES, strict=True):
        digit = number // 10**power % 10
        if digit == 0:
            zero = zero or bool(words)
            continue
        if zero:
            words += DIGITS[0]
            zero = False
        words += DIGITS[digit] + place
    return words


def _integer(number: int) -> str:
    groups = []
    while number:
        groups.append(number % 10_000)
        number //= 10_000
    if len(groups) > len(GROUPS):
        raise ValueError("amount too large to write in words")
    words, zero = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            zero = zero or bool(words)
            continue
        if words and (zero or group < 1000):  # 壹万零伍, 壹亿零壹万
            words += DIGITS[0]
        words += _group(group) + GROUPS[index]
        zero = False
    return words


def yuan_in_words(amount: Decimal) -> str:
    """``Decimal("1005.07")`` -> "壹仟零伍元零柒分"; rounded half-up to the fen first; "负" before a negative amount."""
    cents = int((abs(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    sign = "负" if amount < 0 and cents else ""
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    words = _integer(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return sign + (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += DIGITS[0]
    if fen:
        words += DIGITS[fen] + "分"
    return sign + words
