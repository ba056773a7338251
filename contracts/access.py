"""Object scopes of the contracts app's models (see logistics.access).

Inspectors see the contracts assigned to them; vendor staff their own vendor's contracts and what hangs
off them (clauses, settlements, ledger lines, warnings).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from contracts.models import (
    Clause,
    Contract,
    ContractAmendment,
    ContractAttachment,
    ContractStatusChange,
    FormalWarning,
    LedgerLine,
    Settlement,
)
from logistics.access import is_inspector, is_vendor_user, scope_rule


def contracts_for(user: Any) -> QuerySet:
    """The contracts a non-office, non-leader user may see."""
    if is_vendor_user(user):
        return Contract.objects.filter(vendor_id=user.vendor_id)
    if is_inspector(user):
        return Contract.objects.filter(inspectors=user)
    return Contract.objects.none()


@scope_rule(Contract)
def contract_rule(user: Any, queryset: QuerySet) -> QuerySet:
    return queryset.filter(pk__in=contracts_for(user).values("pk"))


def _through_contract(user: Any, queryset: QuerySet) -> QuerySet:
    return queryset.filter(contract__in=contracts_for(user).values("pk"))


for _model in (Clause, ContractAttachment, ContractStatusChange, ContractAmendment):
    scope_rule(_model)(_through_contract)


def _vendor_only(user: Any, queryset: QuerySet) -> QuerySet:
    """Money and warnings: the vendor's own and the office's business, not the inspectors'."""
    if is_vendor_user(user):
        return queryset.filter(contract__vendor_id=user.vendor_id)
    return queryset.none()


for _model in (Settlement, LedgerLine, FormalWarning):
    scope_rule(_model)(_vendor_only)
