"""The API's filter backend: django-filter's, strict about booleans.

django-filter reads an unknown boolean (``?is_active=ture``, ``?overdue=null``) as "no filter" and answers
every record, so a client's typo goes unnoticed. The schema says these parameters are booleans: through
the API anything but ``true``/``false`` (``1``/``0``, any case; not even an empty value) is a 400, like a
bad date or a bad choice.
The HTML lists keep django-filter's lenient reading (their select sends ``unknown`` for "any").
A filter value with a NUL character is a 400 too: PostgreSQL refuses NUL in a query (it was a 500).
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEAN_VALUES = {"true", "false", "1", "0"}


class StrictDjangoFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        errors = {}
        for name, declared in filterset.filters.items():
            if any("\x00" in value for value in request.query_params.getlist(name)):
                errors[name] = [_("Must not contain a NUL character.")]  # PostgreSQL refuses it: a 500
            elif isinstance(declared, django_filters.BooleanFilter):
                values = request.query_params.getlist(name)
                if any(value.lower() not in BOOLEAN_VALUES for value in values):
                    errors[name] = [_("Must be true or false.")]
        if errors:
            raise ValidationError(errors)
        return filterset
