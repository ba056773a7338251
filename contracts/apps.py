from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")
    demo_seeder = "contracts.demo.seed"

    def ready(self) -> None:
        from contracts import access, policy, renderers, views  # noqa: F401  (scopes, rules, the vendor page section)

        renderers.register()
