"""API throttles counted per client address as the product sees it (``logistics.ratelimit.client_address``:
the address the trusted proxy saw, never one the client wrote), per user once signed in."""

from __future__ import annotations

from typing import Any

from rest_framework import throttling

from logistics.ratelimit import client_address, pseudonym


class AnonRateThrottle(throttling.AnonRateThrottle):
    def get_ident(self, request: Any) -> str:
        return pseudonym(client_address(request))


class UserRateThrottle(throttling.UserRateThrottle):
    def get_ident(self, request: Any) -> str:
        return pseudonym(client_address(request))
