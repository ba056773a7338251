"""Object scopes of the scoring app: vendors read their own evaluations once published to them (the
objection period) or final (ARCHITECTURE.md, "What a vendor sees, and when": nothing of a quarter's score,
money or warnings before that), and their own objections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from logistics.access import everyone_signed_in, for_vendor_user, is_vendor_user, scope_rule
from scoring.models import (
    Evaluation,
    EvaluationComponent,
    EvaluationScheme,
    EvaluationStatus,
    Objection,
    ObjectionFile,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


def vendor_sees(prefix: str = "") -> Q:
    """A published evaluation stays visible to its vendor afterwards (final, or reopened for a correction)."""
    return Q(**{f"{prefix}status": EvaluationStatus.FINAL}) | Q(**{f"{prefix}published_at__isnull": False})


@scope_rule(Evaluation)
def evaluation_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    if is_vendor_user(user):
        return queryset.filter(vendor_sees(), contract__vendor_id=user.vendor_id)
    return queryset.none()


@scope_rule(EvaluationComponent)
def component_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    if is_vendor_user(user):
        return queryset.filter(vendor_sees("evaluation__"), evaluation__contract__vendor_id=user.vendor_id)
    return queryset.none()


scope_rule(Objection)(for_vendor_user("evaluation__contract__vendor"))
scope_rule(ObjectionFile)(for_vendor_user("objection__evaluation__contract__vendor"))
scope_rule(EvaluationScheme)(everyone_signed_in)
