"""The one place that decides which objects a user may see.

Pages, the API and the admin all call ``scoped(user, queryset)``. Each app registers the rule for its
models with ``@scope_rule(Model)`` in its own ``access.py`` (imported by its AppConfig.ready), so the rules
live beside the models while dependencies keep pointing one way.

Roles: the office (and superusers) see everything; leaders read everything of the domain (their group
has view permissions only); inspectors see what belongs to the contracts assigned to them; vendor staff
see only their own vendor's records; finance sees the contracts' money (final settlements, their ledgers,
the payment schedules and requests) and the vendors paid. A model without a rule is visible to the office
and leaders only. Outside a user's scope an object does not exist for them: views answer 404, not 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import models

from logistics.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User


ScopeRule = Callable[[Any, models.QuerySet], models.QuerySet]
_RULES: dict[type[models.Model], ScopeRule] = {}


def scope_rule(model: type[models.Model]) -> Callable[[ScopeRule], ScopeRule]:
    def register(rule: ScopeRule) -> ScopeRule:
        _RULES[model] = rule
        return rule

    return register


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """The role names of ``user`` (cached on the user object for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_logistics_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(Role.OFFICE.value)
        cached = frozenset(names & set(Role.values))
        user._logistics_roles = cached
    return cached


def is_office(user: User | AnonymousUser) -> bool:
    return Role.OFFICE in roles_of(user)


def is_inspector(user: User | AnonymousUser) -> bool:
    return Role.INSPECTOR in roles_of(user)


def is_vendor_user(user: User | AnonymousUser) -> bool:
    return Role.VENDOR in roles_of(user) and getattr(user, "vendor_id", None) is not None


def is_finance(user: User | AnonymousUser) -> bool:
    return Role.FINANCE in roles_of(user)


def sees_everything(user: User | AnonymousUser) -> bool:
    """Office and leaders see every record (leaders only read)."""
    roles = roles_of(user)
    return Role.OFFICE in roles or Role.LEADER in roles


def scoped(user: User | AnonymousUser, queryset: models.QuerySet) -> models.QuerySet:
    """``queryset`` narrowed to what ``user`` may see."""
    if not roles_of(user):
        return queryset.none()
    if sees_everything(user):
        return queryset
    rule = _RULES.get(queryset.model)
    if rule is None:
        return queryset.none()
    return rule(user, queryset)


def everyone_signed_in(user: User | AnonymousUser, queryset: models.QuerySet) -> models.QuerySet:
    """Rule for reference data: every role may read it."""
    return queryset


def for_vendor_user(field: str) -> ScopeRule:
    """Rule for records owned by a vendor: vendor staff see their vendor's, inspectors none."""

    def rule(user: User | AnonymousUser, queryset: models.QuerySet) -> models.QuerySet:
        if is_vendor_user(user):
            return queryset.filter(**{field: user.vendor_id})
        return queryset.none()

    return rule


# --- Rules of the core app ---------------------------------------------------------------------------
def bid_is_sealed_for(user: User | AnonymousUser, bid: Any, now: Any = None) -> bool:
    """A bid's price and content are hidden before the opening time from everyone but the bidder."""
    from django.utils import timezone

    if is_vendor_user(user) and bid.vendor_id == user.vendor_id:
        return False
    return (now or timezone.now()) < bid.tender.opening_at


def _register_core_rules() -> None:
    from django.db.models import Q

    from logistics import models as m

    for model in (m.Department, m.KeyPoint, m.ServiceCategory, m.Site, m.CertificateType, m.CalendarDay):
        scope_rule(model)(everyone_signed_in)

    @scope_rule(m.Vendor)
    def vendor_rule(user: User | AnonymousUser, queryset: models.QuerySet) -> models.QuerySet:
        if is_vendor_user(user):
            return queryset.filter(pk=user.vendor_id)
        if is_inspector(user) or is_finance(user):
            return queryset
        return queryset.none()

    scope_rule(m.Certificate)(for_vendor_user("vendor"))
    scope_rule(m.VendorStaff)(for_vendor_user("vendor"))
    scope_rule(m.StaffCertificate)(for_vendor_user("staff__vendor"))
    scope_rule(m.BadRecord)(for_vendor_user("vendor"))
    scope_rule(m.Bid)(for_vendor_user("vendor"))
    scope_rule(m.BidAttachment)(for_vendor_user("bid__vendor"))
    scope_rule(m.VendorStatusChange)(for_vendor_user("vendor"))

    @scope_rule(m.Tender)
    def tender_rule(user: User | AnonymousUser, queryset: models.QuerySet) -> models.QuerySet:
        if is_vendor_user(user):
            visible = ~Q(status=m.TenderStatus.DRAFT) & (Q(method="open") | Q(invited_vendors=user.vendor_id))
            return queryset.filter(visible | Q(bids__vendor=user.vendor_id)).distinct()
        return queryset.none()

    @scope_rule(m.TenderCriterion)
    def criterion_rule(user: User | AnonymousUser, queryset: models.QuerySet) -> models.QuerySet:
        tenders = scoped(user, m.Tender.objects.all())
        return queryset.filter(tender__in=tenders)


_register_core_rules()
