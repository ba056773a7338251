"""Who may do what with quarterly evaluations (``logistics.policy``'s rule set; registered in
``ScoringConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules

from contracts.policy import of_the_contracts_vendor
from logistics import policy
from logistics.policy import is_office_staff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


for _action in ("review", "finalize", "reopen", "recompute", "compute_quarter"):
    policy.add(f"evaluation.{_action}", is_office_staff)


@rules.predicate
def objection_period_open(user: User | AnonymousUser, evaluation: Any) -> bool:
    return evaluation is None or evaluation.objection_period_open()


policy.add("evaluation.publish", is_office_staff)
# staff of the evaluated contract's vendor (without an evaluation: vendor staff at all, the role's question)
policy.add("evaluation.accept", of_the_contracts_vendor)
policy.add("objection.file", of_the_contracts_vendor)
policy.add("objection.rule", is_office_staff)
# what the pages ask before showing a button (the services check the period themselves, with a message)
policy.add("objection.file.now", of_the_contracts_vendor & objection_period_open)
# the half-year and annual appraisal: the office computes it (again); leaders read it and print it
policy.add("appraisal.compute", is_office_staff)
