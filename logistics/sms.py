"""SMS through a provider interface: ``settings.SMS_BACKEND`` names the class (as Django's EMAIL_BACKEND).

- ``logistics.sms.ConsoleBackend`` (the default): writes each message to the log and keeps it in ``sms.outbox``
  (development and tests: nothing leaves the machine).
- ``logistics.sms.AppriseBackend``: any SMS service apprise knows (Twilio, BulkSMS, an SMS gateway of one's own
  through ``json://`` ...), from ``SMS_APPRISE_URL`` with ``{phone}`` where the number goes.
A provider of one's own is a class with ``send_messages(messages) -> int``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("logistics.sms")

outbox: list[SMS] = []  # what the console backend sent (tests read it; a process keeps at most 1,000)


@dataclass(frozen=True)
class SMS:
    phone: str
    text: str


class ConsoleBackend:
    def send_messages(self, messages: list[SMS]) -> int:
        for message in messages:
            logger.info("SMS to %s: %s", message.phone, message.text)
            outbox.append(message)
        del outbox[:-1000]
        return len(messages)


class AppriseBackend:
    def send_messages(self, messages: list[SMS]) -> int:
        import apprise

        from logistics.channels import DeliveryFailed

        template = settings.SMS_APPRISE_URL
        sent = 0
        for message in messages:
            client = apprise.Apprise()
            if not client.add(template.format(phone=message.phone.replace(" ", ""))):
                raise DeliveryFailed("SMS_APPRISE_URL is not an address apprise knows")
            if not client.notify(body=message.text):
                raise DeliveryFailed(f"the SMS provider did not take the message to {message.phone}")
            sent += 1
        return sent


def backend() -> ConsoleBackend | AppriseBackend:
    return import_string(getattr(settings, "SMS_BACKEND", "logistics.sms.ConsoleBackend"))()


def send(phone: str, text: str) -> int:
    return backend().send_messages([SMS(phone=phone, text=text)])
