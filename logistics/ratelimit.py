"""Rate limits on the shared cache (django-ratelimit's counters), used by the public pages.

The key is an HMAC of the client address or contact, never the address itself, and a cache that is down
lets the request through: an employee's complaint is never refused because Redis is away.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    limited: bool
    retry_after: int  # seconds until the window ends


def pseudonym(value: str) -> str:
    """A keyed hash of an address or contact: counts requests without keeping who sent them."""
    return hmac.new(settings.SECRET_KEY.encode(), value.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def client_address(request: HttpRequest) -> str:
    """The client's address as the trusted reverse proxy saw it, never one the client wrote itself.

    - ``CLIENT_IP_HEADER`` (e.g. ``HTTP_X_REAL_IP``) names a header the proxy *sets* from its own peer
      address (nginx: ``proxy_set_header X-Real-IP $remote_addr``, deploy/nginx/logistics.conf). Should a
      proxy append to it instead, its own entry is the last one, so the last one is taken.
    - Otherwise, with ``TRUSTED_PROXY_HOPS`` = n > 0 proxies in front, each appending the address it saw to
      X-Forwarded-For, the n-th entry from the right is the client's (anything to its left the client may
      have written).
    - Otherwise ``REMOTE_ADDR`` (the server faces the clients itself).
    """
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header and request.META.get(header):
        return request.META[header].split(",")[-1].strip()
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops > 0:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(request: HttpRequest, *, group: str, value: str, rate: str) -> Limit:
    """Count one request for ``value`` in ``group``; say whether it is over ``rate`` (e.g. "5/10m")."""
    key = pseudonym(value)
    try:
        usage = get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=True)
    except Exception:  # the cache is down: fail open (and say so in the log, without the address)
        logger.warning("rate limit cache unavailable for %s; request allowed", group)
        return Limit(False, 0)
    if usage is None:
        return Limit(False, 0)
    if usage["limit"] == 0 and usage["time_left"] == -1:  # the cache could not count: fail open
        return Limit(False, 0)
    return Limit(usage["should_limit"], max(1, usage["time_left"]))
