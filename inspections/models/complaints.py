"""Complaints: what an employee reports, its events and photos."""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inspections.choices import (
    MESSAGE_KINDS,
    Channel,
    ComplaintSeverity,
    ComplaintStatus,
    ComplaintUrgency,
    RequestKind,
)
from inspections.models.base import JobEvent, JobPhoto, photo_field
from logistics.models import AuditedManager, TimeStampedModel
from logistics.models.base import check, optional_ref, user_ref
from logistics.transitions import Flow

__all__ = (
    "COMPLAINT_FLOW",
    "TRACKING_ALPHABET",
    "Complaint",
    "ComplaintEvent",
    "ComplaintPhoto",
    "ComplaintSeverity",
    "ComplaintStatus",
    "ComplaintUrgency",
)

# No 0/O, 1/I/L: a code read aloud or typed from a screenshot is not mistaken.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 12  # 31^12 ≈ 7.9e17 codes


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


class TrackedRequest(TimeStampedModel):
    """A request filed on the public page or recorded by the office for a caller: the requester follows it with
    its tracking code. An anonymous request keeps no name, contact or address of any kind."""

    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True, default=new_tracking_code)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    recorded_by = user_ref(_("recorded by"))
    site = optional_ref("logistics.Site", _("site"), on_delete=models.PROTECT, related_name="+")
    key_point = optional_ref("logistics.KeyPoint", _("key point"), on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("where exactly"), max_length=200, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)

    objects = AuditedManager()

    class Meta:
        abstract = True
        constraints = [check("anonymous_has_no_personal_data", Q(anonymous=False) | Q(name="", phone="", email=""))]

    def __str__(self) -> str:
        return self.reference


#: a complaint's way: triage (accept and send to the vendor, or turn down; a suggestion or praise may be answered
#: by the office itself), the vendor's answer or its decline back to the office, the office's ruling and close or
#: send-back, the employee's reopening (once), a callback "not satisfied" (a redo)
COMPLAINT_FLOW = Flow(
    ComplaintStatus,
    {
        ComplaintStatus.RECEIVED: {ComplaintStatus.ACCEPTED, ComplaintStatus.REJECTED},
        ComplaintStatus.ACCEPTED: {ComplaintStatus.DISPATCHED, ComplaintStatus.CLOSED},
        # -> DISPATCHED: reassigned to another contract; -> ACCEPTED: declined back to the office by the vendor
        ComplaintStatus.DISPATCHED: {ComplaintStatus.ANSWERED, ComplaintStatus.DISPATCHED, ComplaintStatus.ACCEPTED},
        ComplaintStatus.ANSWERED: {ComplaintStatus.CLOSED, ComplaintStatus.DISPATCHED},
        ComplaintStatus.CLOSED: {ComplaintStatus.DISPATCHED},
    },
    noun=_("A complaint"),
)


class Complaint(TrackedRequest):
    """A complaint (or a suggestion, or praise) from an employee."""

    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=[(k.value, k.label) for k in MESSAGE_KINDS],
        default=RequestKind.COMPLAINT,
    )
    category = models.ForeignKey(
        "logistics.ServiceCategory", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("service")
    )
    description = models.TextField(_("what happened"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED, db_index=True
    )
    quarantined = models.BooleanField(_("quarantined (automated post)"), default=False, db_index=True)
    contract = optional_ref("contracts.Contract", _("contract"), on_delete=models.PROTECT, related_name="complaints")
    severity = models.CharField(
        _("severity"), max_length=8, choices=ComplaintSeverity.choices, default=ComplaintSeverity.NORMAL
    )
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=ComplaintUrgency.choices, default=ComplaintUrgency.NORMAL
    )
    upheld = models.BooleanField(_("upheld against the vendor"), null=True, blank=True)
    upheld_at = models.DateTimeField(_("upheld at"), null=True, blank=True)
    counts_in = models.CharField(
        _("counts in quarter"),
        max_length=6,
        blank=True,
        help_text=_(
            "The quarter whose score and money the upheld complaint counts in: the quarter it was filed in, or, "
            "when it was upheld after that quarter was final, the first quarter not yet final."
        ),
    )
    ruled_at = models.DateTimeField(_("ruled at"), null=True, blank=True)
    ruling_reason = models.TextField(_("reasons for the ruling"), blank=True)
    board_published_at = models.DateTimeField(_("on the public board since"), null=True, blank=True, db_index=True)
    board_text = models.TextField(
        _("message as shown on the board"),
        blank=True,
        help_text=_("The message without names, numbers or anything that tells who wrote it."),
    )
    board_reply = models.TextField(_("reply as shown on the board"), blank=True)
    rejection_reason = models.TextField(_("why it was not accepted"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    response_deadline = models.DateTimeField(_("response deadline"), null=True, blank=True, db_index=True)
    vendor_response = models.TextField(_("service company's answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    office_reply = models.TextField(_("office's reply"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("employee's rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)
    handled_by = user_ref(_("handled by"))

    history = HistoricalRecords(excluded_fields=["name", "phone", "email"])

    class Meta(TrackedRequest.Meta):
        ordering = ["-created_at"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            *TrackedRequest.Meta.constraints,
            check("rating_range", Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5)),
            check("reopened_once", Q(reopen_count__lte=1)),
            check("rejection_has_reason", ~Q(status=ComplaintStatus.REJECTED) | ~Q(rejection_reason="")),
            check(
                "upheld_only_when_accepted",
                Q(upheld__isnull=True) | Q(status__in=["accepted", "dispatched", "answered", "closed"]),
            ),
            check(
                "upheld_counts_in_a_quarter",
                Q(upheld=True, upheld_at__isnull=False) & ~Q(counts_in="")
                | Q(upheld=False, upheld_at__isnull=True, counts_in="")
                | Q(upheld__isnull=True, upheld_at__isnull=True, counts_in=""),
            ),
            check("only_complaints_upheld", Q(upheld__isnull=True) | Q(kind=RequestKind.COMPLAINT)),
            check(
                "board_has_text_and_reply",
                Q(board_published_at__isnull=True) | (~Q(board_text="") & ~Q(board_reply="")),
            ),
        ]
        indexes = [
            models.Index(fields=["contract", "upheld", "created_at"], name="inspections_complaint_quarter"),
            models.Index(fields=["counts_in", "contract"], name="inspections_complaint_counted"),
        ]

    @property
    def reference(self) -> str:
        """The internal reference (the tracking code stays between the employee and the office)."""
        return f"TS-{self.pk:06d}" if self.pk else "TS-new"

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == ComplaintStatus.DISPATCHED
            and self.response_deadline is not None
            and self.response_deadline < timezone.now()
        )


# What the product itself says on a complaint's timeline, stored as a code with its values and put into
# words in the reader's language when shown (an employee reading in English sees no Chinese of ours).
SYSTEM_MESSAGES = {
    "received": _("We have received your complaint."),
    "accepted": _("Accepted by the logistics office."),
    "dispatched": _("Passed to the service company for action."),
    "rated": _("Rated %(rating)d of 5."),
    "upheld": _("After investigation the complaint was found justified."),
    "not_upheld": _("After investigation the complaint was not found justified."),
}


class ComplaintEvent(JobEvent):
    """The complaint's timeline: ``public_text`` is what the employee sees on the tracking page (a system
    message in the reader's language, or the words a person wrote)."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Not accepted")
        DISPATCHED = "dispatched", _("Sent to the service company")
        ANSWERED = "answered", _("The service company answered")
        SENT_BACK = "sent_back", _("Sent back to the service company")
        CLOSED = "closed", _("Closed by the office")
        RATED = "rated", _("Rated by the employee")
        REOPENED = "reopened", _("Reopened by the employee")
        OVERRULED = "overruled", _("No longer upheld against the vendor")
        RULED = "ruled", _("Ruled on by the office")
        DECLINED = "declined", _("Declined back to the office")
        CALLBACK = "callback", _("Callback")
        REDO = "redo", _("Sent back for a redo")
        PUBLISHED = "published", _("Published on the public board")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("complaint")
    )
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    public_note = models.TextField(_("note for the employee"), blank=True)
    message = models.CharField(
        _("system message"), max_length=20, blank=True, choices=[(k, k) for k in SYSTEM_MESSAGES]
    )
    message_values = models.JSONField(_("values of the system message"), default=dict, blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)

    job_field = "complaint"

    class Meta:
        ordering = ["complaint", "at", "pk"]
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")

    @property
    def public_text(self) -> str:
        if self.message:
            text = str(SYSTEM_MESSAGES[self.message]) % (self.message_values or {})
            return f"{text} {self.public_note}" if self.public_note else text
        return self.public_note


class ComplaintPhoto(JobPhoto):
    class Stage(models.TextChoices):
        REPORT = "report", _("From the employee")
        RESPONSE = "response", _("From the service company")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="photos", verbose_name=_("complaint")
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    image = photo_field("complaints")

    job_field = "complaint"

    class Meta:
        ordering = ["complaint", "uploaded_at"]
        verbose_name = _("complaint photo")
        verbose_name_plural = _("complaint photos")


# --- satisfaction surveys -------------------------------------------------------------------------------
