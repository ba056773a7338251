from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Monthly feedback forms")
    demo_seeder = "feedback.demo.seed"

    def ready(self) -> None:
        from feedback import policy  # noqa: F401  (who may do what)
