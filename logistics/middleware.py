"""Language selection: Chinese unless the person chose English with the language switch.

Django's LocaleMiddleware also follows the browser's Accept-Language header; here the product speaks
the institution's language (settings.LANGUAGE_CODE, zh-hans) until someone switches, whatever the
device's locale (a tablet bought abroad, a phone set to English).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def chosen_language(request: HttpRequest) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    wanted = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return wanted if wanted in supported else settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
