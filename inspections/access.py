"""Object scopes of the inspections app (see logistics.access).

Inspectors see what belongs to the contracts assigned to them; vendor staff see their own contracts'
submitted inspections, their own self-checks (drafts included) and their rectification orders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from contracts.access import contracts_for
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAmendment,
    InspectionKind,
    InspectionPhoto,
    InspectionPlan,
    InspectionSignature,
    InspectionSignoff,
    InspectionStatus,
    ItemResult,
    JointRectificationCheck,
    RectificationEvent,
    RectificationOrder,
    RectificationPhoto,
    Round,
)
from logistics.access import everyone_signed_in, is_vendor_user, scope_rule, scoped

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


for _model in (ChecklistTemplate, ChecklistItem):
    scope_rule(_model)(everyone_signed_in)


@scope_rule(Inspection)
def inspection_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    contracts = contracts_for(user).values("pk")
    if is_vendor_user(user):
        visible = Q(status=InspectionStatus.SUBMITTED) | Q(kind=InspectionKind.SELF)
        return queryset.filter(visible, contract__in=contracts)
    return queryset.filter(contract__in=contracts)


def _through_inspection(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset.filter(inspection__in=scoped(user, Inspection.objects.all()).values("pk"))


for _model in (
    ItemResult,
    InspectionPhoto,
    InspectionSignature,
    InspectionSignoff,
    InspectionAmendment,
    JointRectificationCheck,
):
    scope_rule(_model)(_through_inspection)


@scope_rule(RectificationOrder)
def rectification_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset.filter(contract__in=contracts_for(user).values("pk"))


def _through_order(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset.filter(order__in=scoped(user, RectificationOrder.objects.all()).values("pk"))


for _model in (RectificationEvent, RectificationPhoto):
    scope_rule(_model)(_through_order)


# --- complaints -----------------------------------------------------------------------------------------
from inspections.models import Complaint, ComplaintEvent, ComplaintPhoto, ComplaintStatus  # noqa: E402

VENDOR_VISIBLE = (ComplaintStatus.DISPATCHED, ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED)


@scope_rule(Complaint)
def complaint_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    queryset = queryset.filter(quarantined=False, contract__in=contracts_for(user).values("pk"))
    if is_vendor_user(user):
        return queryset.filter(status__in=VENDOR_VISIBLE)
    return queryset


def _through_complaint(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset.filter(complaint__in=scoped(user, Complaint.objects.all()).values("pk"))


for _model in (ComplaintEvent, ComplaintPhoto):
    scope_rule(_model)(_through_complaint)


@scope_rule(InspectionPlan)
@scope_rule(Round)
def plan_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """The plans and rounds of the contracts one sees; vendor staff only their own self-checks (when the
    office comes to inspect is not announced)."""
    queryset = queryset.filter(contract__in=contracts_for(user).values("pk"))
    if is_vendor_user(user):
        return queryset.filter(kind=InspectionKind.SELF)
    return queryset
