"""Checklist templates: a version used by a submitted inspection is never edited; editing makes a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inspections.models import ChecklistItem, ChecklistTemplate, Inspection, InspectionStatus
from logistics.versioning import new_version

if TYPE_CHECKING:
    from logistics.models import User


ITEM_FIELDS = (
    "code",
    "group",
    "group_en",
    "text",
    "text_en",
    "standard",
    "standard_en",
    "max_points",
    "severity",
    "is_key_point",
    "photo_required_on_fail",
    "sort_order",
    *ChecklistItem.ANSWER_FIELDS,
    "post_role",
)


def template_is_used(template: ChecklistTemplate) -> bool:
    return Inspection.objects.filter(template=template, status=InspectionStatus.SUBMITTED).exists()


@transaction.atomic
def template_new_version(*, template: ChecklistTemplate, by: User | None = None) -> ChecklistTemplate:
    """A copy of ``template`` (with its items) as the family's next, current version."""
    return new_version(
        template,
        family="family",
        copied=("category", "kind", "name", "name_en"),
        item_fields=ITEM_FIELDS,
        based_on=template,
    )


def _validated_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors = []
    seen = set()
    for index, data in enumerate(items, start=1):
        code = str(data.get("code") or "").strip()
        if not code:
            errors.append(_("Row %(row)d: the code is missing.") % {"row": index})
            continue
        if code in seen:
            errors.append(_("Row %(row)d: the code %(code)s appears twice.") % {"row": index, "code": code})
        seen.add(code)
        item = ChecklistItem(template_id=0, **{f: data[f] for f in ITEM_FIELDS if f in data})
        try:
            item.full_clean(exclude=["template"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.append(
                    _("Row %(row)d (%(field)s): %(message)s")
                    % {"row": index, "field": field, "message": " ".join(messages)}
                )
    if errors:
        raise ValidationError(errors)
    return items


@transaction.atomic
def template_save(
    *,
    family: str,
    category: Any,
    kind: str,
    name: str,
    name_en: str = "",
    items: list[dict[str, Any]],
    by: User | None = None,
) -> ChecklistTemplate:
    """Create or replace a checklist's items. When the current version has been used by a submitted
    inspection, a new version takes the changes and the used one stays as it was."""
    items = _validated_items(items)
    current = ChecklistTemplate.objects.select_for_update().filter(family=family, is_current=True).first()
    if current is None:
        template = ChecklistTemplate.objects.create(
            family=family, version=1, category=category, kind=kind, name=name, name_en=name_en
        )
    elif template_is_used(current):
        template = template_new_version(template=current, by=by)
    else:
        template = current
    template.category, template.kind, template.name, template.name_en = category, kind, name, name_en
    template.full_clean()
    template.save()
    template.items.all().delete()
    ChecklistItem.objects.bulk_create(
        [ChecklistItem(template=template, **{f: d[f] for f in ITEM_FIELDS if f in d}) for d in items]
    )
    return template
