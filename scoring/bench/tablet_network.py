"""The tablet on a weak network: /inspect/ loaded by Chromium through Playwright with the network of a tablet in a
basement (Chromium's own emulation over DevTools: 1.6 Mbit/s down and up, 150 ms round trip).

Two loads in one browser context, as a tablet sees them:

- **cold**: a new context (no HTTP cache, no service worker, no stored checklists), the session's cookie only;
- **repeat**: the same context once its service worker is active and the background prefetch of the checklists
  is done: the page is asked for again (network first, so a fresh list of contracts when online).

"Ready" is the moment the form is usable: the tablet script (static/js/inspect.js) writes
``performance.now()`` into ``#inspect-app[data-ready]`` once the kind, contract and checklist choosers are
filled and the start button can be pressed: milliseconds from the start of the navigation.

Traffic is read from DevTools (Network events of the page): the bytes are each response's encoded length on the
wire (headers included, compressed bodies as sent), counted for the requests that reached the network (not
answered by the service worker, the memory or the disk cache). The first screen is what the page asked for
before it was ready; "total" adds what it fetches after (the checklists' prefetch) until the network is quiet.
Requests the service worker itself sends are reported by DevTools on the worker, not on the page, and the page's
emulation does not slow them: its install during the cold load (after the form is ready) is counted apart
(``worker_requests``, ``worker_bytes``, from Playwright, unthrottled); for the repeat load the worker gets the
same emulation through the browser's DevTools session and its network requests (the network-first page) are
counted with the page's.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOWN_BYTES_PER_S = 200_000  # 1.6 Mbit/s
UP_BYTES_PER_S = 200_000
LATENCY_MS = 150
TABLET = {"width": 1024, "height": 768}
# milliseconds from the navigation's start to the form being usable, once the script has marked it
READY = """() => {
  const app = document.getElementById("inspect-app");
  return app && app.dataset.ready ? Number(app.dataset.ready) : null;
}"""
# the background prefetch of the checklists is over (the script marks it, whatever the outcome)
PREFETCHED = """() => {
  const app = document.getElementById("inspect-app");
  return !!(app && app.dataset.prefetched);
}"""
ASSET_TYPES = {"Script", "Stylesheet", "Image", "Font"}


class _PageTraffic:
    """The page's requests as DevTools reports them (Network domain of the page's target)."""

    def __init__(self, cdp: Any) -> None:
        self.requests: dict[str, dict[str, Any]] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, params: dict[str, Any]) -> None:
        key = params["requestId"]
        if key in self.requests and params.get("redirectResponse"):  # a redirect: the hop is its own request
            hop = self.requests.pop(key)
            hop.update(done=True, bytes=params["redirectResponse"].get("encodedDataLength", 0))
            self.requests[f"{key}:{len(self.requests)}"] = hop
        self.requests[key] = {
            "url": params["request"]["url"],
            "type": params.get("type", ""),
            "wall": params["wallTime"],  # seconds since the epoch, as the page's performance.timeOrigin
            "from_sw": False,
            "cached": False,
            "bytes": 0,
            "done": False,
            "failed": False,
            "status": None,
        }

    def _response(self, params: dict[str, Any]) -> None:
        request = self.requests.get(params["requestId"])
        if request is None:
            return
        response = params["response"]
        request["status"] = response.get("status")
        request["from_sw"] = bool(response.get("fromServiceWorker"))
        request["cached"] = bool(response.get("fromDiskCache") or response.get("fromPrefetchCache"))
        request["encoding"] = {k.lower(): v for k, v in response.get("headers", {}).items()}.get("content-encoding", "")

    def _from_cache(self, params: dict[str, Any]) -> None:
        if request := self.requests.get(params["requestId"]):
            request["cached"] = True

    def _finished(self, params: dict[str, Any]) -> None:
        if request := self.requests.get(params["requestId"]):
            request.update(done=True, bytes=int(params.get("encodedDataLength", 0)))

    def _failed(self, params: dict[str, Any]) -> None:
        if request := self.requests.get(params["requestId"]):
            request.update(done=True, failed=True)

    def reset(self) -> None:
        self.requests.clear()

    def in_flight(self) -> int:
        return sum(1 for r in self.requests.values() if not r["done"])

    def network(self, before_wall: float | None = None) -> list[dict[str, Any]]:
        """Requests that reached the network (issued before ``before_wall``, epoch seconds, when given)."""
        return [
            r
            for r in self.requests.values()
            if not r["from_sw"]
            and not r["cached"]
            and not r["failed"]
            and not r["url"].startswith("data:")
            and (before_wall is None or r["wall"] <= before_wall)
        ]


class _WorkerSession:
    """DevTools on the page's service worker, through the browser's session (Playwright gives page sessions
    only): its network gets the page's emulation, and its Network events feed a ``_PageTraffic``."""

    def __init__(self, browser_cdp: Any, target_id: str) -> None:
        self.browser_cdp = browser_cdp
        self.handlers: dict[str, Any] = {}
        self.next_id = 0
        self.session = browser_cdp.send("Target.attachToTarget", {"targetId": target_id, "flatten": False})["sessionId"]
        browser_cdp.on("Target.receivedMessageFromTarget", self._message)

    def _message(self, event: dict[str, Any]) -> None:
        if event.get("sessionId") != self.session:
            return
        message = json.loads(event["message"])
        if handler := self.handlers.get(message.get("method")):
            handler(message.get("params", {}))

    def on(self, method: str, handler: Any) -> None:
        self.handlers[method] = handler

    def send(self, method: str, params: dict[str, Any] | None = None) -> None:
        self.next_id += 1
        message = json.dumps({"id": self.next_id, "method": method, "params": params or {}})
        self.browser_cdp.send("Target.sendMessageToTarget", {"sessionId": self.session, "message": message})


def _worker(browser: Any, page: Any, conditions: dict[str, Any]) -> _PageTraffic:
    """The active service worker of the page, throttled like the page, its traffic recorded."""
    browser_cdp = browser.new_browser_cdp_session()
    targets = browser_cdp.send("Target.getTargets")["targetInfos"]
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(page.url))
    found = [t for t in targets if t["type"] == "service_worker" and t["url"].startswith(origin)]
    if not found:
        raise RuntimeError(f"no service worker runs for {origin}")
    session = _WorkerSession(browser_cdp, found[0]["targetId"])
    traffic = _PageTraffic(session)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", conditions)
    page.wait_for_timeout(200)  # the worker's session answers asynchronously
    return traffic


def _is_asset(request: dict[str, Any], static_url: str, catalog_path: str) -> bool:
    path = urlsplit(request["url"]).path
    return request["type"] in ASSET_TYPES or path.startswith(static_url) or path == catalog_path


def _summary(requests: list[dict[str, Any]]) -> dict[str, Any]:
    return {"bytes": sum(r["bytes"] for r in requests), "requests": len(requests)}


def _wait_quiet(page: Any, traffic: _PageTraffic, *, quiet_s: float, timeout_s: float) -> None:
    """Wait until no request of the page has been in flight for ``quiet_s`` (at most ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if traffic.in_flight():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return


def _load(page: Any, url: str, traffic: _PageTraffic, *, ready: str, timeout_ms: int) -> dict[str, Any]:
    traffic.reset()
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    ready_ms = page.wait_for_function(ready, timeout=timeout_ms, polling="raf").json_value()
    origin_ms = page.evaluate("() => performance.timeOrigin")
    return {"ready_ms": round(float(ready_ms), 1), "ready_wall": (origin_ms + float(ready_ms)) / 1000}


def measure(
    base_url: str,
    session_cookie: dict[str, Any],
    *,
    path: str = "/inspect/",
    static_url: str = "/static/",
    catalog_path: str = "/jsi18n/",
    down_bytes_per_s: int = DOWN_BYTES_PER_S,
    up_bytes_per_s: int = UP_BYTES_PER_S,
    latency_ms: int = LATENCY_MS,
    ready: str = READY,
    prefetched: str = PREFETCHED,
    timeout_s: float = 60.0,
    chromium: str = CHROMIUM,
) -> dict[str, Any]:
    """Load ``path`` cold, then again with the service worker warm, and return what each cost.

    ``session_cookie`` is the signed-in session as a cookie: ``{"name": ..., "value": ...}`` (Playwright's
    cookie fields; its address is ``base_url`` unless it names a domain). Returns::

        {"cold": {"ready_ms", "bytes", "requests", "by_path", "total_bytes", "total_requests",
                  "worker_requests", "worker_bytes"},
         "repeat": {"ready_ms", "bytes", "requests", "assets_from_network", "network"},
         "network": {"down_bytes_per_s", "up_bytes_per_s", "latency_ms"}}

    ``bytes`` / ``requests`` of the cold load are the first screen's (requests issued before the form was
    ready); ``assets_from_network`` counts the static files and the JavaScript catalogue the repeat load
    fetched from the network (0 when the service worker serves them). ``ready`` and ``prefetched`` are the
    page's markers (JavaScript functions, as Playwright's ``wait_for_function`` takes them)."""
    from playwright.sync_api import sync_playwright

    timeout_ms = int(timeout_s * 1000)
    url = base_url.rstrip("/") + path
    cookie = {**session_cookie}
    if "domain" not in cookie and "url" not in cookie:
        cookie["url"] = base_url
    conditions = {
        "offline": False,
        "latency": latency_ms,
        "downloadThroughput": down_bytes_per_s,
        "uploadThroughput": up_bytes_per_s,
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=TABLET, has_touch=True, service_workers="allow")
            context.add_cookies([cookie])
            installing: list[Any] = []  # the worker's own requests while it installs (before it can be throttled)
            context.on("requestfinished", lambda r: r.service_worker is not None and installing.append(r))
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            traffic = _PageTraffic(cdp)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", conditions)

            # --- cold: nothing cached, no service worker yet
            cold = _load(page, url, traffic, ready=ready, timeout_ms=timeout_ms)
            page.wait_for_function(prefetched, timeout=timeout_ms)
            page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=timeout_ms)
            _wait_quiet(page, traffic, quiet_s=1.0, timeout_s=timeout_s)
            first = traffic.network(before_wall=cold.pop("ready_wall"))
            everything = traffic.network()
            statuses = sorted({r["status"] for r in everything if r["status"] and r["status"] >= 400})
            if statuses:
                raise RuntimeError(f"{url}: responses {statuses} during the cold load")
            worker_sizes = [r.sizes() for r in installing]
            cold.update(
                _summary(first),
                by_path={urlsplit(r["url"]).path: [r["bytes"], r.get("encoding", "")] for r in first},
                total_bytes=_summary(everything)["bytes"],
                total_requests=len(everything),
                worker_requests=len(installing),
                worker_bytes=sum(x["responseBodySize"] + x["responseHeadersSize"] for x in worker_sizes),
            )

            # --- repeat: the same tablet later (service worker active and throttled too, checklists cached)
            worker = _worker(browser, page, conditions)
            worker.reset()
            repeat = _load(page, url, traffic, ready=ready, timeout_ms=timeout_ms)
            repeat.pop("ready_wall")
            _wait_quiet(page, traffic, quiet_s=1.0, timeout_s=timeout_s)
            seen = traffic.network() + worker.network()
            assets = [r for r in seen if _is_asset(r, static_url, catalog_path)]
            repeat.update(
                _summary(seen),
                assets_from_network=len(assets),
                network=sorted(urlsplit(r["url"]).path for r in seen),
            )
            context.close()
        finally:
            browser.close()
    return {
        "cold": cold,
        "repeat": repeat,
        "network": {"down_bytes_per_s": down_bytes_per_s, "up_bytes_per_s": up_bytes_per_s, "latency_ms": latency_ms},
    }
