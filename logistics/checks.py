"""System checks of the product's own settings (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def client_address_behind_a_proxy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Behind a reverse proxy, REMOTE_ADDR is the proxy's: every client would share one rate limit and one
    login-throttling address (anyone could keep the office locked out) unless the app knows where the
    client's address is."""
    behind_proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None
    knows = bool(settings.CLIENT_IP_HEADER) or settings.TRUSTED_PROXY_HOPS > 0
    if settings.DEBUG or not behind_proxy or knows:
        return []
    return [
        checks.Warning(
            "The app runs behind a proxy (DJANGO_BEHIND_TLS_PROXY) but does not know the client's address: every "
            "client shares the proxy's for the rate limits and the login throttling.",
            hint="Set CLIENT_IP_HEADER=HTTP_X_REAL_IP with deploy/nginx/logistics.conf, or TRUSTED_PROXY_HOPS to "
            "the number of proxies that append to X-Forwarded-For.",
            id="logistics.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def public_base_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Links that leave the site (tracking pages, password links, QR sheets) are built on PUBLIC_BASE_URL;
    in production it must be the address people reach, not the development default."""
    url = settings.PUBLIC_BASE_URL.rstrip("/")
    if settings.DEBUG or (url.startswith("https://") and "127.0.0.1" not in url and "localhost" not in url):
        return []
    return [
        checks.Error(
            f"PUBLIC_BASE_URL is {url!r}: the links in emails and on QR sheets would not reach anybody.",
            hint="Set PUBLIC_BASE_URL to the https:// address of the site, e.g. https://logistics.example.cn.",
            id="logistics.E001",
        )
    ]
