"""The channels a notice travels by: one definition (choices, who may choose which, how each is delivered).

A person chooses among the personal channels (email, the in-app inbox, SMS); a group robot of WeCom (企业微信),
DingTalk (钉钉) or Feishu (飞书) belongs to the logistics office, a department or a vendor and receives that
audience's notices. Robots are reached through apprise (one well-kept client for all three webhooks, instead of
three hand-written ones); SMS through the provider interface of ``logistics.sms``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from logistics.models import GroupRobot, Notification


class Channel(models.TextChoices):
    EMAIL = "email", pgettext_lazy("channel", "email")
    INBOX = "inbox", _("in-app inbox")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    FEISHU = "feishu", _("Feishu group robot")


PERSONAL = (Channel.EMAIL, Channel.INBOX, Channel.SMS)
ROBOTS = (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)
# what a new account and a vendor's contact person receive until they choose
USER_DEFAULT = [Channel.EMAIL.value, Channel.INBOX.value]
CONTACT_DEFAULT = [Channel.EMAIL.value, Channel.SMS.value]
CONTACT_CHOICES = (Channel.EMAIL, Channel.SMS)  # a contact person has no account, so no inbox


def user_default() -> list[str]:
    return list(USER_DEFAULT)


def contact_default() -> list[str]:
    return list(CONTACT_DEFAULT)


def db_default(value: list[str]) -> Any:
    """The database's own default of a stored choice (a JSON list)."""
    from django.db.models import JSONField, Value

    return Value(list(value), output_field=JSONField())


def model_field(verbose_name: Any, default: Callable[[], list[str]], **kwargs: Any) -> Any:
    """The model field of a choice of channels (a JSON list); the database holds the ``default`` too, for rows
    written outside the ORM."""
    return models.JSONField(verbose_name, default=default, db_default=db_default(default()), blank=True, **kwargs)


def personal_choices() -> list[tuple[str, Any]]:
    """What a person chooses besides the inbox, which every account always has."""
    return [(c.value, c.label) for c in PERSONAL if c != Channel.INBOX]


def contact_choices() -> list[tuple[str, Any]]:
    return [(c.value, c.label) for c in CONTACT_CHOICES]


def robot_choices() -> list[tuple[str, Any]]:
    return [(c.value, c.label) for c in ROBOTS]


def form_field(choices: list[tuple[str, Any]], **kwargs: Any) -> Any:
    """The form field of a choice of channels: check boxes, in the definition's order."""
    from django import forms

    kwargs.setdefault("required", False)
    return forms.TypedMultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **kwargs)


def clean_choice(value: Any, allowed: tuple[Channel, ...]) -> list[str]:
    """A stored choice of channels, in the order of the definition; raises ValueError on anything else."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("a list of channel names")
    unknown = set(value) - {c.value for c in allowed}
    if unknown:
        raise ValueError(", ".join(sorted(unknown)))
    return [c.value for c in allowed if c.value in value]


# --- robots: the apprise URL of each kind, and where its webhook is -------------------------------------
# apprise's URL of each robot kind (the key / access token is the end of the webhook address the group shows)
ROBOT_URLS = {
    Channel.WECOM: "wecombot://{token}",
    Channel.DINGTALK: "dingtalk://{token}/",
    Channel.FEISHU: "feishu://{token}",
}


def robot_client(robot: GroupRobot) -> Any:
    """The apprise client of one robot, or None when its key is not a valid one for the kind.

    ``settings.ROBOT_ENDPOINTS`` may send a kind's webhooks elsewhere than the public service (an intranet
    gateway, a private WeCom deployment, the tests' loopback server): ``{"wecom": "https://.../send?key={token}"}``.
    """
    import apprise

    url = ROBOT_URLS[Channel(robot.kind)].format(token=robot.token)
    if robot.kind == Channel.DINGTALK and robot.secret:
        url = f"dingtalk://{robot.secret}@{robot.token}/"
    client = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if not client:
        return None
    endpoint = (getattr(settings, "ROBOT_ENDPOINTS", {}) or {}).get(robot.kind)
    if endpoint:
        if robot.kind == Channel.WECOM:  # the WeCom plugin builds its address when it is made
            client.api_url = endpoint.format(token=robot.token, key=robot.token)
        else:  # DingTalk and Feishu format theirs when they send
            client.notify_url = endpoint
    return client


class DeliveryFailed(OSError):
    """A channel did not take the message; an OSError, so the sending task retries it with a back-off."""


def deliver(notification: Notification) -> None:
    """Hand one notice to its channel; raises DeliveryFailed (or the mail server's error) when it was not taken."""
    channel = notification.channel
    if channel == Channel.EMAIL:
        send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, [notification.email])
    elif channel == Channel.INBOX:
        return  # stored is delivered: the person reads it on the inbox page
    elif channel == Channel.SMS:
        from logistics import sms

        sms.send(notification.phone, sms_text(notification))
    elif channel in ROBOTS:
        client = robot_client(notification.robot)
        if client is None:
            raise DeliveryFailed(f"robot {notification.robot_id}: the key is not valid for {channel}")
        if not client.notify(title=notification.subject, body=notification.body):
            raise DeliveryFailed(f"robot {notification.robot_id}: the {channel} webhook did not take the message")
    else:  # pragma: no cover - the database's check allows nothing else
        raise DeliveryFailed(f"unknown channel {channel}")


def sms_text(notification: Notification) -> str:
    """An SMS carries the subject, and the body when short (providers charge by 70-character part)."""
    text = notification.subject
    limit = getattr(settings, "SMS_MAX_CHARS", 200)
    if notification.body and len(text) + 1 + len(notification.body) <= limit:
        text = f"{text}\n{notification.body}"
    return text[:limit]
