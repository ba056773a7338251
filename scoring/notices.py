"""The notice of a quarter's result (考评结果通知书), issued to the vendor when its evaluation is final."""

from __future__ import annotations

from contracts.choices import NoticeKind
from contracts.models import FormalNotice, FormalWarning, Settlement
from contracts.notices import notice_context, register_notice_renderer
from logistics.pdf import render_pdf
from scoring import components
from scoring.models import Evaluation


def result_notice(notice: FormalNotice) -> bytes:
    evaluation = (
        Evaluation.objects.select_related("scheme")
        .prefetch_related("components")
        .get(contract_id=notice.contract_id, quarter=notice.quarter)
    )
    stored = {c.code: c for c in evaluation.components.all()}
    rows = [
        (definition, stored[definition.code])
        for definition in components.COMPONENTS
        if definition.code in stored and components.shown(definition.code, stored[definition.code].weight)
    ]
    band = next((b for b in evaluation.scheme.bands if b.get("grade") == evaluation.grade), {})
    return render_pdf(
        "scoring/notice_result.pdf.html",
        {
            **notice_context(notice),
            "evaluation": evaluation,
            "components": rows,
            "grade_label": band.get("label", ""),
            "settlement": Settlement.objects.filter(contract_id=notice.contract_id, quarter=notice.quarter).first(),
            "objections": list(evaluation.objections.order_by("filed_at", "pk")),
            "warnings": list(
                FormalWarning.objects.filter(
                    contract_id=notice.contract_id, quarter=notice.quarter, withdrawn_at__isnull=True
                )
            ),
        },
    )


def register() -> None:
    register_notice_renderer(NoticeKind.RESULT, result_notice)
