"""Status transitions, declared once per stateful model next to its status choices.

A ``Flow`` is the table "from this status the record may go to these"; the services move a record through
``advance`` (which refuses a move the table does not hold, in the user's language), the pages and the admin
ask ``targets`` what to offer, and the tests read the same table. Adding a transition is one entry here:

    CONTRACT_FLOW = Flow(ContractStatus, {ContractStatus.DRAFT: {ContractStatus.ACTIVE}, ...}, noun=_("A contract"))

Pure: no ORM; the messages are lazy translations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext


class Flow:
    """The transitions of one status field (``field``, default ``status``) over ``choices``."""

    def __init__(
        self,
        choices: type[models.TextChoices],
        table: Mapping[str, Iterable[str]],
        *,
        noun: Any,
        field: str = "status",
    ) -> None:
        unknown = {str(s) for s in table} - set(choices.values)
        unknown |= {str(t) for targets in table.values() for t in targets} - set(choices.values)
        if unknown:
            raise ValueError(f"{choices.__name__}: unknown statuses in the transition table: {sorted(unknown)}")
        self.choices = choices
        self.table = {str(source): frozenset(str(t) for t in targets) for source, targets in table.items()}
        self.noun = noun
        self.field = field

    def targets(self, source: str) -> frozenset[str]:
        """Where a record in ``source`` may go (nothing for a final status)."""
        return self.table.get(str(source), frozenset())

    def allows(self, source: str, target: str) -> bool:
        return str(target) in self.targets(source)

    def check(self, source: str, target: str, refused: Any = None) -> None:
        """Refuse a move the table does not hold: ``refused`` (what the action says), or a general message."""
        if self.allows(source, target):
            return
        if refused is None:
            refused = gettext("%(noun)s cannot go from “%(from)s” to “%(to)s”.") % {
                "noun": self.noun,
                "from": self.choices(source).label,
                "to": self.choices(target).label,
            }
        raise ValidationError(refused)

    def advance(self, record: Any, target: str, refused: Any = None) -> None:
        """Move ``record`` to ``target`` (in memory; the service saves it), or refuse as ``check`` does."""
        self.check(getattr(record, self.field), target, refused)
        setattr(record, self.field, target)

    def edges(self) -> list[tuple[str, str]]:
        return sorted((source, target) for source, targets in self.table.items() for target in targets)
