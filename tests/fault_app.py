"""The Celery app of the fault tests' dedicated workers: the product's app with a short visibility timeout.

With Redis, a message a dead worker took and never acknowledged goes back to its queue once the
visibility timeout has passed (production: one hour, settings.CELERY_BROKER_TRANSPORT_OPTIONS). The
tests cannot wait an hour: ``FAULT_VISIBILITY_TIMEOUT`` seconds, and a restore sweep every second.
"""

import os

from django.conf import settings

from logistics.celery import app

app.conf.broker_transport_options = {
    **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": int(os.environ.get("FAULT_VISIBILITY_TIMEOUT", "3")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

__all__ = ["app"]
