from django.utils.translation import gettext_lazy as _

from logistics.apps import DomainAppConfig


class ScoringConfig(DomainAppConfig):
    name = "scoring"
    verbose_name = _("Quarterly evaluation")
    imports = ("access", "policy", "views")  # scopes, rules, the vendor page section
    registers = ("notices", "monthly_reports", "renderers_year")  # notices, monthly reports, appraisal PDF
