"""Building blocks shared by every domain model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from logistics.uploads import RandomName, private_storage

#: what ``logistics.models`` re-exports (the model modules import the constraint helpers from here)
__all__ = [
    "AuditedManager",
    "AuditedQuerySet",
    "BilingualNameModel",
    "StatusChange",
    "TimeStampedModel",
    "choice_check",
    "stamp",
    "user_ref",
]


def english_active() -> bool:
    return (translation.get_language() or "").startswith("en")


def in_language(text: str, text_en: str, english: bool | None = None) -> str:
    """A bilingual record's text in the active language: the English one when English is active and the
    record has it, else the Chinese (``english`` given: decided once by a caller that asks for many)."""
    if english is None:
        english = english_active()
    return text_en if english and text_en else text


def in_language_property(field: str) -> property:
    """A bilingual record's ``display_<field>``: ``field`` (Chinese) or ``<field>_en``, in the reader's language."""
    return property(lambda self: in_language(getattr(self, field), getattr(self, f"{field}_en")))


class BilingualNameModel(models.Model):
    """Reference data carries its own Chinese and English names; the page shows the one of its language."""

    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    display_name = in_language_property("name")


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """One version of a record the office revises (a checklist, a form, a scheme): a new version is added, the
    old one kept; one version per record is current (``version_constraints``)."""

    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)

    class Meta:
        abstract = True


def version_constraints(key: str) -> list[models.UniqueConstraint]:
    """A ``VersionedModel``'s constraints: each version number once per ``key``, one current version per ``key``."""
    return [
        unique("unique_version", key, "version"),
        unique("one_current_version", key, condition=Q(is_current=True)),
    ]


class Attachment(TimeStampedModel):
    """A titled document of a record (a tender's, a bid's): the subclass adds the record's key and its ``file``
    (``private_file``, in the record's folder)."""

    title = models.CharField(_("title"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


def private_file(folder: str, verbose_name: Any = None, **options: Any) -> models.FileField:
    """A file in private storage (served only through the download view, after its access check), under
    ``folder`` with a random name; called "file" unless ``verbose_name`` says otherwise."""
    return models.FileField(verbose_name or _("file"), storage=private_storage, upload_to=RandomName(folder), **options)


class AuditedQuerySet(models.QuerySet):
    """A queryset whose bulk ``update()`` leaves an audit history row for every row it changes.

    django-simple-history records ``save()`` and ``delete()`` but not ``QuerySet.update()``; the product
    does make bulk updates (the nightly overdue marking, for one), so they go through here: the rows are
    updated in one statement, then re-read and written to the history table in one bulk insert.
    """

    def update(self, **kwargs: Any) -> int:
        return self.audited_update(_reason="bulk update", **kwargs)

    def audited_update(self, *, _reason: str, **kwargs: Any) -> int:
        """Update in one statement and write one history row per changed row, with ``_reason``."""
        history = getattr(self.model, "history", None)
        if history is None:
            return super().update(**kwargs)
        pks = list(self.values_list("pk", flat=True))
        if not pks:
            return 0
        count = models.QuerySet.update(self.model._base_manager.filter(pk__in=pks), **kwargs)
        changed = list(self.model._base_manager.filter(pk__in=pks))
        history.bulk_history_create(changed, update=True, default_change_reason=_reason)
        return count

    update.alters_data = True
    audited_update.alters_data = True


class AuditedManager(models.Manager.from_queryset(AuditedQuerySet)):
    pass


def stamp(obj: models.Model, *, by: Any = None, reason: str = "") -> models.Model:
    """Tell the audit history who changes ``obj`` and why (services call this; in a request the middleware
    would know the user, but a task or a command does not)."""
    if by is not None and getattr(by, "pk", None) is not None:
        obj._history_user = by
    if reason:
        obj._change_reason = reason
    return obj


def user_ref(verbose_name: Any, *, optional: bool = True, related_name: str = "+") -> models.ForeignKey:
    """A reference to the person who did something: kept with the record (PROTECT), no reverse accessor, empty
    where a job or an anonymous visitor did it (``optional``)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=optional,
        blank=optional,
        related_name=related_name,
        verbose_name=verbose_name,
    )


class StatusChange(models.Model):
    """One move of a record's status (a contract's, a vendor's), why and by whom: kept, never overwritten. The
    subclass adds the record's key and ``from_status`` and ``to_status`` over the record's status choices."""

    reason = models.TextField(_("reason"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changed_by = user_ref(_("changed by"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


def optional_ref(
    to: Any, verbose_name: Any, *, on_delete: Callable, related_name: str, **options: Any
) -> models.ForeignKey:
    """A reference that may stay empty (``null`` and ``blank``): a user's department, a robot's vendor."""
    return models.ForeignKey(
        to, on_delete=on_delete, null=True, blank=True, related_name=related_name, verbose_name=verbose_name, **options
    )


def constraint_name(name: str) -> str:
    """A constraint's name, unique in the database: ``<app>_<model>_<name>``."""
    return f"%(app_label)s_%(class)s_{name}"


def check(name: str, condition: Q) -> models.CheckConstraint:
    """A named database check (``<app>_<model>_<name>``) that every row must pass."""
    return models.CheckConstraint(condition=condition, name=constraint_name(name))


def given_together(name: str, field: str, text: str) -> models.CheckConstraint:
    """A named check that ``field`` (a time, a verdict, a link) is set exactly when the text ``text`` is filled
    in: both empty, or both given (a withdrawal and its reason, an answer and its time)."""
    neither = Q(**{f"{field}__isnull": True, text: ""})
    both = Q(**{f"{field}__isnull": False}) & ~Q(**{text: ""})
    return check(name, neither | both)


def ruled_with_reasons(field: str, pending: str, reasons: str) -> models.CheckConstraint:
    """An objection's ruling (a vendor's, a bidder's), checked as ``ruled_with_reasons``: while ``field`` is
    ``pending`` it has no ``ruled_at`` and no ``reasons``; once ruled, it has both."""
    waiting = Q(**{field: pending, "ruled_at__isnull": True, reasons: ""})
    ruled = ~Q(**{field: pending}) & Q(ruled_at__isnull=False) & ~Q(**{reasons: ""})
    return check("ruled_with_reasons", waiting | ruled)


def unique(name: str, *fields: str, condition: Q | None = None, **options: Any) -> models.UniqueConstraint:
    """A named unique constraint (``<app>_<model>_<name>``) on ``fields``, over the rows ``condition`` picks."""
    return models.UniqueConstraint(fields=list(fields), condition=condition, name=constraint_name(name), **options)


def choice_check(field: str, choices: type[models.Choices], blank: bool = False) -> models.CheckConstraint:
    """The database's side of a field's choices: ``<app>_<model>_<field>_valid`` (``blank``: "" too)."""
    values = [*choices.values, ""] if blank else choices.values
    return check(f"{field}_valid", Q(**{f"{field}__in": values}))
