from importlib import import_module

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DomainAppConfig(AppConfig):
    """An app of the office, declared: the modules of the app that register themselves when imported (access
    scopes, policy rules, views with a vendor page section), then the modules whose ``register()`` is called, in
    order (renderers, notices, reports). Its demo seeder is ``<name>.demo.seed`` (``seed_demo`` runs it)."""

    imports: tuple[str, ...] = ()
    registers: tuple[str, ...] = ()

    @property
    def demo_seeder(self) -> str:
        return f"{self.name}.demo.seed"

    def ready(self) -> None:
        for module in self.imports:
            import_module(f"{self.name}.{module}")
        for module in self.registers:
            import_module(f"{self.name}.{module}").register()


class LogisticsConfig(DomainAppConfig):
    name = "logistics"
    verbose_name = _("Logistics office")
    demo_seeder = "logistics.demo_seed.seed"
    imports = ("access", "checks", "downloads", "security")  # scopes, checks, downloads, the log

    def ready(self) -> None:
        super().ready()
        from logistics.roles import sync_role_groups_after_migrate

        # Role groups are created by a data migration; permissions of models added by later migrations are
        # granted here, after every app has migrated (permissions only exist after post_migrate).
        post_migrate.connect(sync_role_groups_after_migrate, dispatch_uid="logistics.sync_role_groups")


class AxesConfig(AxesAppConfig):
    """django-axes under a name the office reads (its own is "Axes")."""

    verbose_name = _("Login protection")
