from django.utils.translation import gettext_lazy as _

from logistics.apps import DomainAppConfig


class InspectionsConfig(DomainAppConfig):
    name = "inspections"
    verbose_name = _("Inspections, complaints and surveys")
    imports = ("access", "policy", "views", "views_complaints", "views_surveys")  # scopes, rules, sections
    registers = ("renderers",)  # the QR sheets
