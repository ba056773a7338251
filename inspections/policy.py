"""Who may do what with inspections, rectification orders and complaints (``logistics.policy``'s rule set).

Registered when the app is ready (``InspectionsConfig.ready``): the services refuse what is not allowed, the
pages and the API show only the actions that are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules

from inspections.choices import RectificationStatus
from logistics import policy
from logistics.access import is_inspector, is_office, is_vendor_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


@rules.predicate
def is_office_staff(user: User | AnonymousUser) -> bool:
    return is_office(user)


@rules.predicate
def is_supervisor(user: User | AnonymousUser) -> bool:
    """The office's own eyes: its staff and its inspectors."""
    return is_office(user) or is_inspector(user)


@rules.predicate
def of_the_orders_vendor(user: User | AnonymousUser, order: Any) -> bool:
    """Staff of the order's vendor (without an order: vendor staff at all, the role-level question)."""
    if order is None:
        return is_vendor_user(user)
    return is_vendor_user(user) and user.vendor_id == order.contract.vendor_id


@rules.predicate
def of_the_complaints_vendor(user: User | AnonymousUser, complaint: Any) -> bool:
    """Staff of the vendor the complaint was dispatched to (without one: vendor staff at all)."""
    if complaint is None:
        return is_vendor_user(user)
    return is_vendor_user(user) and complaint.contract_id is not None and user.vendor_id == complaint.contract.vendor_id


@rules.predicate
def order_open(user: User | AnonymousUser, order: Any) -> bool:
    return order is not None and order.status == RectificationStatus.OPEN


@rules.predicate
def order_answered(user: User | AnonymousUser, order: Any) -> bool:
    return order is not None and order.status == RectificationStatus.ANSWERED


@rules.predicate
def complaint_dispatched(user: User | AnonymousUser, complaint: Any) -> bool:
    return complaint is not None and complaint.status == "dispatched"


# who the action is for (the services check the state again, with their own message, inside their lock)
policy.add("rectification.answer", of_the_orders_vendor)
policy.add("rectification.verify", is_supervisor)
policy.add("rectification.return", is_supervisor)
policy.add("complaint.triage", is_office_staff)  # accept, reject, send back, close
policy.add("complaint.answer", of_the_complaints_vendor)
policy.add("inspection.amend", is_office_staff)
policy.add("rectification.notice", is_office_staff)  # the order on paper, numbered, for the vendor

# what a page offers now: who, and the state that makes the action possible
policy.add("rectification.answer.now", of_the_orders_vendor & order_open)
policy.add("rectification.verify.now", is_supervisor & order_answered)
policy.add("complaint.answer.now", of_the_complaints_vendor & complaint_dispatched)
policy.add("complaint.review_held", is_office_staff)  # release or discard a post the bot filter held


# --- the service desk ----------------------------------------------------------------------------------
@rules.predicate
def of_the_work_orders_vendor(user: User | AnonymousUser, order: Any) -> bool:
    """Staff of the vendor whose contract holds the work order (without one: vendor staff at all)."""
    if order is None:
        return is_vendor_user(user)
    return is_vendor_user(user) and order.contract_id is not None and user.vendor_id == order.contract.vendor_id


policy.add("desk.intake", is_office_staff)  # record a call, a letter or a visit for the caller
policy.add("desk.dispatch", is_office_staff)  # dispatch, reassign, close and cancel work orders
policy.add("desk.work", of_the_work_orders_vendor)  # take, decline, on site, complete
policy.add("desk.callback", is_office_staff)
policy.add("desk.publish", is_office_staff)  # the public board
policy.add("complaint.decline", of_the_complaints_vendor & complaint_dispatched)
