"""Rate limits on the shared cache (django-ratelimit's rates and windows, counted in one round trip), used by the
public pages.

The key is an HMAC of the client address or contact, never the address itself, and a cache that is down
lets the request through: an employee's complaint is never refused because Redis is away.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django_ratelimit.core import _get_window, _split_rate  # the package's rates and windows (pinned 4.1.0)

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
    try:
        return _count(group, pseudonym(value), rate)
    except Exception:  # the cache is down: fail open (and say so in the log, without the address)
        logger.warning("rate limit cache unavailable for %s; request allowed", group)
        return Limit(False, 0)


def _count(group: str, key: str, rate: str) -> Limit:
    """A fixed-window counter in the shared cache, with django-ratelimit's rates ("5/10m") and windows (each key's
    window ends at its own offset). On Redis the counter is created with its expiry and incremented in one round
    trip (a pipeline of SET NX EX and INCR); django-ratelimit's ADD then INCR takes two for a known address."""
    limit, period = _split_rate(rate)
    window = _get_window(key, period)
    cache_key = f"rl:{group}:{window}:{key}"
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    ttl = period + 2
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(cache_key)
        pipeline = cache._cache.get_client(full_key, write=True).pipeline(transaction=False)
        pipeline.set(full_key, 0, ex=ttl, nx=True)
        pipeline.incr(full_key)
        count = pipeline.execute()[-1]
    else:
        cache.add(cache_key, 0, ttl)
        count = cache.incr(cache_key)
    return Limit(count > limit, max(1, window - int(time.time())))
