from django.utils.translation import gettext_lazy as _

from logistics.apps import DomainAppConfig


class ContractsConfig(DomainAppConfig):
    name = "contracts"
    verbose_name = _("Contracts")
    imports = ("access", "policy", "views")  # scopes, rules, the vendor page section
    registers = ("renderers",)  # the letters and payment requests
