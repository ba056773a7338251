"""Object scopes of the scoring app: vendors read their own evaluations once final (ARCHITECTURE.md, "What a
vendor sees, and when": nothing of a quarter's score, money or warnings before that)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from logistics.access import everyone_signed_in, is_vendor_user, scope_rule
from scoring.models import Evaluation, EvaluationComponent, EvaluationScheme, EvaluationStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


VENDOR_VISIBLE = (EvaluationStatus.FINAL,)


@scope_rule(Evaluation)
def evaluation_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    if is_vendor_user(user):
        return queryset.filter(contract__vendor_id=user.vendor_id, status__in=VENDOR_VISIBLE)
    return queryset.none()


@scope_rule(EvaluationComponent)
def component_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    if is_vendor_user(user):
        return queryset.filter(evaluation__contract__vendor_id=user.vendor_id, evaluation__status__in=VENDOR_VISIBLE)
    return queryset.none()


scope_rule(EvaluationScheme)(everyone_signed_in)
