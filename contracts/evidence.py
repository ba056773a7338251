"""Where a ledger line's evidence can be seen. The apps that own the evidence register a URL maker."""

from __future__ import annotations

from collections.abc import Callable

_URLS: dict[str, Callable[[int], str]] = {}


def register_evidence_url(evidence_type: str, url_for: Callable[[int], str]) -> None:
    _URLS[evidence_type] = url_for


def evidence_url(evidence_type: str, evidence_id: int | None) -> str | None:
    maker = _URLS.get(evidence_type)
    if maker is None or evidence_id is None:
        return None
    return maker(evidence_id)
