from django.utils.translation import gettext_lazy as _

from logistics.apps import DomainAppConfig


class FeedbackConfig(DomainAppConfig):
    name = "feedback"
    verbose_name = _("Monthly feedback forms")
    imports = ("policy",)  # who may do what
