"""``python manage.py seed_demo``: a living demo institution. Idempotent: a second run changes nothing."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import translation
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Create the demo institution (reference data, users of every role, vendors, contracts, a quarter)."

    def handle(self, *args: Any, **options: Any) -> None:
        context: dict[str, Any] = {"stdout": self.stdout}
        # the demo's notifications are recorded (Notification rows) but not printed to the console
        with (
            translation.override("zh-hans"),
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        ):
            # Each app declares its seeder on its AppConfig (demo_seeder = "app.module.function"); they run in
            # INSTALLED_APPS order, which is the dependency order logistics -> contracts -> inspections -> scoring.
            for app_config in apps.get_app_configs():
                seeder_path = getattr(app_config, "demo_seeder", None)
                if not seeder_path:
                    continue
                with transaction.atomic():
                    import_string(seeder_path)(context)
                self.stdout.write(f"  {app_config.label}: ok")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
