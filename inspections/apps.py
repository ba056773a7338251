from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections, complaints and surveys")
    demo_seeder = "inspections.demo.seed"

    def ready(self) -> None:
        from inspections import access, policy, renderers, views, views_complaints, views_surveys  # noqa: F401  (scopes, rules, sections)

        renderers.register()
