"""Who may do what with quarterly evaluations (``logistics.policy``'s rule set; registered in
``ScoringConfig.ready``)."""

from __future__ import annotations

from typing import Any

import rules

from logistics import policy
from logistics.access import is_office


@rules.predicate
def is_office_staff(user: Any) -> bool:
    return is_office(user)


for _action in ("review", "finalize", "reopen", "recompute", "compute_quarter"):
    policy.add(f"evaluation.{_action}", is_office_staff)
