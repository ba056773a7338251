"""The vendor's objections to a published quarter and the office's rulings (ARCHITECTURE.md, "What a vendor
sees, and when; objections").

An upheld objection corrects the fact itself through the audited service that owns it (an inspection
amendment, a complaint no longer upheld, a rectification delay excused, the score's adjustment), then the
contract's quarter is recomputed: the draft settlement follows, so the money changes by exactly what the fact
was worth (the cap included). A dismissed one keeps the fact, with the office's reasons.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import services as contract_services
from contracts.choices import EvidenceType
from contracts.models import LedgerLine, Settlement
from inspections.choices import ItemResultChoice, RoundStatus
from inspections.models import Complaint, ItemResult, RectificationOrder, Round, WorkOrderRound
from inspections.services import complaints as complaint_services
from inspections.services import desk as desk_services
from inspections.services import inspections as inspection_services
from inspections.services import plans as plan_services
from inspections.services import rectifications as rectification_services
from logistics.models import stamp
from logistics.notify import notify_office, notify_vendor
from logistics.policy import may
from logistics.quarters import Quarter
from logistics.uploads import clean_document
from scoring import selectors, services
from scoring.models import OBJECTION_FLOW, Evaluation, Objection, ObjectionFile, ObjectionStatus

if TYPE_CHECKING:
    from logistics.models import User

MAX_FILES = 5


@transaction.atomic
def objection_file(
    *, evaluation: Evaluation, target_key: str, reasons: str, files: list[Any] | None = None, by: User
) -> Objection:
    """The vendor objects to one fact of its published quarter, with its reasons and files."""
    evaluation = services.locked_evaluation(evaluation.pk, "contract")
    if not may(by, "objection.file", evaluation):
        raise ValidationError(_("Only the vendor's staff can object to its result."))
    if not evaluation.objection_period_open():
        if evaluation.objection_deadline is None or evaluation.status != "published":
            raise ValidationError(_("This result is not open to objections."))
        raise ValidationError(
            _("The objection period ended on %(deadline)s; an objection can no longer be filed.")
            % {"deadline": services.deadline_text(evaluation)}
        )
    if not reasons.strip():
        raise ValidationError({"reasons": _("Say why you object: the office rules on your reasons.")})
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise ValidationError({"files": _("At most %(count)d files.") % {"count": MAX_FILES}})
    option = next((o for o in selectors.objection_options(evaluation) if o.key == target_key), None)
    if option is None:
        raise ValidationError({"target": _("Choose what you object to among this quarter's facts.")})
    if Objection.objects.filter(evaluation=evaluation, target_key=option.key).exists():
        raise ValidationError({"target": _("You have already objected to this; the office rules on it once.")})
    cleaned = []
    for upload in files:
        try:
            cleaned.append((clean_document(upload), getattr(upload, "name", "")))
        except ValidationError as exc:
            raise ValidationError({"files": exc.messages})
    objection = Objection(
        evaluation=evaluation,
        target=option.target,
        target_id=option.target_id,
        target_key=option.key,
        evidence_type=option.evidence_type,
        evidence_id=option.evidence_id,
        reference=option.reference[:300],
        amount=option.amount,
        reasons=reasons.strip(),
        filed_at=timezone.now(),
        filed_by=by,
    )
    stamp(objection, by=by)
    try:
        with transaction.atomic():
            objection.save()
    except IntegrityError:  # the same fact twice at the same moment
        raise ValidationError({"target": _("You have already objected to this; the office rules on it once.")})
    for content, name in cleaned:
        stored = ObjectionFile(objection=objection, name=(name or content.name)[:200], uploaded_by=by)
        stored.file.save(content.name, content, save=False)
        stored.save()
    notify_office(
        subject=_("Objection to %(number)s %(quarter)s")
        % {"number": evaluation.contract.number, "quarter": evaluation.quarter},
        body=_("%(vendor)s objects to: %(what)s\n%(reasons)s")
        % {"vendor": evaluation.contract.vendor, "what": objection.reference, "reasons": objection.reasons},
        dedup_key=f"objection-filed:{objection.pk}",
    )
    return objection


@transaction.atomic
def objection_rule(
    *,
    objection: Objection,
    upheld: bool,
    ruling: str,
    by: User,
    points: Decimal | str | None = None,
) -> Objection:
    """The office rules on an objection with its reasons. Upheld: the fact is corrected (``points``: how much
    the score changes, for an objection to the score) and the contract's quarter recomputed."""
    objection = Objection.objects.select_for_update(of=("self",)).get(pk=objection.pk)
    evaluation = services.locked_evaluation(objection.evaluation_id, "contract__vendor", "scheme")
    if not may(by, "objection.rule", objection):
        raise ValidationError(_("Only the logistics office rules on objections."))
    OBJECTION_FLOW.check(objection.status, ObjectionStatus.UPHELD, _("This objection has already been ruled on."))
    if evaluation.status != "published":
        raise ValidationError(_("Objections are ruled while the result is published, before it is final."))
    if not ruling.strip():
        raise ValidationError({"ruling": _("A ruling needs its reasons: the vendor reads them.")})
    correction: dict[str, Any] = {}
    if upheld:
        reason = _("Objection %(number)d upheld: %(ruling)s") % {"number": objection.pk, "ruling": ruling.strip()}
        correction = _correct(objection, evaluation, reason, points, by)
    OBJECTION_FLOW.advance(objection, ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED)
    objection.ruling = ruling.strip()
    objection.ruled_at = timezone.now()
    objection.ruled_by = by
    objection.correction = correction
    stamp(objection, by=by, reason=ruling.strip())
    objection.save()
    if upheld:
        services.evaluations_compute(
            quarter=Quarter.parse(evaluation.quarter), contracts=[evaluation.contract], include_reviewed=True
        )
    notify_vendor(
        evaluation.contract.vendor,
        subject=(_("Objection upheld: %(what)s") if upheld else _("Objection dismissed: %(what)s"))
        % {"what": objection.reference},
        body=objection.ruling,
        dedup_key=f"objection-ruled:{objection.pk}",
    )
    return objection


def _correct(
    objection: Objection, evaluation: Evaluation, reason: str, points: Decimal | str | None, by: User
) -> dict[str, Any]:
    """Correct the fact the objection names, through the service that owns it; what was done, for the record."""
    kind, pk = objection.evidence_type, objection.evidence_id
    if kind == EvidenceType.ITEM_RESULT:
        row = ItemResult.objects.select_related("item", "inspection").get(pk=pk)
        if row.result == ItemResultChoice.PASS:
            return {"already": "item_result", "id": pk}
        amendment = inspection_services.inspection_amend(
            inspection=row.inspection, changes={row.item.code: {"result": ItemResultChoice.PASS}}, reason=reason, by=by
        )
        return {"inspection_amendment": amendment.pk, "item_result": pk}
    if kind == EvidenceType.COMPLAINT:
        complaint = Complaint.objects.get(pk=pk)
        if not complaint.upheld:
            return {"already": "complaint", "id": pk}
        complaint_services.complaint_overrule(complaint=complaint, reason=reason, by=by)
        return {"complaint_overruled": pk}
    if kind == EvidenceType.RECTIFICATION:
        order = RectificationOrder.objects.get(pk=pk)
        before = order.deadline
        order = rectification_services.rectification_excuse_delay(order=order, reason=reason, by=by)
        return {
            "rectification": pk,
            "deadline_before": timezone.localtime(before).isoformat(),
            "deadline_after": timezone.localtime(order.deadline).isoformat(),
        }
    if kind == EvidenceType.ROUND:  # a missed self-check round: the office excuses it, the recompute drops the line
        row = Round.objects.get(pk=pk)
        if row.status not in (RoundStatus.DUE, RoundStatus.MISSED):
            return {"already": "round", "id": pk}
        plan_services.round_excuse(round=row, reason=reason, by=by)
        return {"round_excused": pk}
    if (
        kind == EvidenceType.WORK_ORDER
    ):  # a late work order round: the office excuses its clocks, the recompute drops it
        job = WorkOrderRound.objects.get(pk=pk)
        if job.excused_at is not None:
            return {"already": "work_order", "id": pk}
        desk_services.work_order_round_excuse(job=job, reason=reason, by=by)
        return {"work_order_round_excused": pk}
    if kind == EvidenceType.MANUAL:
        line = LedgerLine.objects.filter(pk=objection.target_id).first()
        if line is None:
            return {"already": "manual", "id": objection.target_id}
        settlement = Settlement.objects.get(pk=line.settlement_id)
        reversal = contract_services.settlement_adjust(settlement=settlement, amount=-line.amount, reason=reason, by=by)
        return {"reversed_line": line.pk, "correction_line": reversal.pk}
    return _adjust_score(evaluation, reason, points, by)  # the score, or a line the score priced


def _adjust_score(evaluation: Evaluation, reason: str, points: Decimal | str | None, by: User) -> dict[str, Any]:
    try:
        change = Decimal(str(points)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        change = Decimal(0)
    if change == 0:
        raise ValidationError({"points": _("Upholding an objection to the score: enter the points it changes by.")})
    new = evaluation.adjustment + change
    bound = evaluation.scheme.adjustment_bound
    if abs(new) > bound:
        raise ValidationError(
            {
                "points": _("The adjustment would be %(new)s points; it must be between -%(bound)s and +%(bound)s.")
                % {"new": new, "bound": bound}
            }
        )
    before = evaluation.adjustment
    evaluation.adjustment = new
    evaluation.adjustment_reason = "\n".join(filter(None, [evaluation.adjustment_reason, reason]))
    stamp(evaluation, by=by, reason=reason)
    evaluation.save(update_fields=["adjustment", "adjustment_reason", "updated_at"])
    return {"adjustment_before": str(before), "adjustment_after": str(new)}


def describe_correction(correction: dict[str, Any]) -> str:
    """What an upheld ruling changed, in the reader's language (the record keeps the ids)."""
    if not correction:
        return ""
    if "already" in correction:
        return _("The fact had already been corrected.")
    if "inspection_amendment" in correction:
        return _("The checklist item was amended to pass (inspection amendment %(id)s).") % {
            "id": correction["inspection_amendment"]
        }
    if "complaint_overruled" in correction:
        return _("The complaint TS-%(id)06d is no longer upheld against the vendor.") % {
            "id": correction["complaint_overruled"]
        }
    if "rectification" in correction:
        return _("The deadline of rectification order ZG-%(id)06d moved from %(before)s to %(after)s.") % {
            "id": correction["rectification"],
            "before": correction["deadline_before"][:16].replace("T", " "),
            "after": correction["deadline_after"][:16].replace("T", " "),
        }
    if "reversed_line" in correction:
        return _("The office's correction was reversed by a correction of the opposite sign.")
    if "adjustment_after" in correction:
        return _("The score's adjustment went from %(before)s to %(after)s points.") % {
            "before": correction["adjustment_before"],
            "after": correction["adjustment_after"],
        }
    return ""
