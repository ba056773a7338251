from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = _("Logistics office")
    demo_seeder = "logistics.demo_seed.seed"

    def ready(self) -> None:
        from logistics import access, checks, downloads, security  # noqa: F401  (scopes, checks, downloads, log)
        from logistics.roles import sync_role_groups_after_migrate

        # Role groups are created by a data migration; permissions of models added by later migrations are
        # granted here, after every app has migrated (permissions only exist after post_migrate).
        post_migrate.connect(sync_role_groups_after_migrate, dispatch_uid="logistics.sync_role_groups")


class AxesConfig(AxesAppConfig):
    """django-axes under a name the office reads (its own is "Axes")."""

    verbose_name = _("Login protection")
