"""Managing the people of the institution (the rules are ``logistics.policy``'s)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from logistics.models import User, stamp
from logistics.notify import notify
from logistics.policy import grantable_roles, may, role_of
from logistics.roles import Role

if TYPE_CHECKING:
    from logistics.models import User


def _require(by: User, action: str, target: Any) -> None:
    if not may(by, action, target):
        raise PermissionDenied(_("You may not do this to this account."))


@transaction.atomic
def user_set_role(*, user: User, role: str, by: User) -> User:
    """Give ``user`` one role (or none): its group among the four, the others removed."""
    _require(by, "user.change", user)
    if role and role not in {r.value for r in grantable_roles(by)}:
        raise ValidationError({"role": _("You may not give the role “%(role)s”.") % {"role": Role(role).label}})
    if role == Role.VENDOR and user.vendor_id is None:
        raise ValidationError({"vendor": _("Vendor staff need the vendor whose records they may see.")})
    if role_of(user) == role:
        return user
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name=role))
    if role:
        user.groups.add(Group.objects.get(name=role))
    user._logistics_roles = None
    stamp(user, by=by, reason=f"role: {role or '—'}")
    user.save()  # a history row with the groups (User.history records them)
    return user


def user_send_password_reset(*, user: User, by: User) -> None:
    """Send ``user`` a one-time link to set their own password (the office never sets one)."""
    _require(by, "user.send_password_reset", user)
    if not user.is_active:
        raise ValidationError(_("The account is deactivated; activate it first."))
    if not user.email:
        raise ValidationError(_("The account has no email address to send the link to."))
    link = settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    notify(
        emails=[user.email],
        subject=_("Set your password for the logistics supervision system"),
        body=_(
            "%(name)s, the logistics office asks you to set your password (user name: %(username)s). Open this "
            "link within %(days)s days; it works once:\n\n%(link)s"
        )
        % {
            "name": user.get_full_name() or user.username,
            "username": user.username,
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "link": link,
        },
        dedup_key=f"password-reset:{user.pk}:{timezone.now().timestamp():.0f}",
    )
