"""Middleware: the request limits, the language (Chinese unless the person chose English), compression.

Django's LocaleMiddleware also follows the browser's Accept-Language header; here the product speaks
the institution's language (settings.LANGUAGE_CODE, zh-hans) until someone switches, whatever the
device's locale (a tablet bought abroad, a phone set to English).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _


def chosen_language(request: HttpRequest) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    wanted = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return wanted if wanted in supported else settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()


class RequestLimitsMiddleware:
    """Limits a request meets before anything else reads it (issue 17):

    - a body larger than ``REQUEST_BODY_MAX_BYTES`` is refused by its Content-Length (413) before a byte of
      it is read: Django would read the whole body before a view's own size check and the rate limits;
    - anonymous calls to the API are counted per client address (``API_ANON_RATE``): DRF checks permissions
      before throttles, so without this a client refused by the permissions was never throttled.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_BODY_MAX_BYTES:
            with translation.override(chosen_language(request)):
                message = _("The request is too large (at most %(mb)d MB).") % {
                    "mb": settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)
                }
                return _refusal(request, message, 413)
        if request.path.startswith("/api/") and _anonymous(request):
            from logistics.ratelimit import client_address, hit

            limit = hit(request, group="api-anonymous", value=client_address(request), rate=settings.API_ANON_RATE)
            if limit.limited:
                with translation.override(chosen_language(request)):
                    response = _refusal(request, _("Too many requests; try again in a minute."), 429)
                response["Retry-After"] = str(limit.retry_after)
                return response
        return self.get_response(request)


def _anonymous(request: HttpRequest) -> bool:
    """No session cookie and no Authorization header: nobody is signed in (checked before any database read)."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "HTTP_AUTHORIZATION" not in request.META


def _refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for text: pages, JSON, JavaScript, CSS, SVG, CSV (the tablet's page and its
    checklists on a weak network). Photos, PDFs and workbooks are compressed formats already, or stream from
    disk: gzip would spend CPU for nothing and drop their Content-Length.

    Django's mitigation of BREACH (since 4.2, "Heal The Breach": up to ``max_random_bytes`` random bytes in each
    compressed response's gzip header, so its length no longer tells a guessed secret) comes with it; Django's
    CSRF tokens are masked per response as well. Static files are compressed at ``collectstatic``
    (whitenoise's CompressedManifestStaticFilesStorage writes .gz and .br beside them)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if not content_type.startswith(COMPRESSIBLE) and not content_type.endswith(("+json", "+xml")):
            return response
        return super().process_response(request, response)


COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/vnd.oai.openapi",
    "image/svg+xml",
)
