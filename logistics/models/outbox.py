"""The outbox: tasks and notifications queued in the same transaction as the change that causes them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["OutboxMessage"]


class OutboxMessage(models.Model):
    """A task to publish to the broker once the transaction that wrote it has committed.

    When the broker is down the row stays pending and the relay (a periodic task, and every later
    successful publish) sends it when the broker is back: a request never fails because Redis is away,
    and a message is published once.
    """

    task_name = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    dedup_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="logistics_outbox_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"
