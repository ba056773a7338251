"""Guards that keep submitted and final records as they were (they live in ``logistics.immutability``, so
that contracts, which inspections depends on, can use them too; see also the PostgreSQL triggers)."""

from __future__ import annotations

from logistics.immutability import (
    ImmutableError,
    LockedQuerySet,
    allow_locked_changes,
    locked_changes_allowed,
)

__all__ = ["ImmutableError", "LockedQuerySet", "allow_locked_changes", "locked_changes_allowed"]
