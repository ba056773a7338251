"""Object scopes of the contracts app's models (see logistics.access).

Inspectors see the contracts assigned to them; vendor staff their own vendor's contracts and what hangs
off them (clauses, settlements, ledger lines, warnings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from contracts.choices import VENDOR_NOTICES, ContractStatus, SettlementStatus
from contracts.models import (
    Clause,
    Contract,
    ContractAmendment,
    ContractAttachment,
    ContractStatusChange,
    FormalNotice,
    FormalWarning,
    Instalment,
    LedgerLine,
    PaymentApproval,
    PaymentRequest,
    Post,
    PostRole,
    RosterEntry,
    Settlement,
    TermsVersion,
)
from logistics.access import is_finance, is_inspector, is_vendor_user, scope_rule

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


def contracts_for(user: User | AnonymousUser) -> QuerySet:
    """The contracts a non-office, non-leader user may see."""
    if is_vendor_user(user):
        return Contract.objects.filter(vendor_id=user.vendor_id)
    if is_inspector(user):
        return Contract.objects.filter(inspectors=user)
    return Contract.objects.none()


def money_contracts_for(user: User | AnonymousUser) -> QuerySet:
    """The contracts whose terms and money ``user`` may read: finance reads every signed one (not the
    inspections, complaints and rectifications behind them), the others what ``contracts_for`` gives."""
    if is_finance(user):
        return Contract.objects.exclude(status=ContractStatus.DRAFT)
    return contracts_for(user)


@scope_rule(Contract)
def contract_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset.filter(pk__in=money_contracts_for(user).values("pk"))


def _through_contract(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset.filter(contract__in=money_contracts_for(user).values("pk"))


for _model in (Clause, ContractAttachment, ContractStatusChange, ContractAmendment, TermsVersion):
    scope_rule(_model)(_through_contract)


# Money and warnings are the vendor's own and the office's business, not the inspectors'; a vendor sees a
# quarter's settlement and its ledger once the result is published to it (its objection period) or final (a
# draft before that is the office's, for the evaluation meeting), and formal warnings, which are only ever
# issued at finalization or by the office's own decision.
VENDOR_SEES_SETTLEMENT = Q(status=SettlementStatus.FINAL) | Q(published_at__isnull=False)


@scope_rule(Settlement)
def settlement_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    if is_vendor_user(user):
        return queryset.filter(VENDOR_SEES_SETTLEMENT, contract__vendor_id=user.vendor_id)
    if is_finance(user):  # what is paid: a quarter's money once it is final
        return queryset.filter(status=SettlementStatus.FINAL)
    return queryset.none()


@scope_rule(Instalment)
def instalment_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """A vendor sees its contracts' payment schedules (an amount appears once its quarter is final)."""
    if is_vendor_user(user):
        return queryset.filter(contract__vendor_id=user.vendor_id)
    if is_finance(user):
        return queryset
    return queryset.none()


def _finance_only(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset if is_finance(user) else queryset.none()


# the payment requests and their signatures are the office's and finance's papers; the vendor sees its
# instalments' state
for _model in (PaymentRequest, PaymentApproval):
    scope_rule(_model)(_finance_only)


@scope_rule(LedgerLine)
def ledger_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    if is_vendor_user(user):
        return queryset.filter(
            Q(settlement__status=SettlementStatus.FINAL) | Q(settlement__published_at__isnull=False),
            contract__vendor_id=user.vendor_id,
        )
    if is_finance(user):
        return queryset.filter(settlement__status=SettlementStatus.FINAL)
    return queryset.none()


@scope_rule(FormalWarning)
def warning_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    if is_vendor_user(user):
        return queryset.filter(contract__vendor_id=user.vendor_id)
    return queryset.none()


@scope_rule(FormalNotice)
def notice_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """A vendor reads the notices addressed to it (not the office's own papers, such as a termination
    recommendation)."""
    if is_vendor_user(user):
        return queryset.filter(contract__vendor_id=user.vendor_id, kind__in=VENDOR_NOTICES)
    return queryset.none()


# --- staffing ---------------------------------------------------------------------------------------------
scope_rule(Post)(_through_contract)  # a contract's posts are part of its terms (finance reads them too)


@scope_rule(RosterEntry)
def roster_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """Who is on the posts: the vendor's own people, the assigned inspectors' contracts (the tablet's post
    check); not finance (people, not money)."""
    return queryset.filter(post__contract__in=contracts_for(user).values("pk"))


@scope_rule(PostRole)
def post_role_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """The list of post roles is reference data, like the service categories."""
    return queryset
