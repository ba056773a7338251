"""The API's answer to a URL that matches no route: JSON like every other API error, not the HTML page.

A detail route takes an integer (``/api/vendors/1/``); ``/api/vendors/1.5/`` matches no pattern, so Django
answers before DRF does. The schema documents a JSON 404 for every detail route; this keeps that promise.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.exceptions import NotFound


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
