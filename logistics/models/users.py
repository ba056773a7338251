"""Users of the product. Roles are Django groups (see ``logistics.roles``)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from logistics import channels
from logistics.models.base import optional_ref

__all__ = ["User"]


class User(AbstractUser):
    department = optional_ref("logistics.Department", _("department"), on_delete=models.PROTECT, related_name="users")
    vendor = optional_ref(
        "logistics.Vendor",
        _("vendor"),
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Only for vendor staff: the vendor whose records this user may see."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notify_channels = channels.model_field(
        _("notify me by"),
        channels.user_default,
        help_text=_("Email and SMS besides the in-app inbox, which always keeps a copy to read in the product."),
    )

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=["groups"])

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self) -> None:
        super().clean()
        try:
            self.notify_channels = channels.clean_choice(self.notify_channels, channels.PERSONAL)
        except ValueError:
            raise ValidationError({"notify_channels": _("Choose among email, the in-app inbox and SMS.")}) from None
        if channels.Channel.SMS in self.notify_channels and not self.phone.strip():
            raise ValidationError({"phone": _("Enter a mobile number to be notified by SMS.")})

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    def get_full_name(self) -> str:
        """A Chinese name family name first, without a space (张伟); another as Django writes it (given family)."""
        family, given = self.last_name.strip(), self.first_name.strip()
        if not (family and given):
            return family or given
        if _cjk(family) or _cjk(given):
            return f"{family}{given}"
        return f"{given} {family}"

    def get_short_name(self) -> str:
        return self.get_full_name() or self.username


def _cjk(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" for char in text)
