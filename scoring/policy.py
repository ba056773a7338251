"""Who may do what with quarterly evaluations (``logistics.policy``'s rule set; registered in
``ScoringConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import rules

from logistics import policy
from logistics.access import is_office

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


@rules.predicate
def is_office_staff(user: User | AnonymousUser) -> bool:
    return is_office(user)


for _action in ("review", "finalize", "reopen", "recompute", "compute_quarter"):
    policy.add(f"evaluation.{_action}", is_office_staff)
