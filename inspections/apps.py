from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections and employees' voice")
    demo_seeder = "inspections.demo.seed"

    def ready(self) -> None:
        from inspections import access, policy, renderers, views, views_voice  # noqa: F401  (scopes, rules, sections)

        renderers.register()
