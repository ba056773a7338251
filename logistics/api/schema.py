"""The OpenAPI schema's generator: drf-spectacular's, plus what it leaves out and the API does answer.

- Error responses. drf-spectacular documents the success status only, but every operation can answer 401
  and 403 (no or a bad token, a role without the permission), an operation on one object 404 (outside the
  user's scope, or no such object) and a paginated list 404 (a page beyond the last), and one that takes
  a body or query parameters 400 (DRF's validation errors, django-filter's bad filter values). Clients
  (and schemathesis, logistics/tests/test_api_fuzz.py) read the schema to know them.
- ``NULL_IN_RESPONSE``: a serializer may name fields that its ``to_representation`` blanks to null (a
  sealed bid's price and content); they are nullable in the response schema only, never as input.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# {"field": ["message", ...], "non_field_errors": [...]} or {"detail": "..."}
VALIDATION = {"type": "object", "additionalProperties": {}}


def _error(description: Any, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {
            "401": _error(_("Not signed in, or an invalid token"), DETAIL),
            "403": _error(_("The role may not do this"), DETAIL),
        }
        if self._has_input():
            errors["400"] = _error(_("Invalid input"), VALIDATION)
        if "{" in self.path or self._get_pagination_parameters():  # or a page beyond the last
            errors["404"] = _error(_("No such object within the user's scope"), DETAIL)
        for code, response in sorted(errors.items()):
            responses.setdefault(code, response)
        return responses

    def _has_input(self) -> bool:
        if self.method in ("POST", "PUT", "PATCH"):
            return True
        return bool(
            self._get_filter_parameters() or self._get_pagination_parameters() or self.get_override_parameters()
        )

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response":
            for name in getattr(serializer, "NULL_IN_RESPONSE", ()):
                field = schema["properties"].get(name)
                if field is not None and "$ref" not in field:
                    field["nullable"] = True
        return schema
