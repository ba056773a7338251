"""Strings of Django and of the libraries that read wrong, or not at all, in Chinese, marked here so that
``make messages`` puts them into our catalogue, which Django reads before the libraries' own (LOCALE_PATHS).
Nothing imports this module; translations live in locale/zh_Hans/LC_MESSAGES/django.po as usual.
The JavaScript ones (the admin's two-list selector) are in library_strings.js.
"""

from django.utils.translation import gettext_noop

STRINGS = [
    # Django admin: the (screen-reader) headers of the model lists
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django-axes (login lock-outs): no Chinese catalogue of its own
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    # django-celery-beat
    gettext_noop("Periodic Tasks Using This Schedule"),
]
