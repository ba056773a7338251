from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Quarterly evaluation")
    demo_seeder = "scoring.demo.seed"

    def ready(self) -> None:
        from scoring import access, views  # noqa: F401  (registers object scopes and the vendor page section)
