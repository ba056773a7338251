from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")
    demo_seeder = "contracts.demo.seed"

    def ready(self) -> None:
        from contracts import access, views  # noqa: F401  (registers object scopes and the vendor page section)
