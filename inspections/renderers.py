"""PDF sheets of QR codes (segno SVG, WeasyPrint): complaint points on the walls, survey invitations, a survey's
public link (one large code, to post or to share as a picture)."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts.choices import NoticeKind
from contracts.models import FormalNotice
from contracts.notices import notice_context, register_notice_renderer
from inspections.models import RectificationOrder, Survey, SurveyInvitation, SurveyPublicLink
from logistics.context_processors import default_institution_name
from logistics.documents import register_renderer
from logistics.models import Document, Site
from logistics.pdf import render_pdf


def public_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def qr_svg(url: str) -> str:
    """An inline SVG QR code (error correction M: survives a scratched print)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff"))


def complaint_qr_sheet(document: Document) -> tuple[str, bytes]:
    sites = Site.objects.filter(pk__in=document.params.get("sites", [])).prefetch_related("key_points")
    cells = []
    with override("zh-hans"):
        for site in sites:
            base = reverse("inspections:complaint_new")
            url = public_url(f"{base}?{urlencode({'site': site.code})}")
            cells.append({"title": site.name, "subtitle": site.name_en, "svg": qr_svg(url), "url": url})
            if document.params.get("key_points"):
                for point in site.key_points.filter(is_active=True):
                    url = public_url(f"{base}?{urlencode({'site': site.code, 'kp': point.code})}")
                    cells.append(
                        {
                            "title": f"{site.name} · {point.name}",
                            "subtitle": point.name_en,
                            "svg": qr_svg(url),
                            "url": url,
                        }
                    )
        data = render_pdf(
            "inspections/qr_sheet.pdf.html",
            {
                "cells": cells,
                "institution": default_institution_name(),
                "heading": _("Scan to report a service problem"),
                "heading_en": "Scan to report a service problem",
            },
        )
    return "complaint-qr-codes.pdf", data


def survey_qr_sheet(document: Document) -> tuple[str, bytes]:
    survey = Survey.objects.get(pk=document.params["survey"])
    invitations = SurveyInvitation.objects.filter(survey=survey, response__isnull=True).select_related(
        "contract__category", "contract__vendor"
    )
    with override("zh-hans"):
        cells = [
            {
                "title": str(inv.contract.category),
                "subtitle": inv.contract.number,
                "svg": qr_svg(url),
                "url": url,
            }
            for inv, url in (
                (inv, public_url(reverse("inspections:survey_answer", args=[inv.token]))) for inv in invitations
            )
        ]
        data = render_pdf(
            "inspections/qr_sheet.pdf.html",
            {
                "cells": cells,
                "institution": default_institution_name(),
                "heading": _("Scan to answer the satisfaction survey (once per code)"),
                "heading_en": "Scan to answer the satisfaction survey (once per code)",
                "title": survey.title,
            },
        )
    return f"survey-{survey.pk}-invitations.pdf", data


def survey_public_qr(document: Document) -> tuple[str, bytes]:
    """One large code for a survey's public link (a contract's service): anyone may answer, once per phone."""
    link = SurveyPublicLink.objects.select_related("survey", "contract__category", "contract__vendor").get(
        pk=document.params["link"]
    )
    url = public_url(reverse("inspections:survey_public", args=[link.token]))
    with override("zh-hans"):
        data = render_pdf(
            "inspections/qr_sheet.pdf.html",
            {
                "poster": True,
                "cells": [
                    {
                        "title": str(link.contract.category),
                        "subtitle": f"{link.contract.number} · {link.contract.vendor}",
                        "svg": qr_svg(url),
                        "url": url,
                    }
                ],
                "institution": default_institution_name(),
                "heading": _("Scan to answer the satisfaction survey (one answer per phone)"),
                "heading_en": "Scan to answer the satisfaction survey (one answer per phone)",
                "title": link.survey.title,
            },
        )
    return f"survey-{link.survey_id}-public-link-{link.contract_id}.pdf", data


def rectification_notice(notice: FormalNotice) -> bytes:
    """整改通知书: the order's problem, where, its severity, its deadline, and how to answer."""
    order = RectificationOrder.objects.select_related("site", "item_result__item", "complaint").get(
        pk=notice.subject_id
    )
    return render_pdf(
        "inspections/notice_rectification.pdf.html",
        {**notice_context(notice), "order": order, "portal": public_url(reverse("logistics:vendor_portal"))},
    )


def register() -> None:
    register_renderer("complaint_qr_sheet", complaint_qr_sheet)
    register_renderer("survey_qr_sheet", survey_qr_sheet)
    register_renderer("survey_public_qr", survey_public_qr)
    register_notice_renderer(NoticeKind.RECTIFICATION, rectification_notice)
