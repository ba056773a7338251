from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Quarterly evaluation")
    demo_seeder = "scoring.demo.seed"

    def ready(self) -> None:
        from scoring import access, monthly_reports, notices, policy, views  # noqa: F401  (scopes, rules, the vendor page section)

        notices.register()
        monthly_reports.register()
        from scoring import renderers_year  # the appraisal PDF

        renderers_year.register()
