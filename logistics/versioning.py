"""A new version of a versioned form: a checklist template of a family, a feedback form of a service category.

A form that was used is never edited; a change is a copy, with its items, as the next version of its family, and
the copy becomes the family's only current one."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Model


def new_version(
    form: Model, *, family: str, copied: tuple[str, ...], item_fields: tuple[str, ...], **extra: Any
) -> Model:
    """A copy of ``form`` as the next, current version of the forms with the same ``family`` field, with the
    ``copied`` fields (and ``extra`` values), and a copy of each of its ``items`` with their ``item_fields``.
    Run it inside a transaction: ``form`` is locked first."""
    model = type(form)
    form = model.objects.select_for_update().get(pk=form.pk)
    same_family = {family: getattr(form, family)}
    latest = model.objects.filter(**same_family).aggregate(m=Max("version"))["m"] or 0
    model.objects.filter(**same_family, is_current=True).update(is_current=False)
    copy = model.objects.create(
        **same_family,
        version=latest + 1,
        is_current=True,
        **{name: getattr(form, name) for name in copied},
        **extra,
    )
    items = form.items
    items.model.objects.bulk_create(
        [items.model(**{items.field.name: copy}, **{f: getattr(item, f) for f in item_fields}) for item in items.all()]
    )
    return copy
