"""Locked records: submitted inspections, final evaluations, final settlements and their ledger lines, a
signed contract's terms and clauses.

They are kept as they were at every layer: the services refuse, the models' ``save()``/``delete()`` refuse
(``LockedModel``, which every locked record extends and which reads its lock from ``LOCK_FIELD`` and
``LOCKED_VALUES``), their querysets' bulk ``update()``/``delete()`` refuse (``LockedQuerySet``), the admin
and the API are read-only, and on PostgreSQL a trigger refuses a raw UPDATE or DELETE (migrations ``contracts 0002``,
``inspections 0003``, ``scoring 0004``). The one way through is an audited service (an inspection's
amendment, an evaluation's reopening, a settlement's correction), which runs inside
``allow_locked_changes()``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from logistics.models import AuditedQuerySet

#: the PostgreSQL setting the triggers read (transaction-local, see ``allow_locked_changes``)
BYPASS_SETTING = "logistics.amending"

_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar("locked_changes_allowed", default=False)


class ImmutableError(ValidationError):
    """Raised when something tries to change a record that is locked (submitted, final)."""


def locked_changes_allowed() -> bool:
    """True inside ``allow_locked_changes()``: an audited service is changing a locked record."""
    return _allowed.get()


@contextmanager
def allow_locked_changes() -> Iterator[None]:
    """Let the audited amendment, reopening and correction services change locked rows, and only them.

    Python side: the model and queryset guards let the changes through while the block runs. PostgreSQL
    side: ``set_config('logistics.amending', 'on', true)`` is local to the transaction (and undone with its
    savepoint if the block fails), and the previous value is put back when the block ends, so the rest of
    an enclosing transaction is guarded again. Must run inside ``transaction.atomic()``. SQLite has no
    triggers here (see the migrations), so there is nothing to switch there.
    """
    token = _allowed.set(True)
    postgres = connection.vendor == "postgresql"
    previous = ""
    try:
        if postgres:
            if not connection.in_atomic_block:
                raise RuntimeError("allow_locked_changes() must run inside transaction.atomic()")
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT coalesce(current_setting(%s, true), ''), set_config(%s, 'on', true)",
                    [BYPASS_SETTING, BYPASS_SETTING],
                )
                previous = cursor.fetchone()[0]
        yield
        # on an exception the enclosing atomic block rolls back, and the setting with it
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, true)", [BYPASS_SETTING, previous])
    finally:
        _allowed.reset(token)


class LockedQuerySet(AuditedQuerySet):
    """A queryset whose bulk ``update()`` and ``delete()`` refuse to touch locked rows.

    The model names its lock: ``LOCK_FIELD`` (a field or a lookup through a relation) and ``LOCKED_VALUES``.
    Inside ``allow_locked_changes()`` the check is skipped (the audited services).
    """

    def _touches_locked_rows(self) -> bool:
        if locked_changes_allowed():
            return False
        model = self.model
        return self.filter(**{f"{model.LOCK_FIELD}__in": model.LOCKED_VALUES}).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_locked_rows():
            raise ImmutableError(_("These records are locked (submitted or final); they cannot be bulk-updated."))
        return super().update(**kwargs)

    def audited_update(self, *, _reason: str, **kwargs: Any) -> int:
        if self._touches_locked_rows():
            raise ImmutableError(_("These records are locked (submitted or final); they cannot be bulk-updated."))
        return super().audited_update(_reason=_reason, **kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_locked_rows():
            raise ImmutableError(_("These records are locked (submitted or final); they cannot be deleted."))
        return super().delete()

    update.alters_data = True
    audited_update.alters_data = True
    delete.alters_data = True


class LockedModel(models.Model):
    """A record that is kept as it was once it (or its parent) is locked: one guard for every locked model.

    The subclass names its lock, and only that:

    - ``LOCK_FIELD``: ``"status"`` (the row's own) or ``"<foreign key>__status"`` (its parent's);
    - ``LOCKED_VALUES``: the values that lock it;
    - ``LOCKED_MESSAGE``: what a refused change says (``LOCKED_DELETE_MESSAGE`` for a refused delete, if other);
    - ``AUDITED_DELETE``: whether the audited services may delete a locked row (a signed contract's terms
      through a supplementary agreement); a submitted inspection's or a final quarter's rows never are.

    ``save()`` refuses when the row as stored is locked, or (a child) when its parent as stored or the parent it
    now points at is locked, a new child of a locked parent included; one SELECT either way. Inside
    ``allow_locked_changes()`` the audited services pass. The querysets refuse bulk changes the same way.
    """

    LOCK_FIELD: ClassVar[str]
    LOCKED_VALUES: ClassVar[tuple[str, ...]]
    LOCKED_MESSAGE: ClassVar[Any]
    LOCKED_DELETE_MESSAGE: ClassVar[Any] = None
    AUDITED_DELETE: ClassVar[bool] = False

    objects = models.Manager.from_queryset(LockedQuerySet)()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not locked_changes_allowed() and self.is_locked():
            raise ImmutableError(self.LOCKED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if not (self.AUDITED_DELETE and locked_changes_allowed()) and self.is_locked():
            raise ImmutableError(self.LOCKED_DELETE_MESSAGE or self.LOCKED_MESSAGE)
        return super().delete(*args, **kwargs)

    save.alters_data = True
    delete.alters_data = True

    def is_locked(self) -> bool:
        """The row as stored, or (a child) its parent as stored or as it now points, is locked (one query)."""
        relation, _sep, field = self.LOCK_FIELD.rpartition("__")
        locked = {f"{field}__in": self.LOCKED_VALUES}
        own = type(self)._base_manager
        if not relation:
            return self.pk is not None and own.filter(pk=self.pk, **locked).exists()
        link = self._meta.get_field(relation)
        where = Q(pk=getattr(self, link.attname))
        if self.pk is not None:
            where |= Q(pk__in=own.filter(pk=self.pk).values(link.attname))
        return link.related_model._base_manager.filter(where, **locked).exists()
