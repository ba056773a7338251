"""Who may *do* what (as ``logistics.access.scoped`` says who may *see* what).

One rule set of predicates (the `rules` package: small composable predicates, object-level, no database
table), asked as ``may(user, "action", obj)`` by the services, the admin, the API and the pages, which show
a button only when the action is allowed. Each app adds its rules beside its models.

User management (issue 17): the logistics office manages the people of its institution — inspectors,
vendor staff, leaders and accounts without a role: it creates them, sets their role among those and their
scope (department, vendor), deactivates them and sends them a password-reset link. It never touches a
superuser or another office account, never grants the office role, ``is_staff``, ``is_superuser`` or raw
permissions, and never sets anybody's password (people set their own through the link). A superuser may
do all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules

from logistics.access import is_office, is_vendor_user
from logistics.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


POLICY = rules.RuleSet()

#: the roles the office may give (the office role and privileges are the superuser's to give)
OFFICE_GRANTS = (Role.INSPECTOR, Role.VENDOR, Role.LEADER)


def may(user: User | AnonymousUser, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (a rule name such as ``"user.change"``) on ``obj``."""
    return POLICY.test_rule(action, user, obj)


def add(action: str, predicate: Any) -> None:
    """Register (or replace) the rule of an action; apps call this from their own ``policy`` module."""
    POLICY.set_rule(action, predicate)


# --- predicates -------------------------------------------------------------------------------------------
@rules.predicate
def is_superuser(user: User | AnonymousUser) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


@rules.predicate
def is_office_staff(user: User | AnonymousUser) -> bool:
    return is_office(user)


@rules.predicate
def is_managed_person(user: User | AnonymousUser, target: Any) -> bool:
    """A person the office manages: not a superuser, not staff of the admin, no office role (none yet: adding)."""
    if target is None:
        return True
    if target.is_superuser or target.is_staff:
        return False
    return Role.OFFICE not in _target_roles(target)


def _target_roles(target: Any) -> set[str]:
    if target.pk is None:
        return set()
    return set(target.groups.values_list("name", flat=True))


manages_people = is_superuser | (is_office_staff & is_managed_person)

add("user.view", is_superuser | is_office_staff)
add("user.add", is_superuser | is_office_staff)
add("user.change", manages_people)
add("user.deactivate", manages_people)
add("user.send_password_reset", manages_people)
add("user.set_password", is_superuser)  # everyone else sets their own, through the reset link
add("user.delete", is_superuser)
add("user.grant_privileges", is_superuser)  # is_staff, is_superuser, raw permissions, the office role


@rules.predicate
def is_vendor_staff(user: User | AnonymousUser) -> bool:
    return is_vendor_user(user)


add("bid.submit", is_vendor_staff)  # for its own vendor: the service takes the vendor from the user
# a tender's clarifications and award publicity: vendors register, ask and object for their own company; the
# office answers, moves the deadline, overrides a qualification check and rules on objections
add("tender.register", is_vendor_staff)
add("tender.ask", is_vendor_staff)
add("tender.object", is_vendor_staff)
add("tender.answer", is_superuser | is_office_staff)
add("tender.extend_deadline", is_superuser | is_office_staff)
add("bid.override_check", is_superuser | is_office_staff)
add("tender.rule_objection", is_superuser | is_office_staff)
add("tender.confirm_award", is_superuser | is_office_staff)


def grantable_roles(user: User | AnonymousUser) -> list[Role]:
    """The roles ``user`` may give to somebody."""
    if is_superuser(user):
        return list(Role)
    if is_office(user):
        return list(OFFICE_GRANTS)
    return []


def role_of(target: Any) -> str:
    """The one role of a person (the product gives one), active or not."""
    names = _target_roles(target)
    return next((role.value for role in Role if role.value in names), "")


# --- vendors' papers: vendor staff upload their company's certificates, the office verifies them ----------
add("certificate.submit", is_vendor_staff)
add("certificate.review", is_superuser | is_office_staff)
