"""Small wording helpers that depend on the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import pgettext


def join_names(items: Iterable[Any]) -> str:
    """Names in a row: the enumeration comma in Chinese (甲、乙), a comma and a space in English."""
    return pgettext("list separator", ", ").join(str(item) for item in items)
