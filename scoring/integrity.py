"""Checks that what was sealed is still what is stored: final evaluations and frozen reports."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from scoring.models import Evaluation, EvaluationStatus, Report
from scoring.services import seal


@dataclass(frozen=True)
class Mismatch:
    kind: str  # "evaluation" / "report"
    pk: int
    label: str
    stored: str
    actual: str


def verify(quarter: str | None = None) -> tuple[int, list[Mismatch]]:
    """Recompute the seal of every final evaluation and the SHA-256 of every frozen report file."""
    checked, mismatches = 0, []
    evaluations = Evaluation.objects.filter(status=EvaluationStatus.FINAL).select_related("contract", "scheme")
    reports = Report.objects.filter(frozen=True)
    if quarter:
        evaluations, reports = evaluations.filter(quarter=quarter), reports.filter(quarter=quarter)
    for evaluation in evaluations.order_by("quarter", "contract__number").iterator(chunk_size=200):
        checked += 1
        actual = seal(evaluation)
        if actual != evaluation.inputs_hash:
            label = f"{evaluation.contract.number} {evaluation.quarter}"
            mismatches.append(Mismatch("evaluation", evaluation.pk, label, evaluation.inputs_hash, actual))
    for report in reports.order_by("quarter", "pk").iterator(chunk_size=200):
        checked += 1
        actual = _file_hash(report)
        if actual != report.sha256:
            mismatches.append(Mismatch("report", report.pk, f"{report.kind} {report.quarter}", report.sha256, actual))
    return checked, mismatches


def _file_hash(report: Report) -> str:
    if not report.file:
        return "missing"
    digest = hashlib.sha256()
    try:
        with report.file.open("rb") as handle:
            for chunk in _chunks(handle):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    return digest.hexdigest()


def _chunks(handle) -> Iterator[bytes]:
    while chunk := handle.read(1 << 20):
        yield chunk
