"""Object scopes of the inspections app (see logistics.access).

Inspectors see what belongs to the contracts assigned to them; vendor staff see their own contracts'
submitted inspections, their own self-checks (drafts included) and their rectification orders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from contracts.access import contracts_for
from inspections import models
from logistics.access import everyone_signed_in, is_inspector, is_vendor_user, scope_rule, scoped

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


for _model in (models.ChecklistTemplate, models.ChecklistItem):
    scope_rule(_model)(everyone_signed_in)


@scope_rule(models.Inspection)
def inspection_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    contracts = contracts_for(user).values("pk")
    if is_vendor_user(user):
        visible = Q(status=models.InspectionStatus.SUBMITTED) | Q(kind=models.InspectionKind.SELF)
        return queryset.filter(visible, contract__in=contracts)
    return queryset.filter(contract__in=contracts)


def _through_inspection(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset.filter(inspection__in=scoped(user, models.Inspection.objects.all()).values("pk"))


for _model in (
    models.ItemResult,
    models.InspectionPhoto,
    models.InspectionSignature,
    models.InspectionSignoff,
    models.InspectionAmendment,
    models.JointRectificationCheck,
):
    scope_rule(_model)(_through_inspection)


@scope_rule(models.RectificationOrder)
def rectification_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset.filter(contract__in=contracts_for(user).values("pk"))


def _through_order(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset.filter(order__in=scoped(user, models.RectificationOrder.objects.all()).values("pk"))


for _model in (models.RectificationEvent, models.RectificationPhoto):
    scope_rule(_model)(_through_order)


# --- complaints -----------------------------------------------------------------------------------------
VENDOR_VISIBLE = (models.ComplaintStatus.DISPATCHED, models.ComplaintStatus.ANSWERED, models.ComplaintStatus.CLOSED)


@scope_rule(models.Complaint)
def complaint_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    queryset = queryset.filter(quarantined=False, contract__in=contracts_for(user).values("pk"))
    if is_vendor_user(user):
        return queryset.filter(status__in=VENDOR_VISIBLE)
    return queryset


def _through_complaint(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset.filter(complaint__in=scoped(user, models.Complaint.objects.all()).values("pk"))


for _model in (models.ComplaintEvent, models.ComplaintPhoto):
    scope_rule(_model)(_through_complaint)


@scope_rule(models.InspectionPlan)
@scope_rule(models.Round)
def plan_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """The plans and rounds of the contracts one sees; vendor staff only their own self-checks (when the
    office comes to inspect is not announced)."""
    queryset = queryset.filter(contract__in=contracts_for(user).values("pk"))
    if is_vendor_user(user):
        return queryset.filter(kind=models.InspectionKind.SELF)
    return queryset


# --- the service desk -----------------------------------------------------------------------------------


@scope_rule(models.WorkOrder)
def work_order_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """Vendor staff see the work orders one of their contracts held in any round (a job reassigned away stays
    in their history); inspectors see every work order, as the office and leaders do; nobody else any."""
    if is_vendor_user(user):
        rounds = models.WorkOrderRound.objects.filter(contract__vendor_id=user.vendor_id).values("order_id")
        return queryset.filter(pk__in=rounds)
    if is_inspector(user):
        return queryset
    return queryset.none()


def _through_work_order(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    if is_inspector(user) and not is_vendor_user(user):
        return queryset
    return queryset.filter(order__in=scoped(user, models.WorkOrder.objects.all()).values("pk"))


for _model in (models.WorkOrderRound, models.WorkOrderEvent, models.WorkOrderPhoto):
    scope_rule(_model)(_through_work_order)


@scope_rule(models.Callback)
def callback_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """The office's calls: inspectors read them as the office and leaders do; vendor staff see none."""
    return queryset if is_inspector(user) and not is_vendor_user(user) else queryset.none()
