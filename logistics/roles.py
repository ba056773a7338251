"""The roles and the model permissions each one holds.

The groups are created by a data migration (``0002_role_groups``); because Django creates the permissions
of new models only after all migrations ran, ``sync_role_groups`` runs again after every ``migrate`` and
grants the permissions of models added since. It only adds: permissions the office grants by hand stay.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICE = "office", _("Logistics office")
    INSPECTOR = "inspector", _("Inspector")
    VENDOR = "vendor", _("Vendor staff")
    LEADER = "leader", _("Leader")
    FINANCE = "finance", _("Finance")


DOMAIN_APPS = ("logistics", "contracts", "inspections", "feedback", "scoring")
ALL = "*"
VIEW = ("view",)
CRUD = ("view", "add", "change", "delete")

# (app label, model name or "*", actions). Object-level scope is decided in logistics.access.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    Role.OFFICE: [
        *[(app, ALL, CRUD) for app in DOMAIN_APPS],
        ("django_celery_beat", ALL, ("view", "change")),
        # the office unlocks a locked-out login (deleting its access attempt) and reads the login logs
        ("axes", "accessattempt", ("view", "delete")),
        ("axes", "accesslog", VIEW),
        ("axes", "accessfailurelog", VIEW),
    ],
    Role.LEADER: [(app, ALL, VIEW) for app in DOMAIN_APPS],
    # finance reads the contracts' money and signs the payment requests on the payments pages (no admin)
    Role.FINANCE: [
        ("logistics", "vendor", VIEW),
        ("logistics", "servicecategory", VIEW),
        ("contracts", "contract", VIEW),
        ("contracts", "termsversion", VIEW),
        ("contracts", "settlement", VIEW),
        ("contracts", "ledgerline", VIEW),
        ("contracts", "instalment", VIEW),
        ("contracts", "paymentrequest", VIEW),
        ("contracts", "paymentapproval", VIEW),
    ],
    Role.INSPECTOR: [
        ("logistics", "department", VIEW),
        ("logistics", "site", VIEW),
        ("logistics", "keypoint", VIEW),
        ("logistics", "servicecategory", VIEW),
        ("logistics", "vendor", VIEW),
        ("contracts", "contract", VIEW),
        ("contracts", "post", VIEW),
        ("contracts", "postrole", VIEW),
        ("contracts", "rosterentry", VIEW),
        ("inspections", "checklisttemplate", VIEW),
        ("inspections", "checklistitem", VIEW),
        ("inspections", "inspection", ("view", "add", "change")),
        ("inspections", "itemresult", ("view", "add", "change")),
        ("inspections", "inspectionphoto", ("view", "add", "delete")),
        ("inspections", "inspectionsignature", ("view", "add")),
        ("inspections", "inspectionsignoff", ("view", "add")),
        ("inspections", "rectificationorder", ("view", "add", "change")),
        ("inspections", "rectificationphoto", VIEW),
        ("inspections", "complaint", VIEW),
        ("inspections", "inspectionplan", VIEW),
        ("inspections", "round", VIEW),
        ("logistics", "calendarday", VIEW),
    ],
    Role.VENDOR: [
        ("logistics", "servicecategory", VIEW),
        ("logistics", "site", VIEW),
        ("logistics", "keypoint", VIEW),
        ("logistics", "vendor", VIEW),
        ("logistics", "certificate", VIEW),
        ("logistics", "tender", VIEW),
        ("logistics", "bid", ("view", "add", "change")),
        ("logistics", "bidattachment", ("view", "add")),
        ("contracts", "contract", VIEW),
        ("contracts", "clause", VIEW),
        ("contracts", "settlement", VIEW),
        ("contracts", "ledgerline", VIEW),
        ("contracts", "formalwarning", VIEW),
        ("contracts", "post", VIEW),
        ("contracts", "postrole", VIEW),
        ("contracts", "rosterentry", ("view", "add", "change")),
        ("inspections", "checklisttemplate", VIEW),
        ("inspections", "checklistitem", VIEW),
        ("inspections", "inspection", ("view", "add", "change")),
        ("inspections", "itemresult", ("view", "add", "change")),
        ("inspections", "inspectionphoto", ("view", "add")),
        ("inspections", "inspectionsignature", ("view", "add")),
        ("inspections", "rectificationorder", ("view", "change")),
        ("inspections", "rectificationphoto", ("view", "add")),
        ("inspections", "complaint", ("view", "change")),
        ("inspections", "inspectionplan", VIEW),
        ("inspections", "round", VIEW),
        ("scoring", "evaluation", VIEW),
        ("scoring", "report", VIEW),
        ("scoring", "objection", ("view", "add")),
        ("scoring", "objectionfile", ("view", "add")),
    ],
}

# Models no role but the superuser touches (technical tables).
EXCLUDED_MODELS = {("logistics", "outboxmessage"), ("logistics", "historicaluser")}
# Leaders read everything of the domain except users' and technical records (and the robots' webhook keys).
LEADER_EXCLUDED = {("logistics", "user"), ("logistics", "notification"), ("logistics", "grouprobot")}


def permission_codenames(role: str, available: Iterable[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """The (app label, codename) pairs of ``role`` among the ``available`` (app, model, codename) triples."""
    wanted: set[tuple[str, str]] = set()
    rules = ROLE_PERMISSIONS[role]
    for app_label, model, codename in available:
        if (app_label, model) in EXCLUDED_MODELS or model.startswith("historical"):
            continue
        if role == Role.LEADER and (app_label, model) in LEADER_EXCLUDED:
            continue
        action = codename.split("_", 1)[0]
        for rule_app, rule_model, actions in rules:
            if rule_app == app_label and rule_model in (ALL, model) and action in actions:
                wanted.add((app_label, codename))
    return wanted


def sync_role_groups(group_model: Any = None, permission_model: Any = None) -> None:
    """Create the role groups if needed and add the permissions the table gives them."""
    if group_model is None or permission_model is None:
        from django.contrib.auth.models import Group, Permission

        group_model, permission_model = Group, Permission
    apps_of_interest = set(DOMAIN_APPS) | {rule[0] for rules in ROLE_PERMISSIONS.values() for rule in rules}
    permissions = list(
        permission_model.objects.filter(content_type__app_label__in=apps_of_interest).values_list(
            "pk", "content_type__app_label", "content_type__model", "codename"
        )
    )
    by_key = {(app, codename): pk for pk, app, _model, codename in permissions}
    available = [(app, model, codename) for _pk, app, model, codename in permissions]
    for role in Role:
        group, _created = group_model.objects.get_or_create(name=role.value)
        wanted = {by_key[key] for key in permission_codenames(role.value, available)}
        have = set(group.permissions.values_list("pk", flat=True))
        missing = wanted - have
        if missing:
            group.permissions.add(*missing)


def sync_role_groups_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: make sure every permission exists, then complete the groups."""
    if sender.name != "logistics":
        return
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_role_groups()
