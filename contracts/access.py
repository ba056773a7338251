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


def _vendor_and_finance(
    user: User | AnonymousUser, queryset: QuerySet, *, vendor: Q | None = None, finance: Q | None = None
) -> QuerySet:
    """A vendor's own contracts' records (those matching ``vendor``, all when None) and, for finance, every
    contract's records matching ``finance`` (none when None); nothing for the others (inspectors)."""
    if is_vendor_user(user):
        return queryset.filter(vendor or Q(), contract__vendor_id=user.vendor_id)
    if is_finance(user) and finance is not None:
        return queryset.filter(finance)
    return queryset.none()


@scope_rule(Settlement)
def settlement_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    # finance: what is paid, a quarter's money once it is final
    return _vendor_and_finance(user, queryset, vendor=VENDOR_SEES_SETTLEMENT, finance=Q(status=SettlementStatus.FINAL))


@scope_rule(Instalment)
def instalment_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """A vendor sees its contracts' payment schedules (an amount appears once its quarter is final); finance sees
    them all."""
    return _vendor_and_finance(user, queryset, finance=Q())


def _finance_only(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return queryset if is_finance(user) else queryset.none()


# the payment requests and their signatures are the office's and finance's papers; the vendor sees its
# instalments' state
for _model in (PaymentRequest, PaymentApproval):
    scope_rule(_model)(_finance_only)


@scope_rule(LedgerLine)
def ledger_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """A settlement's lines, to whom the settlement is shown."""
    return _vendor_and_finance(
        user,
        queryset,
        vendor=Q(settlement__status=SettlementStatus.FINAL) | Q(settlement__published_at__isnull=False),
        finance=Q(settlement__status=SettlementStatus.FINAL),
    )


@scope_rule(FormalWarning)
def warning_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    return _vendor_and_finance(user, queryset)


@scope_rule(FormalNotice)
def notice_rule(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """A vendor reads the notices addressed to it (not the office's own papers, such as a termination
    recommendation)."""
    return _vendor_and_finance(user, queryset, vendor=Q(kind__in=VENDOR_NOTICES))


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
