"""Guards that keep submitted and final records as they were (see also the PostgreSQL triggers)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from logistics.models import AuditedQuerySet


class ImmutableError(ValidationError):
    """Raised when something tries to change a record that is locked (submitted, final)."""


class LockedQuerySet(AuditedQuerySet):
    """A queryset whose bulk ``update()`` and ``delete()`` refuse to touch locked rows.

    The model names its lock: ``LOCK_FIELD`` (a field or a lookup through a relation) and ``LOCKED_VALUES``.
    """

    def _touches_locked_rows(self) -> bool:
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
