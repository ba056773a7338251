"""Who may do what with contracts (``logistics.policy``'s rule set; registered in ``ContractsConfig.ready``)."""

from __future__ import annotations

from typing import Any

import rules

from logistics import policy
from logistics.access import is_office


@rules.predicate
def is_office_staff(user: Any) -> bool:
    return is_office(user)


@rules.predicate
def signed_and_running(user: Any, contract: Any) -> bool:
    return contract is None or contract.status in ("active", "suspended")


policy.add("contract.amend", is_office_staff & signed_and_running)  # a supplementary agreement
policy.add("settlement.correct", is_office_staff)
