"""Who may do what: every role against every page, API endpoint and download, as one table.

Each row of ``ROWS`` is one request (a URL name, its arguments, a method and a body) with the status each
role must get, written as a line of the matrix in the order of ``ROLES``::

    anonymous  employee  inspector  vendor_a  vendor_b  leader  office  finance

``L`` is the login redirect (a 302 to the login page). An object outside a role's scope answers 404, a
role without the permission 403. The roles:

- ``anonymous``: nobody signed in (employees file complaints, follow them and answer surveys this way);
- ``employee``: a signed-in account that holds no role (an employee needs none; it must not open anything);
- ``inspector``: assigned to vendor A's contract only;
- ``vendor_a`` / ``vendor_b``: staff of vendor A / of vendor B;
- ``leader``: reads everything of the domain; ``office``: everything (the only role with the admin);
- ``finance``: the contracts' money: the payments pages, payment requests, final settlements (no admin).

Most objects in the table belong to vendor A, so vendor B is the "outside the scope" column; rows marked
"(B)" are vendor B's objects and show the inspector's and vendor A's 404s. ``test_every_url_is_in_the_table``
fails when a URL pattern has no row, so a new page cannot escape the matrix.

The shared data is built once for the module inside a transaction that is rolled back at the end (like
Django's ``setUpTestData``); each cell runs in a savepoint of it, so what a POST changes is undone.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import ROLES, make_png, make_signature_png, role_users, shared_data
from contracts import notices as notice_services
from contracts.models import FormalNotice
from scoring import selectors as scoring_selectors
from scoring import services_objections as objection_services
from scoring.tests.factories import publish_past

pytestmark = pytest.mark.django_db

Q3 = "2026Q3"
PDF = b"%PDF-1.4\n% access table\n%%EOF\n"


# --- the shared data ------------------------------------------------------------------------------------
def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_png(), content_type="image/png")


def signature_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("signature.png", make_signature_png(), content_type="image/png")


def build_world() -> SimpleNamespace:
    """Two vendors with a contract each, and one of everything that a page, the API or a download shows."""
    from contracts.models import Settlement
    from contracts.tests.factories import ClauseFactory, ContractFactory
    from inspections.models import ChecklistItem, Complaint, ComplaintPhoto, Inspection, RectificationOrder
    from inspections.services import complaints as complaint_services
    from inspections.services import inspections as inspection_services
    from inspections.services import rectifications as rectification_services
    from inspections.services import surveys as survey_services
    from inspections.tests.factories import make_template
    from logistics.models import (
        BidAttachment,
        Document,
        ServiceCategory,
        Tender,
        TenderAttachment,
        VendorStatus,
    )
    from logistics.quarters import Quarter
    from logistics.services import admission as admission_services
    from logistics.services import tenders as tender_services
    from logistics.tests.factories import (
        CertificateFactory,
        DepartmentFactory,
        KeyPointFactory,
        SiteFactory,
        TenderCriterionFactory,
        TenderFactory,
        VendorFactory,
    )
    from scoring import reports
    from scoring import services as scoring_services
    from scoring.models import Evaluation, Report
    from scoring.tests.factories import complaint as scored_complaint
    from scoring.tests.factories import inspection as scored_inspection

    w = SimpleNamespace()
    cleaning = ServiceCategory.objects.get(code="cleaning")
    vendor_a = VendorFactory(legal_name="甲物业服务有限公司")
    vendor_b = VendorFactory(legal_name="乙物业服务有限公司")
    users = role_users("acl", vendor_a, vendor_b)
    office, inspector = users["office"], users["inspector"]
    w.users = users
    w.vendor_a, w.vendor_b = vendor_a.pk, vendor_b.pk

    # reference data, and disposable copies for the API's delete rows
    site = SiteFactory()
    w.site = site.pk
    w.key_point = KeyPointFactory(site=site).pk
    w.department = DepartmentFactory().pk
    w.department_spare = DepartmentFactory().pk
    w.category = cleaning.pk
    w.category_spare = ServiceCategory.objects.create(code="acl-spare", name="备用", name_en="Spare").pk
    w.site_spare = SiteFactory().pk
    w.key_point_spare = KeyPointFactory(site=site).pk
    w.vendor_spare = VendorFactory().pk
    w.certificate = CertificateFactory(vendor=vendor_a, scan=ContentFile(PDF, name="licence.pdf")).pk
    w.certificate_type = CertificateFactory(vendor=vendor_b).type_id

    # admission: a third vendor under review
    applicant = VendorFactory(status=VendorStatus.APPLICANT)
    applicant.categories.set([cleaning])
    review = admission_services.admission_review_open(vendor=applicant, by=office)
    w.admission_review, w.admission_check = review.pk, review.checks.first().pk

    # tenders: open (vendor A bid, sealed), invited (vendor A only), draft
    def published(**kwargs: Any) -> Tender:
        tender = TenderFactory(category=cleaning, **kwargs)
        TenderCriterionFactory(tender=tender, weight=Decimal(40))
        TenderCriterionFactory(tender=tender, weight=Decimal(30))
        if tender.method == Tender.Method.INVITED:
            tender.invited_vendors.set([vendor_a])
        return tender_services.tender_publish(tender=tender, by=office)

    tender_open = published()
    tender_invited = published(method=Tender.Method.INVITED)
    tender_draft = TenderFactory(category=cleaning)
    w.tender_open, w.tender_invited, w.tender_draft = tender_open.pk, tender_invited.pk, tender_draft.pk
    w.tender_spare = TenderFactory(category=cleaning).pk
    w.tender_attachment = TenderAttachment.objects.create(
        tender=tender_open, title="招标文件", file=ContentFile(PDF, name="tender.pdf")
    ).pk
    w.tender_draft_attachment = TenderAttachment.objects.create(
        tender=tender_draft, title="草稿", file=ContentFile(PDF, name="draft.pdf")
    ).pk
    bid = tender_services.bid_submit(
        tender=tender_open,
        vendor=vendor_a,
        price=Decimal("800000"),
        proposal="技术方案",
        attachments=[("方案", ContentFile(PDF, name="proposal.pdf"))],
        by=users["vendor_a"],
    )
    w.bid = bid.pk
    w.bid_attachment = BidAttachment.objects.get(bid=bid).pk

    # contracts: A assigned to the inspector, B not; a draft of A's with a clause for the delete rows
    contract_a = ContractFactory(vendor=vendor_a, category=cleaning, number="HT-ACL-A", start_date=dt.date(2026, 1, 1))
    contract_b = ContractFactory(vendor=vendor_b, category=cleaning, number="HT-ACL-B", start_date=dt.date(2026, 1, 1))
    contract_a.inspectors.add(inspector)
    contract_a.sites.add(site)
    w.contract_a, w.contract_b = contract_a.pk, contract_b.pk
    # staffing: a post of contract A with one of vendor A's people on it
    from contracts.models import Post, PostRole, RosterEntry
    from logistics.models import VendorStaff

    post_a = Post.objects.create(
        contract=contract_a, role=PostRole.objects.get(code="cleaner"), headcount=2, on_duty=1, shift="day"
    )
    RosterEntry.objects.create(
        post=post_a,
        staff=VendorStaff.objects.create(vendor=vendor_a, name="张桂兰", role="保洁员"),
        starts_on=contract_a.start_date,
    )
    w.post_a = post_a.pk
    draft = ContractFactory(vendor=vendor_a, category=cleaning, number="HT-ACL-DRAFT", status="draft")
    w.contract_draft = draft.pk
    w.clause_draft = ClauseFactory(contract=draft).pk
    w.clause = ClauseFactory(contract=contract_a).pk
    ClauseFactory(contract=contract_a, kind="warning_below", amount=None, threshold=Decimal("99"))

    # an inspection of A by the inspector, through the tablet's services: a photo, two failed items (orders)
    template = make_template(category=cleaning)
    key = uuid.uuid4()
    payload = {
        "key": str(key),
        "kind": "daily",
        "contract": contract_a.pk,
        "template": template.pk,
        "results": {"A1": {"result": "pass"}, "A2": {"result": "fail"}, "A3": {"result": "fail"}},
    }
    draft_inspection, _errors = inspection_services.inspection_sync(user=inspector, data=payload)
    photo = inspection_services.inspection_photo_add(user=inspector, key=key, item_code="A3", upload=png_upload())
    Inspection.objects.filter(pk=draft_inspection.pk).update(document="external/report.pdf")
    photo.image.storage.save("external/report.pdf", ContentFile(PDF))
    inspection_a, _created = inspection_services.inspection_submit(user=inspector, data=payload)
    w.template = template.pk
    w.draft_key = str(uuid.uuid4())  # a draft the inspector is still filling (photo uploads)
    inspection_services.inspection_sync(user=inspector, data={**payload, "key": w.draft_key, "results": {}})
    w.inspection_a, w.inspection_photo = inspection_a.pk, photo.pk
    # a checklist that asks for the inspector's signature: one signed and submitted, one draft to sign
    signed_template = make_template(category=cleaning, items=[("A1", "10", "minor", False)])
    ChecklistItem.objects.create(
        template=signed_template,
        code="S1",
        text="检查人签字",
        answer_type="signature",
        signer="inspector",
        max_points=0,
    )
    signed = {**payload, "key": str(uuid.uuid4()), "template": signed_template.pk}
    signed["results"] = {"A1": {"result": "pass"}, "S1": {"result": "pass"}}
    inspection_services.inspection_sync(user=inspector, data=signed)
    w.inspection_signature = inspection_services.inspection_signature_add(
        user=inspector, key=uuid.UUID(signed["key"]), item_code="S1", upload=signature_upload(), signer_name="张伟"
    ).pk
    inspection_services.inspection_submit(user=inspector, data=signed)
    w.signing_key = str(uuid.uuid4())
    inspection_services.inspection_sync(user=inspector, data={**signed, "key": w.signing_key, "results": {}})
    w.item_result = inspection_a.results.get(item__code="A2").pk
    w.inspection_b = scored_inspection(contract_b, office, "daily", dt.date(2026, 8, 3), "90").pk
    w.inspection_joint = scored_inspection(contract_a, office, "monthly_joint", dt.date(2026, 11, 2), "85").pk

    # rectification orders: A's open one (from the failed item), A's answered one, B's open one
    order_a = RectificationOrder.objects.get(contract=contract_a, item_result__item__code="A3")
    w.order_a, w.order_photo = order_a.pk, order_a.photos.get().pk  # the failed item's photo, as evidence
    answered = RectificationOrder.objects.get(contract=contract_a, item_result__item__code="A2")
    rectification_services.rectification_answer(order=answered, response="已整改", by=users["vendor_a"])
    w.order_answered = answered.pk
    w.order_b = rectification_services.rectification_open(
        contract=contract_b, description="垃圾未清", severity="major", by=office
    ).pk

    # complaints: dispatched to A (with a photo) and to B, one waiting for triage, one of A's closed
    def dispatched(contract: Any, **kwargs: Any) -> Complaint:
        complaint = complaint_services.complaint_submit(category=cleaning, description="地面湿滑", **kwargs)
        return complaint_services.complaint_accept(complaint=complaint, contract=contract, by=office)

    complaint_a = dispatched(contract_a, photos=[png_upload()])
    w.complaint_a, w.complaint_a_code = complaint_a.pk, complaint_a.tracking_code
    w.complaint_photo = ComplaintPhoto.objects.get(complaint=complaint_a).pk
    w.complaint_b = dispatched(contract_b).pk
    w.complaint_new = complaint_services.complaint_submit(category=cleaning, description="灯不亮").pk
    # a post the public page's bot filter held for the office's review
    w.complaint_held = complaint_services.complaint_submit(
        category=cleaning, description="点击领取优惠", quarantined=True
    ).pk
    closed = dispatched(contract_a)
    complaint_services.complaint_answer(complaint=closed, response="已处理", by=users["vendor_a"])
    complaint_services.complaint_rule(complaint=closed, upheld=False, reason="经调查不属实。", by=office)
    complaint_services.complaint_close(complaint=closed, reply="已处理完毕", by=office)
    w.complaint_closed_code = closed.tracking_code

    # a survey of A's contract with one invitation
    survey = survey_services.survey_create(
        title="满意度调查",
        quarter=Quarter.parse("2026Q4"),
        contracts=[contract_a],
        deadline=timezone.now() + dt.timedelta(days=14),
        by=office,
    )
    w.survey = survey.pk
    w.survey_token = survey_services.survey_invite(survey=survey, contract=contract_a, count=1)[0].token
    w.survey_public_token = survey_services.survey_public_link_set(
        survey=survey, contract=contract_a, on=True, by=office
    ).token

    # a monthly feedback form of A's contract, sent to the general office's respondent
    from feedback import services as feedback_services
    from feedback.models import FeedbackRespondent
    from logistics.quarters import Month

    feedback_services.form_create_default(category=contract_a.category)
    respondent = FeedbackRespondent.objects.create(department_id=w.department, name="刘洋", email="liu.yang@example.cn")
    respondent.contracts.add(contract_a)
    [feedback_request] = feedback_services.month_issue(Month.current())
    w.feedback_token = feedback_services.link_token(feedback_request)

    # a generated document (the office's QR sheet)
    w.document = Document.objects.create(
        kind="complaint_qr_sheet",
        title="二维码",
        status=Document.Status.READY,
        requested_by=office,
        file=ContentFile(PDF, name="qr.pdf"),
    ).pk

    # the quarter: A final (settlement, ledger line, warning), B reviewed; both reports ready
    scored_inspection(contract_a, inspector, "daily", dt.date(2026, 8, 4), "88")
    scored_complaint(contract_a, dt.datetime(2026, 8, 1, 10, tzinfo=dt.UTC))
    q3 = Quarter.parse(Q3)
    scoring_services.evaluations_compute(quarter=q3)
    evaluation_a = Evaluation.objects.get(contract=contract_a, quarter=Q3)
    evaluation_b = Evaluation.objects.get(contract=contract_b, quarter=Q3)
    for evaluation in (evaluation_a, evaluation_b):
        scoring_services.evaluation_review(
            evaluation=evaluation, meeting_date=dt.date(2026, 10, 9), attendees="后勤处", by=office
        )
    publish_past(evaluation_a, office)
    scoring_services.evaluation_finalize(evaluation=evaluation_a, by=office)
    w.evaluation_a, w.evaluation_b = evaluation_a.pk, evaluation_b.pk
    settlement = Settlement.objects.get(contract=contract_a, quarter=Q3)
    w.settlement = settlement.pk
    w.settlement_b = Settlement.objects.get(contract=contract_b, quarter=Q3).pk  # B's: a draft (reviewed)
    w.ledger_line = settlement.lines.first().pk
    w.warning = contract_a.warnings.get().pk
    # A's Q3 instalment, final: the office has raised its payment request (its PDF rendered)
    from contracts.models import Instalment, PaymentRequest
    from contracts.services_payments import payment_request_raise, payments_refresh

    payments_refresh(contract=contract_a)
    q3_instalment = Instalment.objects.get(contract=contract_a, carries=Q3)
    payment = payment_request_raise(
        instalment=q3_instalment, by=office, now=dt.datetime(2026, 10, 20, 10, tzinfo=dt.UTC)
    )
    payment.file.save("FK-2026-0001.pdf", ContentFile(PDF), save=False)
    PaymentRequest.objects.filter(pk=payment.pk).update(file=payment.file.name, status="ready")
    w.payment_request = payment.pk
    # A's quarter before: published to vendor A (its objection period runs), with an objection and its file
    q2 = Quarter.parse("2026Q2")
    scored_inspection(contract_a, inspector, "daily", dt.date(2026, 5, 6), "80")
    scored_complaint(contract_a, dt.datetime(2026, 5, 6, 10, tzinfo=dt.UTC))
    published_a = scoring_services.evaluations_compute(quarter=q2, contracts=[contract_a])[0]
    scoring_services.evaluation_review(
        evaluation=published_a, meeting_date=dt.date(2026, 7, 9), attendees="后勤处", by=office
    )
    scoring_services.evaluation_publish(evaluation=published_a, by=office)
    w.evaluation_published = published_a.pk
    objection = objection_services.objection_file(
        evaluation=published_a,
        target_key="score",
        reasons="得分偏低",
        files=[SimpleUploadedFile("record.pdf", PDF, content_type="application/pdf")],
        by=users["vendor_a"],
    )
    w.objection, w.objection_file = objection.pk, objection.files.get().pk
    result_notice = FormalNotice.objects.get(contract=contract_a, quarter=Q3, kind="result")
    w.notice = notice_services.notice_render(result_notice.pk).pk
    w.notice_b = notice_services.notice_issue(kind="result", contract=contract_b, quarter="2026Q1", title="B").pk
    w.objection_target = next(o.key for o in scoring_selectors.objection_options(published_a) if o.key != "score")
    w.scheme = Evaluation.objects.get(pk=w.evaluation_a).scheme_id
    report = Report.objects.create(
        kind=Report.Kind.CONTRACT,
        evaluation_id=w.evaluation_a,
        quarter=Q3,
        status=Report.Status.READY,
        frozen=True,
        file=ContentFile(PDF, name="contract.pdf"),
    )
    w.report_contract = report.pk
    w.report_summary = Report.objects.create(
        kind=Report.Kind.SUMMARY,
        quarter=Q3,
        status=Report.Status.READY,
        source_hash=reports.summary_state(q3),
        file=ContentFile(PDF, name="summary.pdf"),
    ).pk
    # a monthly report of the institution, asked for by the office
    w.monthly_report = Document.objects.create(
        kind="monthly_summary",
        title="全单位月度报告 2026-08",
        params={"month": "2026-08", "language": "zh-hans"},
        status=Document.Status.READY,
        requested_by=office,
        file=ContentFile(PDF, name="monthly.pdf"),
    ).pk
    # the year's appraisal (provisional: the quarters are not all final), computed by the office
    from scoring import services_year

    w.appraisal = services_year.appraisal_compute(year=2026, by=office).pk

    # the service desk: a work order dispatched to A (with the caller's photo), one to B, a new one, and one of A's
    # closed by the office with its callback to make
    from inspections.models import Callback, WorkOrderPhoto
    from inspections.services import desk as desk_services

    def work_order(contract: Any = None, **kwargs: Any) -> Any:
        order = desk_services.work_order_submit(
            category=cleaning, site=site, description="水龙头漏水", channel="hotline", **kwargs
        )
        if contract is None:
            return order
        return desk_services.work_order_dispatch(order=order, contract=contract, by=office)

    order_a = work_order(contract_a, photos=[png_upload()])
    w.work_order_a, w.work_order_photo = order_a.pk, WorkOrderPhoto.objects.get(order=order_a).pk
    w.work_order_b = work_order(contract_b).pk
    w.work_order_new = work_order().pk
    closed_order = desk_services.work_order_take(order=work_order(contract_a), by=users["vendor_a"])
    desk_services.work_order_complete(order=closed_order, note="已修好", photos=[png_upload()], by=users["vendor_a"])
    desk_services.work_order_close(order=closed_order, by=office)
    w.work_order_closed = closed_order.pk
    w.work_order_a_code = order_a.tracking_code
    w.work_order_a_round = order_a.round_set.get().pk
    w.callback = Callback.objects.get(work_order=closed_order).pk
    return w


# the shared data, built once inside a transaction that is rolled back after the module, and its files
world, _world_media = shared_data("world", build_world)


def sign_in(client: Any, user: Any) -> None:
    """``client.force_login`` without the ``user_logged_in`` signal: the table is about authorization, and
    django-axes logs every login with the client's address, which a test request does not have."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = client.session
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


# --- the table ------------------------------------------------------------------------------------------
LOGIN = "L"


@dataclass(frozen=True)
class Row:
    """One request and the status each role gets: ``expect`` lists them in the order of ``ROLES``."""

    name: str
    route: str
    expect: str
    method: str = "get"
    args: Callable[[Any], list[Any]] = lambda w: []
    data: Callable[[Any], dict[str, Any]] | None = None
    api: bool = False  # JSON body (the API) rather than a form post
    statuses: dict[str, int | str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        tokens = self.expect.split()
        assert len(tokens) == len(ROLES), f"{self.name}: {len(tokens)} statuses for {len(ROLES)} roles"
        statuses = {role: token if token == LOGIN else int(token) for role, token in zip(ROLES, tokens, strict=True)}
        object.__setattr__(self, "statuses", statuses)

    def url(self, w: Any) -> str:
        return reverse(self.route, args=self.args(w))


def api(name: str, route: str, expect: str, method: str = "get", **kwargs: Any) -> Row:
    name = name if name.startswith("api-") else f"api-{name}"
    return Row(name, route, expect, method=method, api=True, **kwargs)


def checklist_args(w: Any) -> list[Any]:
    """The address of the tablet checklist ``w.template``: its id, version, edition and language."""
    from inspections.models import ChecklistTemplate
    from inspections.views import checklist_edition

    template = ChecklistTemplate.objects.get(pk=w.template)
    return [template.pk, template.version, checklist_edition(template), "zh-hans"]


def tablet_payload(w: Any, kind: str = "daily", contract: str = "contract_a") -> dict[str, Any]:
    results = {code: {"result": "pass"} for code in ("A1", "A2", "A3")}
    return {
        "key": str(uuid.uuid4()),
        "kind": kind,
        "contract": getattr(w, contract),
        "template": w.template,
        "results": results,
    }


# Each row: name, URL name, then the statuses of: anonymous employee inspector vendor_a vendor_b leader office
ROWS: list[Row] = [
    # --- public and technical pages ---------------------------------------------------------------------
    Row("home", "home", "200 200 200 200 200 200 200 200"),
    Row("healthz", "healthz", "200 200 200 200 200 200 200 200"),
    Row("livez", "livez", "200 200 200 200 200 200 200 200"),
    Row(
        "set-language",
        "set_language",
        "302 302 302 302 302 302 302 302",
        "post",
        data=lambda w: {"language": "en", "next": "/"},
    ),
    Row("js-catalog", "javascript-catalog", "200 200 200 200 200 200 200 200"),
    Row("login-page", "login", "200 200 200 200 200 200 200 200"),
    Row("logout", "logout", "302 302 302 302 302 302 302 302", "post"),
    # the API's schema and documentation: signed-in users only (issue 17)
    Row("api-schema", "api-schema", "403 200 200 200 200 200 200 200"),
    Row("api-docs", "api-docs", "L 200 200 200 200 200 200 200"),
    # a person sets their own password from the office's link: an invalid or used link says so to anybody
    Row("password-reset", "password_reset_confirm", "200 200 200 200 200 200 200 200", args=lambda w: ["MQ", "x-y"]),
    Row("password-reset-done", "password_reset_complete", "200 200 200 200 200 200 200 200"),
    # --- tenders, bids, admission -----------------------------------------------------------------------
    Row("tenders-public", "logistics:tenders_public", "200 200 200 200 200 200 200 200"),
    Row("tender-open", "logistics:tender_detail", "200 200 200 200 200 200 200 200", args=lambda w: [w.tender_open]),
    Row(
        "tender-invited",
        "logistics:tender_detail",
        "404 404 404 200 404 200 200 404",
        args=lambda w: [w.tender_invited],
    ),
    Row("tender-draft", "logistics:tender_detail", "404 404 404 404 404 200 200 404", args=lambda w: [w.tender_draft]),
    Row(
        "tender-evaluate", "logistics:tender_evaluate", "L 403 403 403 403 403 200 403", args=lambda w: [w.tender_open]
    ),
    Row(
        "tender-evaluate-post",
        "logistics:tender_evaluate",
        "L 403 403 403 403 403 200 403",
        "post",
        args=lambda w: [w.tender_open],
        data=lambda w: {"action": "save_scores"},
    ),
    Row("vendor-portal", "logistics:vendor_portal", "L 403 403 200 200 403 403 403"),
    Row("vendor-portal-upload", "logistics:vendor_portal", "L 403 403 200 200 403 403 403", "post", data=lambda w: {}),
    Row("inbox", "logistics:inbox", "L 200 200 200 200 200 200 200"),
    Row("inbox-read", "logistics:inbox", "L 302 302 302 302 302 302 302", "post", data=lambda w: {"action": "read"}),
    Row("bid-form-open", "logistics:bid_form", "L 403 403 200 200 403 403 403", args=lambda w: [w.tender_open]),
    Row("bid-form-invited", "logistics:bid_form", "L 403 403 200 404 403 403 403", args=lambda w: [w.tender_invited]),
    Row(
        "bid-submit-invited",
        "logistics:bid_form",
        "L 403 403 302 404 403 403 403",
        "post",
        args=lambda w: [w.tender_invited],
        data=lambda w: {"price": "750000", "proposal": "方案", "past_projects": "2", "past_projects_description": ""},
    ),
    Row(
        "admission-review",
        "logistics:admission_review",
        "L 403 403 403 403 403 200 403",
        args=lambda w: [w.admission_review],
    ),
    Row(
        "admission-verdict",
        "logistics:admission_review",
        "L 403 403 403 403 403 302 403",
        "post",
        args=lambda w: [w.admission_review],
        data=lambda w: {"action": "verdict", "check_id": w.admission_check, "result": "pass", "note": "已补交"},
    ),
    # --- contracts --------------------------------------------------------------------------------------
    Row("contract", "contracts:detail", "L 403 200 200 404 200 200 200", args=lambda w: [w.contract_a]),
    Row("contract (B)", "contracts:detail", "L 403 404 404 200 200 200 200", args=lambda w: [w.contract_b]),
    Row("contract-amend", "contracts:amend", "L 403 403 403 403 403 200 403", args=lambda w: [w.contract_a]),
    Row("contract-renew", "contracts:renew", "L 403 403 403 403 403 200 403", args=lambda w: [w.contract_a]),
    Row(
        "contract-renew-post-valid",
        "contracts:renew",
        "L 403 403 403 403 403 302 403",
        "post",
        args=lambda w: [w.contract_a],
        data=lambda w: {"start_date": "2028-01-01", "end_date": "2028-12-31", "annual_fee": "400000.00"},
    ),
    Row("contract-renewals", "contracts:renewals", "L 403 403 403 403 200 200 403"),
    Row("payments", "contracts:payments", "L 403 403 403 403 200 200 200"),
    Row(
        "payments-post",
        "contracts:payments",
        "L 403 403 403 403 403 404 403",
        "post",
        data=lambda w: {"instalment": "0"},
    ),
    Row(
        "payment-request",
        "contracts:payment_request",
        "L 403 403 403 403 200 200 200",
        args=lambda w: [w.payment_request],
    ),
    Row(  # finance's step: the office, which raised it, is refused with the reason, like anyone else
        "payment-request-approve",
        "contracts:payment_request",
        "L 403 403 403 403 403 403 302",
        "post",
        args=lambda w: [w.payment_request],
        data=lambda w: {"action": "approve"},
    ),
    Row(
        "file-payment-request",
        "download",
        "404 404 404 404 404 200 200 200",
        args=lambda w: ["payment-request", w.payment_request],
    ),
    Row(
        "contract-amend-post",
        "contracts:amend",
        "L 403 403 403 403 403 200 403",
        "post",
        args=lambda w: [w.contract_a],
        data=lambda w: {"reason": ""},
    ),
    Row(
        "contract-amend-post-valid",
        "contracts:amend",
        "L 403 403 403 403 403 302 403",
        "post",
        args=lambda w: [w.contract_a],
        data=lambda w: {
            "effective_date": "2027-01-01",
            "approved_by": "李主任",
            "reason": "人工成本上涨",
            "annual_fee": "420000.00",
            "payment_cycle": "quarterly",
            "end_date": "2027-12-31",
            "clauses-TOTAL_FORMS": "0",
            "clauses-INITIAL_FORMS": "0",
        },
    ),
    # --- inspections ------------------------------------------------------------------------------------
    Row("inspect", "inspections:inspect", "L 403 200 200 200 403 200 403"),
    Row("service-worker", "inspections:service_worker", "200 200 200 200 200 200 200 200"),
    # a checklist's items for the tablet: whoever's page lists it (contract B is a cleaning contract too: vendor B
    # does its self-checks with the daily cleaning checklist)
    Row("tablet-checklist", "inspections:tablet_checklist", "L 403 200 200 200 403 200 403", args=checklist_args),
    # a contract's roster of the day for the post checks: whoever may inspect the contract
    Row(
        "tablet-roster",
        "inspections:tablet_roster",
        "L 403 200 200 404 403 200 403",
        args=lambda w: [w.contract_a, "zh-hans"],
    ),
    Row("inspections", "inspections:list", "L 403 200 200 200 200 200 403"),
    Row("inspection", "inspections:detail", "L 403 200 200 404 200 200 403", args=lambda w: [w.inspection_a]),
    Row("inspection (B)", "inspections:detail", "L 403 404 404 200 200 200 403", args=lambda w: [w.inspection_b]),
    Row(
        "inspection-signoff",
        "inspections:detail",
        "L 403 302 403 404 403 403 403",
        "post",
        args=lambda w: [w.inspection_a],
        data=lambda w: {"action": "signoff", "note": "同意"},
    ),
    Row(
        "inspection-signoff-joint",
        "inspections:detail",
        "L 403 302 302 404 403 403 403",
        "post",
        args=lambda w: [w.inspection_joint],
        data=lambda w: {"action": "signoff", "note": "同意"},
    ),
    Row("inspection-amend", "inspections:amend", "L 403 403 403 403 403 200 403", args=lambda w: [w.inspection_a]),
    Row(
        "inspection-amend-post",
        "inspections:amend",
        "L 403 403 403 403 403 302 403",
        "post",
        args=lambda w: [w.inspection_a],
        data=lambda w: {"item-A2-result": "pass", "reason": "复核通过"},
    ),
    Row("item-result", "inspections:item_result", "L 403 302 302 404 302 302 403", args=lambda w: [w.item_result]),
    Row("rectifications", "inspections:rectifications", "L 403 200 200 200 200 200 403"),
    Row("rectification", "inspections:rectification", "L 403 200 200 404 200 200 403", args=lambda w: [w.order_a]),
    Row("rectification (B)", "inspections:rectification", "L 403 404 404 200 200 200 403", args=lambda w: [w.order_b]),
    Row(
        "rectification-answer",
        "inspections:rectification",
        "L 403 403 302 404 403 403 403",
        "post",
        args=lambda w: [w.order_a],
        data=lambda w: {"action": "answer", "response": "已整改完毕"},
    ),
    Row(
        "rectification-verify",
        "inspections:rectification",
        "L 403 302 403 404 403 302 403",
        "post",
        args=lambda w: [w.order_answered],
        data=lambda w: {"action": "verify", "note": "已核实"},
    ),
    Row(
        "rectification-return",
        "inspections:rectification",
        "L 403 302 403 404 403 302 403",
        "post",
        args=lambda w: [w.order_answered],
        data=lambda w: {"action": "return", "note": "仍有积水"},
    ),
    Row(
        "rectification-notice",
        "inspections:rectification",
        "L 403 403 403 404 403 302 403",
        "post",
        args=lambda w: [w.order_a],
        data=lambda w: {"action": "notice"},
    ),
    # --- complaints, surveys, documents ----------------------------------------------------------------
    Row("complaint-new", "inspections:complaint_new", "200 200 200 200 200 200 200 200"),
    Row(
        "complaint-file",
        "inspections:complaint_new",
        "302 302 302 302 302 302 302 302",
        "post",
        data=lambda w: {"category": w.category, "description": "洗手间没有纸", "website": ""},
    ),
    Row("complaint-lookup", "inspections:complaint_lookup", "200 200 200 200 200 200 200 200"),
    Row("board", "inspections:board", "200 200 200 200 200 200 200 200"),
    Row(
        "work-order-round (evidence)",
        "inspections:work_order_round",
        "L 403 302 302 404 302 302 403",
        args=lambda w: [w.work_order_a_round],
    ),
    Row(
        "work-order-track",
        "inspections:complaint_track",
        "200 200 200 200 200 200 200 200",
        args=lambda w: [w.work_order_a_code],
    ),
    Row(
        "work-order-confirm-not-completed",
        "inspections:complaint_track",
        "200 200 200 200 200 200 200 200",
        "post",
        args=lambda w: [w.work_order_a_code],
        data=lambda w: {"action": "confirm", "fixed": "yes", "rating": "5"},
    ),
    Row(
        "complaint-track",
        "inspections:complaint_track",
        "200 200 200 200 200 200 200 200",
        args=lambda w: [w.complaint_a_code],
    ),
    Row(
        "complaint-track-unknown",
        "inspections:complaint_track",
        "404 404 404 404 404 404 404 404",
        args=lambda w: ["ABCDEFGHJKMN"],
    ),
    Row(
        "complaint-rate",
        "inspections:complaint_track",
        "302 302 302 302 302 302 302 302",
        "post",
        args=lambda w: [w.complaint_closed_code],
        data=lambda w: {"action": "rate", "rating": "4"},
    ),
    Row(
        "complaint-track-photo",
        "inspections:complaint_track_photo",
        "200 200 200 200 200 200 200 200",
        args=lambda w: [w.complaint_a_code, w.complaint_photo],
    ),
    Row(
        "complaint-track-photo-other-code",
        "inspections:complaint_track_photo",
        "404 404 404 404 404 404 404 404",
        args=lambda w: [w.complaint_closed_code, w.complaint_photo],
    ),
    Row("complaint-queue", "inspections:complaint_queue", "L 403 200 403 403 200 200 403"),
    Row("complaint", "inspections:complaint", "L 403 200 200 404 200 200 403", args=lambda w: [w.complaint_a]),
    Row("complaint (B)", "inspections:complaint", "L 403 404 404 200 200 200 403", args=lambda w: [w.complaint_b]),
    Row(
        "complaint-answer",
        "inspections:complaint",
        "L 403 403 302 404 403 403 403",
        "post",
        args=lambda w: [w.complaint_a],
        data=lambda w: {"action": "answer", "response": "已补充"},
    ),
    Row(
        "complaint-accept",
        "inspections:complaint",
        "L 403 404 404 404 403 302 403",
        "post",
        args=lambda w: [w.complaint_new],
        data=lambda w: {"action": "accept", "contract": w.contract_a, "severity": "normal", "urgency": "normal"},
    ),
    # the office's other triage actions: who may ask (the state decides what happens to the office's request)
    Row(
        "complaint-reject",
        "inspections:complaint",
        "L 403 404 404 404 403 302 403",
        "post",
        args=lambda w: [w.complaint_new],
        data=lambda w: {"action": "reject", "reason": "不属于服务范围"},
    ),
    Row(
        "complaint-close",
        "inspections:complaint",
        "L 403 403 403 404 403 200 403",
        "post",
        args=lambda w: [w.complaint_a],
        data=lambda w: {"action": "close", "reply": "已处理"},
    ),
    Row(
        "complaint-send-back",
        "inspections:complaint",
        "L 403 403 403 404 403 200 403",
        "post",
        args=lambda w: [w.complaint_a],
        data=lambda w: {"action": "send_back", "reason": "照片不清楚"},
    ),
    # --- the service desk: the office records, dispatches and calls back; leaders and inspectors read; a vendor
    # works its own work orders (another vendor's are 404) and sees no callback
    Row("desk-queue", "inspections:desk_queue", "L 403 200 403 403 200 200 403"),
    Row(
        "desk-queue-bulk",
        "inspections:desk_queue",
        "L 403 403 403 403 403 302 403",
        "post",
        data=lambda w: {"action": "close", "orders": [w.work_order_a]},
    ),
    Row("desk-intake", "inspections:desk_intake", "L 403 403 403 403 403 200 403"),
    Row(
        "desk-intake-post",
        "inspections:desk_intake",
        "L 403 403 403 403 403 302 403",
        "post",
        data=lambda w: {
            "channel": "hotline",
            "kind": "repair",
            "category": w.category,
            "description": "灯不亮",
            "priority": "normal",
        },
    ),
    Row("work-order", "inspections:work_order", "L 403 200 200 404 200 200 403", args=lambda w: [w.work_order_a]),
    Row("work-order (B)", "inspections:work_order", "L 403 200 404 200 200 200 403", args=lambda w: [w.work_order_b]),
    Row("work-order-new", "inspections:work_order", "L 403 200 404 404 200 200 403", args=lambda w: [w.work_order_new]),
    Row(
        "work-order-take",
        "inspections:work_order",
        "L 403 403 302 404 403 403 403",
        "post",
        args=lambda w: [w.work_order_a],
        data=lambda w: {"action": "take"},
    ),
    Row(
        "work-order-complete",  # not taken yet: the service refuses, on the page
        "inspections:work_order",
        "L 403 403 200 404 403 403 403",
        "post",
        args=lambda w: [w.work_order_a],
        data=lambda w: {"action": "complete", "note": "已修好"},
    ),
    Row(
        "work-order-dispatch",
        "inspections:work_order",
        "L 403 403 404 404 403 302 403",
        "post",
        args=lambda w: [w.work_order_new],
        data=lambda w: {"action": "dispatch", "contract": w.contract_a, "priority": "normal"},
    ),
    Row(
        "work-order-cancel",
        "inspections:work_order",
        "L 403 403 404 404 403 302 403",
        "post",
        args=lambda w: [w.work_order_new],
        data=lambda w: {"action": "cancel", "cancel-reason": "重复报修"},
    ),
    Row(
        "work-order-reassign",
        "inspections:work_order",
        "L 403 403 403 404 403 302 403",
        "post",
        args=lambda w: [w.work_order_a],
        data=lambda w: {"action": "reassign", "contract": w.contract_b, "reason": "甲公司人手不足"},
    ),
    Row(
        "work-order-callback",  # it has one to make already: the service refuses, on the page
        "inspections:work_order",
        "L 403 403 403 404 403 200 403",
        "post",
        args=lambda w: [w.work_order_closed],
        data=lambda w: {"action": "callback"},
    ),
    Row("desk-callbacks", "inspections:desk_callbacks", "L 403 200 403 403 200 200 403"),
    Row(
        "desk-callback-record",
        "inspections:desk_callbacks",
        "L 403 403 403 403 403 302 403",
        "post",
        data=lambda w: {"callback": w.callback, f"cb{w.callback}-result": "satisfied"},
    ),
    # the posts held for review: the office's list, its release and discard (a post that is not held: refused)
    Row("complaint-held", "inspections:complaint_held", "L 403 403 403 403 403 200 403"),
    Row(
        "complaint-held-release",
        "inspections:complaint_held",
        "L 403 403 403 403 403 302 403",
        "post",
        data=lambda w: {"complaint": w.complaint_held, "action": "release"},
    ),
    Row(
        "complaint-held-discard",
        "inspections:complaint_held",
        "L 403 403 403 403 403 302 403",
        "post",
        data=lambda w: {"complaint": w.complaint_held, "action": "discard", "reason": "广告"},
    ),
    Row(
        "complaint-held-release-not-held",
        "inspections:complaint_held",
        "L 403 403 403 403 403 302 403",
        "post",
        data=lambda w: {"complaint": w.complaint_new, "action": "release"},
    ),
    Row(
        "complaint-held-unknown",
        "inspections:complaint_held",
        "L 403 403 403 403 403 404 403",
        "post",
        data=lambda w: {"complaint": "999999999", "action": "release"},
    ),
    Row("qr-sheet", "inspections:qr_sheet", "L 403 403 403 403 403 200 403"),
    Row(
        "qr-sheet-post",
        "inspections:qr_sheet",
        "L 403 403 403 403 403 302 403",
        "post",
        data=lambda w: {"sites": [w.site]},
    ),
    Row("document", "inspections:document", "L 403 404 404 404 404 200 403", args=lambda w: [w.document]),
    Row("surveys", "inspections:surveys", "L 403 403 403 403 200 200 403"),
    Row("surveys-post", "inspections:surveys", "L 403 403 403 403 403 200 403", "post", data=lambda w: {"title": ""}),
    Row("survey", "inspections:survey", "L 403 403 403 403 200 200 403", args=lambda w: [w.survey]),
    Row("survey-post", "inspections:survey", "L 403 403 403 403 403 302 403", "post", args=lambda w: [w.survey]),
    # the monthly feedback forms: the office sends and reads, leaders read, the respondent's link needs no login
    Row("feedback-month", "feedback:month", "L 403 403 403 403 200 200 403"),
    Row(
        "feedback-month-post",
        "feedback:month",
        "L 403 403 403 403 403 302 403",
        "post",
        data=lambda w: {"action": "remind", "month": "2026-12"},
    ),
    Row("feedback-answer", "feedback:answer", "200 200 200 200 200 200 200 200", args=lambda w: [w.feedback_token]),
    Row(
        "feedback-answer-post",
        "feedback:answer",
        "302 302 302 302 302 302 302 302",
        "post",
        args=lambda w: [w.feedback_token],
        data=lambda w: {"action": "save", "comment": "好"},
    ),
    Row("feedback-answer-forged", "feedback:answer", "404 404 404 404 404 404 404 404", args=lambda w: ["x:y"]),
    Row(
        "survey-answer", "inspections:survey_answer", "200 200 200 200 200 200 200 200", args=lambda w: [w.survey_token]
    ),
    Row(
        "survey-answer-post",
        "inspections:survey_answer",
        "200 200 200 200 200 200 200 200",
        "post",
        args=lambda w: [w.survey_token],
        data=lambda w: {"comment": "好"},
    ),
    Row(
        "survey-answer-unknown", "inspections:survey_answer", "404 404 404 404 404 404 404 404", args=lambda w: ["nope"]
    ),
    # the public link of a survey and contract: the office turns it on and off and prints its QR code
    Row(
        "survey-link-off",
        "inspections:survey",
        "L 403 403 403 403 403 302 403",
        "post",
        args=lambda w: [w.survey],
        data=lambda w: {"action": "link_off", "contract": w.contract_a},
    ),
    Row(
        "survey-link-print",
        "inspections:survey",
        "L 403 403 403 403 403 302 403",
        "post",
        args=lambda w: [w.survey],
        data=lambda w: {"action": "link_print", "contract": w.contract_a},
    ),
    Row(
        "survey-public",
        "inspections:survey_public",
        "200 200 200 200 200 200 200 200",
        args=lambda w: [w.survey_public_token],
    ),
    Row(
        "survey-public-post",
        "inspections:survey_public",
        "200 200 200 200 200 200 200 200",
        "post",
        args=lambda w: [w.survey_public_token],
        data=lambda w: {"comment": "好"},
    ),
    Row(
        "survey-public-unknown",
        "inspections:survey_public",
        "404 404 404 404 404 404 404 404",
        args=lambda w: ["nope"],
    ),
    # --- formal warnings and notices: the office issues and withdraws; the vendor acknowledges its own -------
    Row(
        "warning-issue",
        "contracts:warning_issue",
        "L 403 403 403 403 403 302 403",
        "post",
        args=lambda w: [w.contract_a],
        data=lambda w: {"note": "脱岗", "evidence": "巡查记录"},
    ),
    Row(
        "warning-withdraw",
        "contracts:warning_withdraw",
        "L 403 403 403 403 403 302 403",
        "post",
        args=lambda w: [w.warning],
        data=lambda w: {"reason": "误报"},
    ),
    Row("notices", "contracts:notices", "L 403 403 200 200 200 200 403"),
    # the vendor's roster (the office keeps it in the admin) and a contract's staffing sheet (a PDF by a task)
    Row("roster", "contracts:roster", "L 403 403 200 200 403 403 403"),
    Row("roster-post", "contracts:roster", "L 403 403 400 400 403 403 403", "post", data=lambda w: {"action": "staff"}),
    Row(
        "staffing-sheet",
        "contracts:staffing_sheet",
        "L 403 302 302 404 302 302 403",
        "post",
        args=lambda w: [w.contract_a],
    ),
    Row(
        "notice-acknowledge",
        "contracts:notice_acknowledge",
        "L 403 403 302 404 403 403 403",
        "post",
        args=lambda w: [w.notice],
    ),
    Row(
        "notice-acknowledge (B's)",
        "contracts:notice_acknowledge",
        "L 403 403 404 302 403 403 403",
        "post",
        args=lambda w: [w.notice_b],
    ),
    Row("file-notice", "download", "404 404 404 200 404 200 200 404", args=lambda w: ["notice", w.notice]),
    # --- quarterly evaluation and reports -----------------------------------------------------------------
    Row("evaluation-overview", "scoring:overview", "L 403 403 403 403 302 302 403"),
    Row("evaluation-quarter", "scoring:overview_quarter", "L 403 403 403 403 200 200 403", args=lambda w: [Q3]),
    Row(
        "evaluation-quarter-post",
        "scoring:overview_quarter",
        "L 403 403 403 403 403 302 403",
        "post",
        args=lambda w: [Q3],
    ),
    Row("evaluation", "scoring:evaluation", "L 403 403 200 404 200 200 403", args=lambda w: [w.evaluation_a]),
    # B's evaluation is reviewed, not final: its vendor does not see it yet (nor anything of its quarter)
    Row("evaluation (B)", "scoring:evaluation", "L 403 403 404 404 200 200 403", args=lambda w: [w.evaluation_b]),
    Row(
        "evaluation-recompute (B)",
        "scoring:evaluation",
        "L 403 403 404 404 403 302 403",
        "post",
        args=lambda w: [w.evaluation_b],
        data=lambda w: {"action": "recompute"},
    ),
    # the meeting, finalization and reopening: the office's; a vendor cannot even see B's before it is final
    Row(
        "evaluation-review (B)",
        "scoring:evaluation",
        "L 403 403 404 404 403 302 403",
        "post",
        args=lambda w: [w.evaluation_b],
        data=lambda w: {"action": "review", "meeting_date": "2026-10-10", "attendees": "后勤处"},
    ),
    # B is reviewed, not published: finalizing is refused with the reason on the page (200), publishing works
    Row(
        "evaluation-finalize (B)",
        "scoring:evaluation",
        "L 403 403 404 404 403 200 403",
        "post",
        args=lambda w: [w.evaluation_b],
        data=lambda w: {"action": "finalize"},
    ),
    Row(
        "evaluation-publish (B)",
        "scoring:evaluation",
        "L 403 403 404 404 403 302 403",
        "post",
        args=lambda w: [w.evaluation_b],
        data=lambda w: {"action": "publish"},
    ),
    # A's published quarter: its vendor sees it, objects and accepts; the office rules; nobody else does either
    Row(
        "evaluation (published)",
        "scoring:evaluation",
        "L 403 403 200 404 200 200 403",
        args=lambda w: [w.evaluation_published],
    ),
    Row(
        "evaluation-object (published)",
        "scoring:evaluation",
        "L 403 403 302 404 403 403 403",
        "post",
        args=lambda w: [w.evaluation_published],
        data=lambda w: {"action": "object", "target": w.objection_target, "reasons": "不认可"},
    ),
    Row(
        "evaluation-accept (published)",
        "scoring:evaluation",
        "L 403 403 302 404 403 403 403",
        "post",
        args=lambda w: [w.evaluation_published],
        data=lambda w: {"action": "accept"},
    ),
    Row(
        "evaluation-rule (published)",
        "scoring:evaluation",
        "L 403 403 403 404 403 302 403",
        "post",
        args=lambda w: [w.evaluation_published],
        data=lambda w: {"action": "rule", "objection": w.objection, "decision": "dismissed", "ruling": "依据充分"},
    ),
    Row(
        "evaluation-reopen",
        "scoring:evaluation",
        "L 403 403 403 404 403 302 403",
        "post",
        args=lambda w: [w.evaluation_a],
        data=lambda w: {"action": "reopen", "reason": "复核"},
    ),
    Row("reports", "scoring:reports", "L 403 403 200 200 200 200 403"),
    Row("contract-report", "scoring:contract_report", "L 403 403 200 404 200 200 403", args=lambda w: [w.evaluation_a]),
    Row("summary-report", "scoring:summary_report", "L 403 403 403 403 200 200 403", args=lambda w: [Q3]),
    Row("report-status", "scoring:report_status", "L 403 403 200 404 200 200 403", args=lambda w: [w.report_contract]),
    Row(
        "report-status-summary",
        "scoring:report_status",
        "L 403 403 404 404 200 200 403",
        args=lambda w: [w.report_summary],
    ),
    Row(
        "report-retry",
        "scoring:retry_report",
        "L 403 403 403 403 403 302 403",
        "post",
        args=lambda w: [w.report_contract],
    ),
    Row("export-quarter", "scoring:export_quarter", "L 403 403 403 403 200 200 403", args=lambda w: [Q3]),
    # the half-year and annual appraisal: the office and leaders read it and ask for its PDF; the office computes
    Row("appraisals", "appraisal:list", "L 403 403 403 403 200 200 403"),
    Row(
        "appraisals-compute",
        "appraisal:list",
        "L 403 403 403 403 403 302 403",
        "post",
        data=lambda w: {"year": "2026", "half": "1"},
    ),
    Row("appraisal-year", "appraisal:year", "L 403 403 403 403 200 200 403", args=lambda w: [2026]),
    Row("appraisal-half", "appraisal:half", "L 403 403 403 403 200 200 403", args=lambda w: [2026, 2]),
    Row("appraisal-pdf", "appraisal:pdf", "L 403 403 403 403 302 302 403", "post", args=lambda w: [2026]),
    Row(
        "appraisal-pdf-half",
        "appraisal:pdf_half",
        "L 403 403 403 403 302 302 403",
        "post",
        args=lambda w: [2026, 1],
        data=lambda w: {"language": "en"},
    ),
    # monthly reports (PDF documents): the office and leaders ask for them and read them; nobody else
    Row("monthly-reports", "scoring:monthly_reports", "L 403 403 403 403 200 200 403"),
    Row(
        "monthly-reports-request",
        "scoring:monthly_reports",
        "L 403 403 403 403 302 302 403",
        "post",
        data=lambda w: {"month": "2026-08", "contract": w.contract_a, "language": "zh-hans"},
    ),
    Row("monthly-report", "scoring:monthly_report", "L 403 403 403 403 200 200 403", args=lambda w: [w.monthly_report]),
    # --- downloads: /files/<kind>/<pk>/ (404 outside the scope, whoever asks) ------------------------------
    Row(
        "file-certificate", "download", "404 404 404 200 404 200 200 404", args=lambda w: ["certificate", w.certificate]
    ),
    Row(
        "file-objection",
        "download",
        "404 404 404 200 404 200 200 404",
        args=lambda w: ["objection-file", w.objection_file],
    ),
    Row(
        "file-bid-sealed",
        "download",
        "404 404 404 200 404 404 404 404",
        args=lambda w: ["bid-attachment", w.bid_attachment],
    ),
    Row(
        "file-tender",
        "download",
        "200 200 200 200 200 200 200 200",
        args=lambda w: ["tender-attachment", w.tender_attachment],
    ),
    Row(
        "file-tender-draft",
        "download",
        "404 404 404 404 404 200 200 404",
        args=lambda w: ["tender-attachment", w.tender_draft_attachment],
    ),
    Row(
        "file-inspection-photo",
        "download",
        "404 404 200 200 404 200 200 404",
        args=lambda w: ["inspection-photo", w.inspection_photo],
    ),
    Row(
        "file-inspection-signature",
        "download",
        "404 404 200 200 404 200 200 404",
        args=lambda w: ["inspection-signature", w.inspection_signature],
    ),
    Row(
        "file-inspection-document",
        "download",
        "404 404 200 200 404 200 200 404",
        args=lambda w: ["inspection-document", w.inspection_a],
    ),
    Row(
        "file-rectification-photo",
        "download",
        "404 404 200 200 404 200 200 404",
        args=lambda w: ["rectification-photo", w.order_photo],
    ),
    Row(
        "file-complaint-photo",
        "download",
        "404 404 200 200 404 200 200 404",
        args=lambda w: ["complaint-photo", w.complaint_photo],
    ),
    Row(
        "file-work-order-photo",
        "download",
        "404 404 200 200 404 200 200 404",
        args=lambda w: ["work-order-photo", w.work_order_photo],
    ),
    Row("file-document", "download", "404 404 404 404 404 404 200 404", args=lambda w: ["document", w.document]),
    Row(
        "file-monthly-report",
        "download",
        "404 404 404 404 404 200 200 404",
        args=lambda w: ["monthly-report", w.monthly_report],
    ),
    # the generic download of a document: its requester (here the office) only
    Row(
        "file-monthly-report-as-document",
        "download",
        "404 404 404 404 404 404 200 404",
        args=lambda w: ["document", w.monthly_report],
    ),
    Row("file-unknown-kind", "download", "404 404 404 404 404 404 404 404", args=lambda w: ["passwords", 1]),
    # --- API: the signed-in user, expiring certificates ----------------------------------------------------
    api("api-me", "api-me", "403 200 200 200 200 200 200 200"),
    api("api-expiring", "api-certificates-expiring", "403 200 200 200 200 200 200 200"),
    # --- API: reference data (office writes; inspectors and vendors read what their role lists) -----------
    api("departments", "department-list", "403 403 200 403 403 200 200 403"),
    api("department", "department-detail", "403 403 200 403 403 200 200 403", args=lambda w: [w.department]),
    api(
        "department-create",
        "department-list",
        "403 403 403 403 403 403 201 403",
        "post",
        data=lambda w: {"code": "acl-new", "name": "新部门", "name_en": "New", "kind": "logistics"},
    ),
    api(
        "department-change",
        "department-detail",
        "403 403 403 403 403 403 200 403",
        "patch",
        args=lambda w: [w.department],
        data=lambda w: {"name": "改名"},
    ),
    api(
        "department-delete",
        "department-detail",
        "403 403 403 403 403 403 204 403",
        "delete",
        args=lambda w: [w.department_spare],
    ),
    api("categories", "servicecategory-list", "403 403 200 200 200 200 200 200"),
    api("category", "servicecategory-detail", "403 403 200 200 200 200 200 200", args=lambda w: [w.category]),
    api(
        "category-create",
        "servicecategory-list",
        "403 403 403 403 403 403 201 403",
        "post",
        data=lambda w: {"code": "acl-cat", "name": "绿化", "name_en": "Greening"},
    ),
    api(
        "category-change",
        "servicecategory-detail",
        "403 403 403 403 403 403 200 403",
        "patch",
        args=lambda w: [w.category],
        data=lambda w: {"description": "改"},
    ),
    api(
        "category-delete",
        "servicecategory-detail",
        "403 403 403 403 403 403 204 403",
        "delete",
        args=lambda w: [w.category_spare],
    ),
    api("sites", "site-list", "403 403 200 200 200 200 200 403"),
    api("site", "site-detail", "403 403 200 200 200 200 200 403", args=lambda w: [w.site]),
    api(
        "site-create",
        "site-list",
        "403 403 403 403 403 403 201 403",
        "post",
        data=lambda w: {"code": "acl-site", "name": "新楼", "name_en": "New building", "building": "新楼"},
    ),
    api(
        "site-change",
        "site-detail",
        "403 403 403 403 403 403 200 403",
        "patch",
        args=lambda w: [w.site],
        data=lambda w: {"floor": "2"},
    ),
    api("site-delete", "site-detail", "403 403 403 403 403 403 204 403", "delete", args=lambda w: [w.site_spare]),
    api("key-points", "keypoint-list", "403 403 200 200 200 200 200 403"),
    api("key-point", "keypoint-detail", "403 403 200 200 200 200 200 403", args=lambda w: [w.key_point]),
    api(
        "key-point-create",
        "keypoint-list",
        "403 403 403 403 403 403 201 403",
        "post",
        data=lambda w: {"site": w.site, "code": "acl-kp", "name": "门厅", "name_en": "Hall"},
    ),
    api(
        "key-point-change",
        "keypoint-detail",
        "403 403 403 403 403 403 200 403",
        "patch",
        args=lambda w: [w.key_point],
        data=lambda w: {"description": "改"},
    ),
    api(
        "key-point-delete",
        "keypoint-detail",
        "403 403 403 403 403 403 204 403",
        "delete",
        args=lambda w: [w.key_point_spare],
    ),
    api("certificate-types", "certificatetype-list", "403 403 403 403 403 200 200 403"),
    api(
        "certificate-type",
        "certificatetype-detail",
        "403 403 403 403 403 200 200 403",
        args=lambda w: [w.certificate_type],
    ),
    api(
        "certificate-type-create", "certificatetype-list", "403 403 403 403 403 403 405 403", "post", data=lambda w: {}
    ),
    # --- API: vendors, certificates, admission, tenders, bids ---------------------------------------------
    api("vendors", "vendor-list", "403 403 200 200 200 200 200 200"),
    api("vendor", "vendor-detail", "403 403 200 200 404 200 200 200", args=lambda w: [w.vendor_a]),
    api(
        "vendor-create",
        "vendor-list",
        "403 403 403 403 403 403 201 403",
        "post",
        data=lambda w: {
            "legal_name": "丙物业服务有限公司",
            "credit_code": credit_code(990),
            "legal_representative": "李四",
            "registered_capital": "1000000.00",
        },
    ),
    api(
        "vendor-change",
        "vendor-detail",
        "403 403 403 403 403 403 200 403",
        "patch",
        args=lambda w: [w.vendor_a],
        data=lambda w: {"contact_name": "王五"},
    ),
    api("vendor-delete", "vendor-detail", "403 403 403 403 403 403 204 403", "delete", args=lambda w: [w.vendor_spare]),
    api("certificates", "certificate-list", "403 403 403 200 200 200 200 403"),
    api("certificate", "certificate-detail", "403 403 403 200 404 200 200 403", args=lambda w: [w.certificate]),
    api("certificate-create", "certificate-list", "403 403 403 403 403 403 405 403", "post", data=lambda w: {}),
    api("admission-reviews", "admissionreview-list", "403 403 403 403 403 200 200 403"),
    api(
        "admission-review",
        "admissionreview-detail",
        "403 403 403 403 403 200 200 403",
        args=lambda w: [w.admission_review],
    ),
    api(
        "admission-review-create", "admissionreview-list", "403 403 403 403 403 403 405 403", "post", data=lambda w: {}
    ),
    api("tenders", "tender-list", "403 403 403 200 200 200 200 403"),
    api("api-tender-invited", "tender-detail", "403 403 403 200 404 200 200 403", args=lambda w: [w.tender_invited]),
    api("api-tender-draft", "tender-detail", "403 403 403 404 404 200 200 403", args=lambda w: [w.tender_draft]),
    api(
        "tender-create",
        "tender-list",
        "403 403 403 403 403 403 201 403",
        "post",
        data=lambda w: {
            "number": "ZB-ACL-NEW",
            "title": "保安服务",
            "category": "cleaning",
            "scope": "门岗",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "budget_ceiling": "500000.00",
            "bid_deadline": (timezone.now() + dt.timedelta(days=10)).isoformat(),
            "opening_at": (timezone.now() + dt.timedelta(days=10, hours=1)).isoformat(),
            "price_weight": "30",
        },
    ),
    api(
        "tender-change",
        "tender-detail",
        "403 403 403 403 403 403 200 403",
        "patch",
        args=lambda w: [w.tender_draft],
        data=lambda w: {"title": "改名"},
    ),
    api("tender-delete", "tender-detail", "403 403 403 403 403 403 204 403", "delete", args=lambda w: [w.tender_spare]),
    api("bids", "bid-list", "403 403 403 200 200 200 200 403"),
    api("bid", "bid-detail", "403 403 403 200 404 200 200 403", args=lambda w: [w.bid]),
    api(
        "bid-create-invited",
        "bid-list",
        "403 403 403 201 404 403 403 403",
        "post",
        data=lambda w: {"tender": w.tender_invited, "price": "700000", "proposal": "方案"},
    ),
    api(
        "bid-change",
        "bid-detail",
        "403 403 403 405 405 403 405 403",
        "patch",
        args=lambda w: [w.bid],
        data=lambda w: {"price": "1"},
    ),
    # --- API: contracts and money -----------------------------------------------------------------------------
    api("contracts", "contract-list", "403 403 200 200 200 200 200 200"),
    api("contract", "contract-detail", "403 403 200 200 404 200 200 200", args=lambda w: [w.contract_a]),
    api("contract (B)", "contract-detail", "403 403 404 404 200 200 200 200", args=lambda w: [w.contract_b]),
    api(
        "contract-create",
        "contract-list",
        "403 403 403 403 403 403 201 403",
        "post",
        data=lambda w: {
            "number": "HT-ACL-NEW",
            "vendor": w.vendor_b,
            "category": w.category,
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "annual_fee": "100000.00",
        },
    ),
    api(
        "contract-change",
        "contract-detail",
        "403 403 403 403 403 403 200 403",
        "patch",
        args=lambda w: [w.contract_draft],
        data=lambda w: {"service_standards": "每日两次"},
    ),
    api(
        "contract-delete",
        "contract-detail",
        "403 403 403 403 403 403 204 403",
        "delete",
        args=lambda w: [w.contract_draft],
    ),
    api(
        "contract-amend",
        "contract-amend",
        "403 403 403 403 403 403 201 403",
        "post",
        args=lambda w: [w.contract_a],
        data=lambda w: {"effective_date": "2027-01-01", "reason": "人工成本上涨", "annual_fee": "420000.00"},
    ),
    api("clauses", "clause-list", "403 403 403 200 200 200 200 403"),
    api("clause", "clause-detail", "403 403 403 200 404 200 200 403", args=lambda w: [w.clause]),
    api(
        "clause-create",
        "clause-list",
        "403 403 403 403 403 403 201 403",
        "post",
        data=lambda w: {"contract": w.contract_draft, "kind": "per_upheld_complaint", "amount": "300.00"},
    ),
    api(
        "clause-change",
        "clause-detail",
        "403 403 403 403 403 403 200 403",
        "patch",
        args=lambda w: [w.clause_draft],
        data=lambda w: {"amount": "800.00"},
    ),
    api("clause-delete", "clause-detail", "403 403 403 403 403 403 204 403", "delete", args=lambda w: [w.clause_draft]),
    api("settlements", "settlement-list", "403 403 403 200 200 200 200 200"),
    api("settlement", "settlement-detail", "403 403 403 200 404 200 200 200", args=lambda w: [w.settlement]),
    # a draft settlement is the office's (and the leaders'): its own vendor does not see it before it is final
    api(
        "settlement (B, draft)", "settlement-detail", "403 403 403 404 404 200 200 404", args=lambda w: [w.settlement_b]
    ),
    api("settlement-create", "settlement-list", "403 403 403 403 403 403 405 403", "post", data=lambda w: {}),
    api(
        "settlement-change",
        "settlement-detail",
        "403 403 403 403 403 403 405 403",
        "patch",
        args=lambda w: [w.settlement],
        data=lambda w: {"payable": "0"},
    ),
    api("ledger-lines", "ledgerline-list", "403 403 403 200 200 200 200 200"),
    api("ledger-line", "ledgerline-detail", "403 403 403 200 404 200 200 200", args=lambda w: [w.ledger_line]),
    api("ledger-line-create", "ledgerline-list", "403 403 403 403 403 403 405 403", "post", data=lambda w: {}),
    api("warnings", "formalwarning-list", "403 403 403 200 200 200 200 403"),
    api("warning", "formalwarning-detail", "403 403 403 200 404 200 200 403", args=lambda w: [w.warning]),
    api("warning-create", "formalwarning-list", "403 403 403 403 403 403 405 403", "post", data=lambda w: {}),
    # --- API: inspections and rectifications ------------------------------------------------------------------
    api("checklist-templates", "checklisttemplate-list", "403 403 200 200 200 200 200 403"),
    api(
        "checklist-template", "checklisttemplate-detail", "403 403 200 200 200 200 200 403", args=lambda w: [w.template]
    ),
    api(
        "checklist-template-create",
        "checklisttemplate-list",
        "403 403 403 403 403 403 405 403",
        "post",
        data=lambda w: {},
    ),
    api("inspections", "inspection-list", "403 403 200 200 200 200 200 403"),
    api("inspection", "inspection-detail", "403 403 200 200 404 200 200 403", args=lambda w: [w.inspection_a]),
    api("inspection (B)", "inspection-detail", "403 403 404 404 200 200 200 403", args=lambda w: [w.inspection_b]),
    api("inspection-create", "inspection-list", "403 403 405 405 405 403 405 403", "post", data=lambda w: {}),
    api(
        "inspection-change",
        "inspection-detail",
        "403 403 405 405 405 403 405 403",
        "patch",
        args=lambda w: [w.inspection_a],
        data=lambda w: {"score": "100"},
    ),
    api("tablet-sync", "api-inspect-sync", "403 400 200 400 400 400 200 400", "post", data=tablet_payload),
    api(
        "tablet-sync-self",
        "api-inspect-sync",
        "403 400 400 200 400 400 400 400",
        "post",
        data=lambda w: tablet_payload(w, kind="self"),
    ),
    api("tablet-submit", "api-inspect-submit", "403 400 201 400 400 400 201 400", "post", data=tablet_payload),
    Row(
        "api-tablet-photo",
        "api-inspect-photos",
        "403 400 201 400 400 400 400 400",
        "post",
        data=lambda w: {"key": w.draft_key, "item_code": "A1", "image": png_upload()},
    ),
    Row(
        "api-tablet-signature",
        "api-inspect-signatures",
        "403 400 201 400 400 400 400 400",
        "post",
        data=lambda w: {"key": w.signing_key, "item_code": "S1", "signer_name": "张伟", "image": signature_upload()},
    ),
    api("rectification-orders", "rectificationorder-list", "403 403 200 200 200 200 200 403"),
    api(
        "rectification-order",
        "rectificationorder-detail",
        "403 403 200 200 404 200 200 403",
        args=lambda w: [w.order_a],
    ),
    api(
        "rectification-order (B)",
        "rectificationorder-detail",
        "403 403 404 404 200 200 200 403",
        args=lambda w: [w.order_b],
    ),
    api(
        "rectification-order-create",
        "rectificationorder-list",
        "403 403 405 403 403 403 405 403",
        "post",
        data=lambda w: {},
    ),
    api(
        "rectification-order-change",
        "rectificationorder-detail",
        "403 403 405 405 405 403 405 403",
        "patch",
        args=lambda w: [w.order_a],
        data=lambda w: {"status": "verified"},
    ),
    api(
        "rectification-order-answer",
        "rectificationorder-answer",
        "403 403 403 200 404 403 403 403",
        "post",
        args=lambda w: [w.order_a],
        data=lambda w: {"response": "已整改"},
    ),
    api(
        "rectification-order-verify",
        "rectificationorder-verify",
        "403 403 200 403 403 403 200 403",
        "post",
        args=lambda w: [w.order_answered],
        data=lambda w: {"reason": "已核实"},
    ),
    api(
        "rectification-order-verify (B)",
        "rectificationorder-verify",
        "403 403 404 403 403 403 400 403",
        "post",
        args=lambda w: [w.order_b],
        data=lambda w: {"reason": "已核实"},
    ),
    api(
        "rectification-order-return",
        "rectificationorder-return-",
        "403 403 200 403 403 403 200 403",
        "post",
        args=lambda w: [w.order_answered],
        data=lambda w: {"reason": "仍有积水"},
    ),
    # --- API: the service desk (the office acts; vendors answer and work their own; leaders and inspectors read)
    api("complaints", "complaint-list", "403 403 200 200 200 200 200 403"),
    api("api-complaint", "complaint-detail", "403 403 200 200 404 200 200 403", args=lambda w: [w.complaint_a]),
    api("api-complaint (B)", "complaint-detail", "403 403 404 404 200 200 200 403", args=lambda w: [w.complaint_b]),
    api(
        "api-complaint-accept",
        "complaint-accept",
        "403 403 403 403 403 403 200 403",
        "post",
        args=lambda w: [w.complaint_new],
        data=lambda w: {"contract": w.contract_a},
    ),
    api(
        "api-complaint-answer",
        "complaint-answer",
        "403 403 403 200 404 403 403 403",
        "post",
        args=lambda w: [w.complaint_a],
        data=lambda w: {"response": "已处理"},
    ),
    api(
        "api-complaint-decline",
        "complaint-decline",
        "403 403 403 200 404 403 403 403",
        "post",
        args=lambda w: [w.complaint_a],
        data=lambda w: {"reason": "不属于本合同"},
    ),
    api(
        "api-complaint-rule",  # not answered yet: the service refuses
        "complaint-rule",
        "403 403 403 403 403 403 400 403",
        "post",
        args=lambda w: [w.complaint_a],
        data=lambda w: {"upheld": True, "reason": "属实"},
    ),
    api(
        "api-complaint-close",  # not answered yet: the service refuses
        "complaint-close",
        "403 403 403 403 403 403 400 403",
        "post",
        args=lambda w: [w.complaint_a],
        data=lambda w: {"reply": "已处理"},
    ),
    api(
        "api-complaint-reassign",
        "complaint-reassign",
        "403 403 403 403 403 403 200 403",
        "post",
        args=lambda w: [w.complaint_a],
        data=lambda w: {"contract": w.contract_b, "reason": "应由乙方负责"},
    ),
    api("work-orders", "workorder-list", "403 403 200 200 200 200 200 403"),
    api("api-work-order", "workorder-detail", "403 403 200 200 404 200 200 403", args=lambda w: [w.work_order_a]),
    api("api-work-order (B)", "workorder-detail", "403 403 200 404 200 200 200 403", args=lambda w: [w.work_order_b]),
    api(
        "api-work-order-create",
        "workorder-list",
        "403 403 403 403 403 403 201 403",
        "post",
        data=lambda w: {"channel": "hotline", "category": w.category, "description": "暖气不热"},
    ),
    api(
        "api-work-order-dispatch",
        "workorder-dispatch",
        "403 403 403 403 403 403 200 403",
        "post",
        args=lambda w: [w.work_order_new],
        data=lambda w: {"contract": w.contract_a},
    ),
    api(
        "api-work-order-reassign",
        "workorder-reassign",
        "403 403 403 403 403 403 200 403",
        "post",
        args=lambda w: [w.work_order_a],
        data=lambda w: {"contract": w.contract_b, "reason": "甲公司人手不足"},
    ),
    api(
        "api-work-order-close",  # closed already: the service refuses
        "workorder-close",
        "403 403 403 403 403 403 400 403",
        "post",
        args=lambda w: [w.work_order_closed],
    ),
    api(
        "api-work-order-cancel",
        "workorder-cancel",
        "403 403 403 403 403 403 200 403",
        "post",
        args=lambda w: [w.work_order_new],
        data=lambda w: {"reason": "重复报修"},
    ),
    api(
        "api-work-order-take",
        "workorder-take",
        "403 403 403 200 404 403 403 403",
        "post",
        args=lambda w: [w.work_order_a],
    ),
    api(
        "api-work-order-decline",
        "workorder-decline",
        "403 403 403 200 404 403 403 403",
        "post",
        args=lambda w: [w.work_order_a],
        data=lambda w: {"reason": "不是我方的设备"},
    ),
    api(
        "api-work-order-arrive",
        "workorder-arrive",
        "403 403 403 200 404 403 403 403",
        "post",
        args=lambda w: [w.work_order_a],
    ),
    api(
        "api-work-order-complete",  # not taken yet: the service refuses
        "workorder-complete",
        "403 403 403 400 404 403 403 403",
        "post",
        args=lambda w: [w.work_order_a],
        data=lambda w: {"note": "已修好"},
    ),
    api("callbacks", "callback-list", "403 403 200 403 403 200 200 403"),
    api("api-callback", "callback-detail", "403 403 200 403 403 200 200 403", args=lambda w: [w.callback]),
    api(
        "api-callback-record",
        "callback-record",
        "403 403 403 403 403 403 200 403",
        "post",
        args=lambda w: [w.callback],
        data=lambda w: {"result": "satisfied"},
    ),
    # --- API: evaluations -------------------------------------------------------------------------------------
    api("evaluations", "evaluation-list", "403 403 403 200 200 200 200 403"),
    api("evaluation", "evaluation-detail", "403 403 403 200 404 200 200 403", args=lambda w: [w.evaluation_a]),
    api("evaluation (B)", "evaluation-detail", "403 403 403 404 404 200 200 403", args=lambda w: [w.evaluation_b]),
    api("evaluation-create", "evaluation-list", "403 403 403 403 403 403 405 403", "post", data=lambda w: {}),
    api(
        "evaluation-change",
        "evaluation-detail",
        "403 403 403 403 403 403 405 403",
        "patch",
        args=lambda w: [w.evaluation_b],
        data=lambda w: {"score": "100"},
    ),
    api("objections", "objection-list", "403 403 403 200 200 200 200 403"),
    api("objection", "objection-detail", "403 403 403 200 404 200 200 403", args=lambda w: [w.objection]),
    api("objection-create", "objection-list", "403 403 403 405 405 403 405 403", "post", data=lambda w: {}),
    api("evaluation-schemes", "evaluationscheme-list", "403 403 403 403 403 200 200 403"),
    api("evaluation-scheme", "evaluationscheme-detail", "403 403 403 403 403 200 200 403", args=lambda w: [w.scheme]),
    api(
        "evaluation-scheme-create",
        "evaluationscheme-list",
        "403 403 403 403 403 403 405 403",
        "post",
        data=lambda w: {},
    ),
]


def credit_code(n: int) -> str:
    from logistics.tests.factories import credit_code_for

    return credit_code_for(n)


def send(client: Any, row: Row, w: Any) -> Any:
    url = row.url(w)
    data = row.data(w) if row.data else None
    if row.api and row.method != "get":
        return getattr(client, row.method)(url, json.dumps(data or {}), content_type="application/json")
    if row.method in ("get", "delete"):
        return getattr(client, row.method)(url)
    return client.post(url, data or {})


def assert_status(response: Any, expected: int | str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(reverse("login") + "?next="), response["Location"]
    else:
        assert response.status_code == expected, (response.status_code, response.content[:300])


CELLS = [pytest.param(row, role, id=f"{row.name}-{role}") for row in ROWS for role in ROLES]


@pytest.mark.parametrize(("row", "role"), CELLS)
def test_access(world, client, row, role):
    # given a user of the role (or nobody)
    user = world.users[role]
    if user is not None:
        sign_in(client, user)
    # when they send the row's request
    response = send(client, row, world)
    # then they get the status of the table's cell
    assert_status(response, row.statuses[role])


def test_row_names_are_unique():
    names = [row.name for row in ROWS]
    assert sorted({n for n in names if names.count(n) > 1}) == []


# --- no URL escapes the table ---------------------------------------------------------------------------
# URL namespaces left out of the table, with the reason and the test that covers them instead.
EXCLUDED_NAMESPACES = {
    "admin": "the Django admin (hundreds of generated URLs, reached by staff only): test_the_admin_is_the_offices, "
    "test_admin_pages_of_every_model and test_admin_querysets_are_scoped below cover every registered model",
}
# Static files are served by WhiteNoise's middleware, not by a URL pattern, so none is listed here; the
# JavaScript catalogue (jsi18n) and the language switch are public and have their rows.


def url_patterns() -> list[tuple[str, str, Any]]:
    """Every URL pattern outside the excluded namespaces: (qualified name, route, callback)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    out = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace])) if pattern.namespace else namespace
                if inner.split(":")[0] in EXCLUDED_NAMESPACES:
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else ""
                out.append((name, prefix + str(pattern.pattern), pattern.callback))

    walk(get_resolver().url_patterns, "", "")
    return out


def test_every_url_is_in_the_table():
    # given every URL pattern outside the excluded namespaces
    patterns = url_patterns()
    # then each has a name and at least one row
    assert [route for name, route, _callback in patterns if not name] == []
    covered = {row.route for row in ROWS}
    missing = sorted(f"{name} ({route})" for name, route, _callback in patterns if name not in covered)
    assert missing == [], "URL patterns without a row in ROWS: " + ", ".join(missing)
    # and no row names a URL that is gone
    assert sorted(covered - {name for name, _route, _callback in patterns}) == []


def test_every_api_method_is_in_the_table():
    """Each method a viewset route answers (list, retrieve, create, change, delete, actions) has a row;
    PUT and PATCH are the same permission and code path (``update``), so a PATCH row covers both."""
    rows_by_route: dict[str, set[str]] = {}
    for row in ROWS:
        rows_by_route.setdefault(row.route, set()).add(row.method)
    missing = []
    for name, _route, callback in url_patterns():
        actions = getattr(callback, "actions", None)
        view_class = getattr(callback, "cls", None)
        if actions is not None:
            methods = set(actions)
        elif view_class is not None and hasattr(view_class, "http_method_names") and name.startswith("api-"):
            methods = {m for m in view_class.http_method_names if hasattr(view_class, m)}
        else:
            continue
        methods = {"patch" if m == "put" else m for m in methods} - {"head", "options"}
        for method in sorted(methods - rows_by_route.get(name, set())):
            missing.append(f"{method.upper()} {name}")
    assert missing == []


# --- lists show exactly the scope -----------------------------------------------------------------------
def fresh_user(w: Any, role: str) -> Any:
    """The role's user read again (no permission or role cached from an earlier request)."""
    user = w.users[role]
    return type(user).objects.get(pk=user.pk)


def signed_in_readers(client: Any, w: Any, row: Row) -> Iterator[tuple[str, Any]]:
    """Each role the row answers 200, signed in on ``client`` in turn: yields the role and its user."""
    for role in ROLES:
        if row.statuses[role] != 200:
            continue
        user = fresh_user(w, role)
        sign_in(client, user)
        yield role, user


API_LISTS = [row for row in ROWS if row.api and row.method == "get" and row.route.endswith("-list")]


@pytest.mark.parametrize("row", API_LISTS, ids=[row.name for row in API_LISTS])
def test_api_lists_show_exactly_the_scope(world, client, row):
    from django.urls import resolve

    from logistics.access import scoped

    model = resolve(row.url(world)).func.cls.queryset.model
    # given each user who may list the model
    for role, user in signed_in_readers(client, world, row):
        # when they list it
        body = client.get(row.url(world)).json()
        # then they get exactly the objects of their scope
        shown = sorted(item["id"] for item in body["results"])
        assert body["count"] == len(shown), role
        assert shown == sorted(scoped(user, model._default_manager.all()).values_list("pk", flat=True)), role


PAGE_LISTS = [
    ("inspections:list", "inspections:detail", "inspections.Inspection", {}),
    ("inspections:rectifications", "inspections:rectification", "inspections.RectificationOrder", {}),
    ("inspections:complaint_queue", "inspections:complaint", "inspections.Complaint", {"quarantined": False}),
    ("inspections:desk_queue", "inspections:work_order", "inspections.WorkOrder", {}),
]


@pytest.mark.parametrize(("list_route", "detail_route", "label", "filters"), PAGE_LISTS, ids=[p[0] for p in PAGE_LISTS])
def test_page_lists_link_exactly_the_scope(world, client, list_route, detail_route, label, filters):
    import re

    from django.apps import apps

    from logistics.access import scoped

    model = apps.get_model(label)
    row = next(r for r in ROWS if r.route == list_route)
    pattern = re.compile(re.escape(reverse(detail_route, args=[0])).replace("0", r"(\d+)"))
    for role, user in signed_in_readers(client, world, row):
        html = client.get(reverse(list_route), {"status": "all"}).content.decode()
        linked = sorted({int(pk) for pk in pattern.findall(html)})
        expected = scoped(user, model._default_manager.filter(**filters)).values_list("pk", flat=True)
        assert linked == sorted(expected), role


# --- the admin: the office's, and filtered the same way for anyone who reaches it -----------------------
def admin_models() -> list[Any]:
    from django.contrib import admin

    return sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_is_the_offices(world, client, role):
    # given a user of the role (only the office's accounts are staff)
    user = world.users[role]
    if user is not None:
        sign_in(client, user)
    # when they open the admin
    response = client.get(reverse("admin:index"))
    # then the office gets it and everyone else is sent to the admin's login
    if role == "office":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login") + "?next=")


@pytest.mark.parametrize("model", admin_models(), ids=lambda model: model._meta.label)
def test_admin_pages_of_every_model(world, model):
    """Every registered model's list and first record: office by its permissions, the others redirected."""
    opts = model._meta
    urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
    first = model._default_manager.order_by("pk").first()
    if first is not None:
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
    for role in ROLES:
        user = world.users[role]
        browser = Client()
        if user is not None:
            sign_in(browser, user)
        for url in urls:
            response = browser.get(url)
            if role == "office":
                fresh = fresh_user(world, role)
                allowed = fresh.has_perm(f"{opts.app_label}.view_{opts.model_name}") or fresh.has_perm(
                    f"{opts.app_label}.change_{opts.model_name}"
                )
                assert response.status_code == (200 if allowed else 403), url
            else:
                assert response.status_code == 302, (role, url)
                assert response["Location"].startswith(reverse("admin:login") + "?next="), (role, url)


# Admins of domain models that are not ScopedAdmin, and why that is safe.
UNSCOPED_ADMINS = {
    "logistics.User": "accounts are the office's business: no other role holds a permission on users",
    "logistics.OutboxMessage": "technical table: no role holds a permission on it (superusers only)",
    "logistics.GroupRobot": "the office's chat robots: only the office holds permissions (leaders excluded: the keys are secrets)",
    "logistics.Notification": "read-only delivery log: only the office may view it (leaders excluded, no other role)",
    "scoring.QuarterRun": "technical record of quarter-close runs (quarter, trigger, times), no vendor data",
}


def test_every_domain_admin_is_scoped():
    from django.contrib import admin

    from logistics.admin_base import ScopedAdmin
    from logistics.roles import DOMAIN_APPS

    unscoped = sorted(
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in DOMAIN_APPS and not isinstance(model_admin, ScopedAdmin)
    )
    assert unscoped == sorted(UNSCOPED_ADMINS)


def scoped_admin_models() -> list[Any]:
    from django.contrib import admin

    from logistics.admin_base import ScopedAdmin

    return [model for model in admin_models() if isinstance(admin.site._registry[model], ScopedAdmin)]


@pytest.mark.parametrize("model", scoped_admin_models(), ids=lambda model: model._meta.label)
def test_admin_querysets_are_scoped(world, rf, model):
    """Whoever reaches an admin list (were a vendor's account made staff by mistake) sees its scope only."""
    from django.contrib import admin

    from logistics.access import scoped

    model_admin = admin.site._registry[model]
    for role in ROLES[1:]:
        # given a request of the role's user to the model's admin list
        request = rf.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        request.user = fresh_user(world, role)
        # then the admin lists exactly what logistics.access.scoped gives
        shown = sorted(model_admin.get_queryset(request).values_list("pk", flat=True))
        assert shown == sorted(scoped(request.user, model._default_manager.all()).values_list("pk", flat=True)), role


# --- fields a role may not set are ignored or refused ---------------------------------------------------
def post_json(client: Any, url: str, data: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


FORGED_ORDER = {"status": "verified", "severity": "minor", "deadline": "2030-01-01T00:00:00Z", "returned_count": 0}


@pytest.mark.parametrize("through", ["api", "page"])
def test_a_vendor_answering_an_order_cannot_set_its_status_contract_or_deadline(world, client, through):
    from inspections.models import RectificationOrder

    # given vendor A's open order
    before = RectificationOrder.objects.get(pk=world.order_a)
    sign_in(client, world.users["vendor_a"])
    forged = {**FORGED_ORDER, "contract": world.contract_b, "verified_at": "2026-01-01T00:00:00Z"}
    # when vendor A answers it and sends the order's other fields too
    if through == "api":
        url = reverse("rectificationorder-answer", args=[world.order_a])
        response = post_json(client, url, {"response": "已整改", **forged})
        assert response.status_code == 200
    else:
        url = reverse("inspections:rectification", args=[world.order_a])
        response = client.post(url, {"action": "answer", "response": "已整改", **forged})
        assert response.status_code == 302
    # then the answer is recorded and nothing else changed
    order = RectificationOrder.objects.get(pk=world.order_a)
    assert (order.status, order.response) == ("answered", "已整改")
    assert (order.contract_id, order.severity, order.deadline, order.verified_at, order.returned_count) == (
        before.contract_id,
        before.severity,
        before.deadline,
        None,
        before.returned_count,
    )


def test_a_vendor_answering_a_complaint_cannot_set_its_status_contract_or_verdict(world, client):
    from inspections.models import Complaint

    before = Complaint.objects.get(pk=world.complaint_a)
    sign_in(client, world.users["vendor_a"])
    forged = {"status": "closed", "contract": world.contract_b, "upheld": "on", "severity": "serious", "reply": "x"}
    response = client.post(
        reverse("inspections:complaint", args=[world.complaint_a]), {"action": "answer", "response": "已补充", **forged}
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get(pk=world.complaint_a)
    assert (complaint.status, complaint.vendor_response, complaint.office_reply) == ("answered", "已补充", "")
    assert (complaint.contract_id, complaint.upheld, complaint.severity) == (
        before.contract_id,
        before.upheld,
        before.severity,
    )


def test_a_public_complaint_cannot_set_its_status_contract_or_verdict(world, client):
    from inspections.models import Complaint

    # given an employee's complaint that also sends the office's fields
    known = set(Complaint.objects.values_list("pk", flat=True))
    forged = {
        "status": "closed",
        "contract": world.contract_a,
        "upheld": "on",
        "severity": "serious",
        "urgency": "urgent",
        "tracking_code": "AAAAAAAAAAAA",
        "quarantined": "",
    }
    data = {"category": world.category, "description": "走廊灯坏了", "website": "", **forged}
    # when it is filed
    response = client.post(reverse("inspections:complaint_new"), data)
    # then it waits for the office's triage like any other
    assert response.status_code == 302
    [complaint] = Complaint.objects.exclude(pk__in=known)
    default = Complaint()
    assert (complaint.status, complaint.contract_id, complaint.upheld) == ("received", None, default.upheld)
    assert (complaint.severity, complaint.urgency) == (default.severity, default.urgency)
    assert complaint.tracking_code != "AAAAAAAAAAAA"


def test_an_inspector_cannot_set_a_score_or_inspect_a_contract_not_assigned(world, client):
    from inspections.models import Inspection

    sign_in(client, world.users["inspector"])
    payload = tablet_payload(world)
    payload["results"]["A2"] = {"result": "fail"}
    forged = {"score": "100.00", "awarded_points": "40", "max_points": "40", "created_by": world.users["office"].pk}
    # when the inspector submits with a score of their own
    response = post_json(client, reverse("api-inspect-submit"), {**payload, **forged})
    # then the score is computed from the results: A1 10 + A3 10 of 40 points
    assert response.status_code == 201
    inspection = Inspection.objects.get(pk=response.json()["id"])
    assert (inspection.score, inspection.awarded_points, inspection.max_points) == (
        Decimal("50.00"),
        Decimal("20.00"),
        Decimal("40.00"),
    )
    assert inspection.created_by_id == world.users["inspector"].pk
    # and a contract they are not assigned to is refused, with nothing stored
    count = Inspection.objects.count()
    response = post_json(client, reverse("api-inspect-submit"), tablet_payload(world, contract="contract_b"))
    assert response.status_code == 400
    assert Inspection.objects.count() == count
    # and no score can be written through the API
    url = reverse("inspection-detail", args=[inspection.pk])
    assert post_json(client, url, {"score": "100"}, method="patch").status_code == 405
    assert Inspection.objects.get(pk=inspection.pk).score == Decimal("50.00")


def test_a_bid_cannot_choose_its_vendor_or_its_qualification(world, client):
    from logistics.models import Bid

    sign_in(client, world.users["vendor_a"])
    forged = {"vendor": world.vendor_b, "is_qualified": True, "submitted_at": "2020-01-01T00:00:00Z"}
    data = {"tender": world.tender_invited, "price": "700000", "proposal": "方案", **forged}
    response = post_json(client, reverse("bid-list"), data)
    assert response.status_code == 201
    bid = Bid.objects.get(pk=response.json()["id"])
    assert (bid.vendor_id, bid.is_qualified) == (world.vendor_a, Bid().is_qualified)
    assert bid.submitted_at > timezone.now() - dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    ("route", "key", "forged", "kept"),
    [
        ("vendor-detail", "vendor_a", {"status": "blacklisted"}, {"status": "admitted"}),
        (
            "tender-detail",
            "tender_draft",
            {"status": "awarded", "published_at": "2026-01-01T00:00:00Z", "failure_reason": "x"},
            {"status": "draft", "published_at": None, "failure_reason": ""},
        ),
        (
            "contract-detail",
            "contract_draft",
            {"status": "active", "termination_recommended": True, "renewal_preferred": True, "ended_on": "2026-01-01"},
            {"status": "draft", "termination_recommended": False, "renewal_preferred": False, "ended_on": None},
        ),
    ],
    ids=["vendor", "tender", "contract"],
)
def test_statuses_change_only_through_their_services_even_for_the_office(world, client, route, key, forged, kept):
    from django.urls import resolve

    # given the office changing a record through the API, status fields included
    sign_in(client, world.users["office"])
    url = reverse(route, args=[getattr(world, key)])
    response = post_json(client, url, forged, method="patch")
    # then the request succeeds and the status fields are what they were
    assert response.status_code == 200
    model = resolve(url).func.cls.queryset.model
    obj = model.objects.get(pk=getattr(world, key))
    assert {name: getattr(obj, name) for name in kept} == kept
