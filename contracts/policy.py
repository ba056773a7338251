"""Who may do what with contracts (``logistics.policy``'s rule set; registered in ``ContractsConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules

from logistics import policy
from logistics.access import is_finance, is_office, is_vendor_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


@rules.predicate
def is_office_staff(user: User | AnonymousUser) -> bool:
    return is_office(user)


@rules.predicate
def signed_and_running(user: User | AnonymousUser, contract: Any) -> bool:
    return contract is None or contract.status in ("active", "suspended")


@rules.predicate
def renewable(user: User | AnonymousUser, contract: Any) -> bool:
    """Running, or ended by its date, and not renewed yet (a terminated contract is tendered again)."""
    if contract is None:
        return True
    from contracts.models import RENEWABLE_STATUSES

    return contract.status in RENEWABLE_STATUSES and not contract.renewals.exists()


policy.add("contract.amend", is_office_staff & signed_and_running)  # a supplementary agreement
policy.add("contract.renew", is_office_staff & renewable)
policy.add("settlement.correct", is_office_staff)


@rules.predicate
def is_finance_staff(user: User | AnonymousUser) -> bool:
    return is_finance(user)


# the approval chain of a payment request (contracts.choices.APPROVAL_CHAIN): the office raises and signs it,
# finance approves or returns it and records the payment; neither side can do the other's step
policy.add("payment.request", is_office_staff)
policy.add("payment.approve", is_finance_staff)
policy.add("payment.return", is_finance_staff)
policy.add("payment.record", is_finance_staff)


@rules.predicate
def vendor_of_the_contract(user: User | AnonymousUser, contract: Any) -> bool:
    """Staff of the contract's vendor (``contract`` None: of any vendor)."""
    if contract is None:
        return is_vendor_user(user)
    return is_vendor_user(user) and user.vendor_id == contract.vendor_id


@rules.predicate
def of_the_contracts_vendor(user: User | AnonymousUser, notice: Any) -> bool:
    """Staff of the vendor the notice (or anything with a ``contract``) is addressed to."""
    return vendor_of_the_contract(user, None if notice is None else notice.contract)


policy.add("warning.issue", is_office_staff & signed_and_running)
policy.add("warning.withdraw", is_office_staff)
policy.add("notice.acknowledge", of_the_contracts_vendor)


@rules.predicate
def not_ended(user: User | AnonymousUser, contract: Any) -> bool:
    """The roster of a draft, running or suspended contract is kept; an ended one's is history."""
    return contract is None or contract.status in ("draft", "active", "suspended")


# the vendor keeps its roster on its portal (who is on which post, their work certificates); the office keeps
# the posts and may correct the roster in the admin
policy.add("roster.manage", (vendor_of_the_contract | is_office_staff) & not_ended)
policy.add("post.manage", is_office_staff)
