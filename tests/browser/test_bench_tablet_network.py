"""The benchmark's measuring step for the tablet on a weak network (scoring/bench/tablet_network.py), run here
against Django's live server: what it counts, not how fast anything is."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_benchmark_measures_the_tablet_on_a_weak_network(live_server, institution):
    """scoring/bench/tablet_network.py, as `manage.py bench` runs it against gunicorn: here against the live
    server (its static files uncompressed, unhashed): what it counts, not how fast it is."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings

    from scoring.bench import tablet_network, web

    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": web._session_for(institution.inspector)}
    with ThreadPoolExecutor(1) as pool:  # Playwright's own event loop, apart from the tests' browser
        result = pool.submit(tablet_network.measure, live_server.url, cookie).result()
    cold, repeat = result["cold"], result["repeat"]
    # the first screen: the page, its stylesheet, icon and scripts, and the catalogue; the page gzipped
    assert sorted(cold["by_path"]) == [
        "/inspect/",
        "/jsi18n/",
        "/static/css/app.css",
        "/static/img/favicon.svg",
        "/static/js/confirm.js",
        "/static/js/inspect.js",
        "/static/js/print.js",
        "/static/js/table-cards.js",
    ]
    assert (cold["requests"], cold["by_path"]["/inspect/"][1]) == (8, "gzip")
    assert cold["total_requests"] == 9  # and, once it is ready, the one checklist in the background
    assert cold["bytes"] == sum(size for size, _encoding in cold["by_path"].values())
    # again later: only the page from the network (network first); its assets from the service worker
    assert (repeat["network"], repeat["assets_from_network"]) == (["/inspect/"], 0)
    assert result["network"] == {"down_bytes_per_s": 200_000, "up_bytes_per_s": 200_000, "latency_ms": 150}
