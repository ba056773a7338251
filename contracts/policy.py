"""Who may do what with contracts (``logistics.policy``'s rule set; registered in ``ContractsConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules

from logistics import policy
from logistics.access import is_office

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


@rules.predicate
def is_office_staff(user: User | AnonymousUser) -> bool:
    return is_office(user)


@rules.predicate
def signed_and_running(user: User | AnonymousUser, contract: Any) -> bool:
    return contract is None or contract.status in ("active", "suspended")


policy.add("contract.amend", is_office_staff & signed_and_running)  # a supplementary agreement
policy.add("settlement.correct", is_office_staff)
