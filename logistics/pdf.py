"""PDF rendering with WeasyPrint: fetches nothing from the network and reads only the project's files.

Documents are HTML from Django templates (user text escaped by the template engine), rendered with the
CJK font installed with the system packages (Noto Sans CJK SC; ``lang="zh-CN"`` and an explicit family
keep fontconfig from picking the Japanese glyphs). Rendering happens in tasks, never in a request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string


def _roots() -> list[Path]:
    roots = [Path(p).resolve() for p in getattr(settings, "STATICFILES_DIRS", [])]
    roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def restricted_fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class RestrictedURLFetcher(URLFetcher):
        """data: URIs and files under the project's static folders; everything else is refused."""

        def __init__(self) -> None:
            super().__init__(timeout=3, allowed_protocols={"file", "data"}, allow_redirects=False)
            self.roots = _roots()

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlparse(url).path)).resolve()
                if any(path.is_relative_to(root) for root in self.roots):
                    return super().fetch(url, headers)
            raise ValueError(f"refused to fetch {url[:100]!r}: only the project's static files are allowed")

    return RestrictedURLFetcher()


def html_document(html: str) -> Any:
    from weasyprint import HTML

    base = Path(settings.BASE_DIR / "static").resolve().as_uri() + "/"
    return HTML(string=html, base_url=base, url_fetcher=restricted_fetcher())


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    return html_document(render_to_string(template, context)).write_pdf()


def layout(template: str, context: dict[str, Any]) -> Any:
    """Lay the document out without writing the PDF (for timing the two apart)."""
    return html_document(render_to_string(template, context)).render()
