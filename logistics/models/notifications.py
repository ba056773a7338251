"""Notices: one row per message, recipient and channel, sent once; and the group robots they may go to."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from logistics.channels import ROBOTS, Channel, robot_choices
from logistics.models.base import TimeStampedModel, check, optional_ref, unique

__all__ = ["GroupRobot", "Notification"]


class Notification(models.Model):
    recipient = optional_ref(
        settings.AUTH_USER_MODEL, _("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    robot = optional_ref(
        "logistics.GroupRobot", _("group robot"), on_delete=models.SET_NULL, related_name="notifications"
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    dedup_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            check(
                "address_of_channel",
                (Q(channel=Channel.EMAIL) & ~Q(email=""))
                | (Q(channel=Channel.INBOX) & Q(recipient__isnull=False))
                | (Q(channel=Channel.SMS) & ~Q(phone=""))
                # a robot deleted later leaves its sent notices (SET_NULL); a new one needs its robot
                | (Q(channel__in=ROBOTS) & (Q(robot__isnull=False) | Q(sent_at__isnull=False))),
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(channel=Channel.INBOX),
                name="logistics_notification_inbox",
            )
        ]

    def __str__(self) -> str:
        return self.subject


# the key or access token at the end of each kind's webhook address (as apprise validates it)
TOKEN_PATTERNS = {
    Channel.WECOM: r"^[a-z0-9_-]+$",
    Channel.DINGTALK: r"^[a-z0-9]+$",
    Channel.FEISHU: r"^[a-z0-9_-]+$",
}


class GroupRobot(TimeStampedModel):
    """A group chat's robot (webhook) that receives the notices of the logistics office, a department or a vendor."""

    name = models.CharField(_("name"), max_length=100, help_text=_("The group chat, e.g. 后勤管理部门值班群."))
    kind = models.CharField(_("kind"), max_length=10, choices=robot_choices())
    token = models.CharField(
        _("webhook key"),
        max_length=200,
        help_text=_(
            "The end of the webhook address the group's robot settings show: WeCom's key=..., DingTalk's "
            "access_token=..., Feishu's hook/..."
        ),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk only, when the robot's security setting is 加签 (SEC...)."),
    )
    department = optional_ref("logistics.Department", _("department"), on_delete=models.CASCADE, related_name="robots")
    vendor = optional_ref("logistics.Vendor", _("vendor"), on_delete=models.CASCADE, related_name="robots")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        constraints = [
            check("kind_valid", Q(kind__in=[c.value for c in ROBOTS])),
            check("one_audience", Q(department__isnull=True) | Q(vendor__isnull=True)),
            check("token_required", ~Q(token="")),
            unique("one_per_webhook", "kind", "token"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audience(self) -> str:
        if self.vendor_id:
            return str(self.vendor)
        if self.department_id:
            return str(self.department)
        return str(_("logistics office"))

    def clean(self) -> None:
        super().clean()
        self.token = (self.token or "").strip()
        self.secret = (self.secret or "").strip()
        errors = {}
        if self.department_id and self.vendor_id:
            errors["vendor"] = _("A robot belongs to the office, one department or one vendor, not to both.")
        pattern = TOKEN_PATTERNS.get(self.kind)
        if pattern and self.token and not re.match(pattern, self.token, re.IGNORECASE):
            errors["token"] = _(
                "This is not a %(kind)s webhook key: copy only the part after key=, access_token= or hook/."
            ) % {"kind": Channel(self.kind).label}
        if self.secret and self.kind != Channel.DINGTALK:
            errors["secret"] = _("Only DingTalk robots have a signing secret.")
        elif self.secret and not re.match(r"^[a-z0-9]+$", self.secret, re.IGNORECASE):
            errors["secret"] = _("A DingTalk signing secret has only letters and digits (SEC...).")
        if errors:
            raise ValidationError(errors)
