"""Checklist templates (versioned), inspections of every kind, item results, photos, sign-offs, amendments."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inspections.calculations import plain_number, reading_range
from inspections.choices import AnswerType, InspectionKind, InspectionStatus, ItemResultChoice, Signer
from logistics.immutability import LockedModel
from logistics.models import AuditedManager, BilingualNameModel, Severity, TimeStampedModel
from logistics.models.base import (
    VersionedModel,
    check,
    choice_check,
    in_language_property,
    optional_ref,
    private_file,
    unique,
    user_ref,
    version_constraints,
)
from logistics.transitions import Flow
from logistics.uploads import RandomName, private_storage

__all__ = (
    "INSPECTION_FLOW",
    "OFFICE_KINDS",
    "ChecklistItem",
    "ChecklistTemplate",
    "Inspection",
    "InspectionAmendment",
    "InspectionKind",
    "InspectionPhoto",
    "InspectionSignature",
    "InspectionSignoff",
    "InspectionStatus",
    "ItemResult",
    "ItemResultChoice",
)

#: the office's inspections: their failed items open rectification orders and are priced by the clauses (the
#: vendor's self-checks never cost it money: they should be honest)
OFFICE_KINDS = (InspectionKind.DAILY, InspectionKind.WEEKLY, InspectionKind.MONTHLY_JOINT, InspectionKind.SPECIAL)


class ChecklistTemplate(VersionedModel, BilingualNameModel):
    """One version of a checklist. ``family`` names the checklist across its versions."""

    family = models.SlugField(_("checklist"), max_length=60)
    category = models.ForeignKey(
        "logistics.ServiceCategory",
        on_delete=models.PROTECT,
        related_name="checklists",
        verbose_name=_("service category"),
    )
    kind = models.CharField(_("inspection kind"), max_length=16, choices=InspectionKind.choices)
    based_on = optional_ref("self", _("based on"), on_delete=models.PROTECT, related_name="+")

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["category__sort_order", "family", "-version"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        constraints = [
            *version_constraints("family"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} v{self.version}"


class ChecklistItem(models.Model):
    #: how the item asks for its answer: the ``AnswerType`` and what it needs (a reading's unit and range, a signer)
    ANSWER_FIELDS = ("answer_type", "unit", "min_value", "max_value", "signer")

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("template")
    )
    code = models.CharField(_("code"), max_length=20)
    group = models.CharField(_("area / group"), max_length=100, blank=True)
    group_en = models.CharField(_("area / group (English)"), max_length=100, blank=True)
    text = models.CharField(_("item (Chinese)"), max_length=300)
    text_en = models.CharField(_("item (English)"), max_length=300, blank=True)
    standard = models.TextField(_("standard: what “pass” means (Chinese)"), blank=True)
    standard_en = models.TextField(_("standard (English)"), blank=True)
    max_points = models.DecimalField(
        _("max points"),
        max_digits=6,
        decimal_places=2,
        blank=True,
        help_text=_("More than 0; a signature item scores none (0)."),
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR)
    is_key_point = models.BooleanField(_("key point"), default=False)
    photo_required_on_fail = models.BooleanField(_("photo required on failure"), default=False)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    answer_type = models.CharField(_("answer"), max_length=10, choices=AnswerType.choices, default=AnswerType.CHECK)
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("For a reading: °C, MPa, lx …"))
    min_value = models.DecimalField(_("lowest allowed reading"), max_digits=12, decimal_places=3, null=True, blank=True)
    max_value = models.DecimalField(
        _("highest allowed reading"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    signer = models.CharField(
        _("signed by"), max_length=10, choices=Signer.choices, blank=True, help_text=_("For a signature item.")
    )
    post_role = optional_ref(
        "contracts.PostRole",
        _("post checked"),
        on_delete=models.PROTECT,
        related_name="checklist_items",
        help_text=_("For a post check: the inspector counts the contract's people on this post."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "sort_order", "code"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            unique("unique_code", "template", "code"),
            check(
                "points_positive",
                Q(answer_type=AnswerType.SIGNATURE, max_points=0)
                | (~Q(answer_type=AnswerType.SIGNATURE) & Q(max_points__gt=0)),
            ),
            check(
                "reading_has_a_range",
                Q(answer_type=AnswerType.READING, min_value__isnull=False)
                | Q(answer_type=AnswerType.READING, max_value__isnull=False)
                | (~Q(answer_type=AnswerType.READING) & Q(min_value__isnull=True, max_value__isnull=True)),
            ),
            check(
                "range_in_order",
                Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=F("max_value")),
            ),
            check(
                "signature_has_a_signer",
                (Q(answer_type=AnswerType.SIGNATURE) & ~Q(signer=""))
                | (~Q(answer_type=AnswerType.SIGNATURE) & Q(signer="")),
            ),
            check(
                "post_check_names_its_post",
                (Q(answer_type=AnswerType.POST) & Q(post_role__isnull=False))
                | (~Q(answer_type=AnswerType.POST) & Q(post_role__isnull=True)),
            ),
            choice_check("answer_type", AnswerType),
            choice_check("signer", Signer, blank=True),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_text}"

    def clean(self) -> None:
        """The rules of an item's answer, with messages the office reads (the constraints hold them too)."""
        errors: dict[str, str] = {}
        if self.answer_type == AnswerType.SIGNATURE:
            self.max_points = Decimal(0)  # a signature is evidence, not a score
            self.min_value = self.max_value = None
            self.unit = ""
            if not self.signer:
                errors["signer"] = _("Say who signs: the inspector or the vendor's representative.")
        else:
            self.signer = ""
            if self.max_points is None or self.max_points <= 0:
                errors["max_points"] = _("Give the item its points (more than 0).")
        if self.answer_type == AnswerType.POST:
            if self.post_role_id is None:
                errors["post_role"] = _("Say which post the item checks.")
        else:
            self.post_role = None
        if self.answer_type == AnswerType.READING:
            if self.min_value is None and self.max_value is None:
                errors["min_value"] = _("A reading needs an allowed range: a lowest value, a highest value or both.")
            elif self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
                errors["max_value"] = _("The highest allowed reading is below the lowest.")
        elif self.answer_type != AnswerType.SIGNATURE:
            self.min_value = self.max_value = None
        if errors:
            raise ValidationError(errors)

    @property
    def allowed_range(self) -> str:
        """ "0–8 °C", "≥ 0.1 MPa", "≤ 50 dB" for a reading item; "" otherwise."""
        if self.answer_type != AnswerType.READING:
            return ""
        return reading_range(self.min_value, self.max_value, self.unit)

    display_text = in_language_property("text")
    display_group = in_language_property("group")
    display_standard = in_language_property("standard")


#: a draft is submitted once; after that it changes only by an audited amendment (it stays submitted)
INSPECTION_FLOW = Flow(
    InspectionStatus, {InspectionStatus.DRAFT: {InspectionStatus.SUBMITTED}}, noun=_("An inspection")
)


class Inspection(LockedModel, TimeStampedModel):
    """An inspection. Once submitted it is read-only everywhere; a change is an amendment with a reason."""

    kind = models.CharField(_("kind"), max_length=16, choices=InspectionKind.choices, db_index=True)
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("contract")
    )
    site = optional_ref("logistics.Site", _("site"), on_delete=models.PROTECT, related_name="+")
    key_points = models.ManyToManyField(
        "logistics.KeyPoint", blank=True, related_name="+", verbose_name=_("key points visited")
    )
    template = optional_ref(
        ChecklistTemplate, _("checklist (version)"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="inspections", verbose_name=_("inspectors")
    )
    created_by = user_ref(_("created by"), optional=False)
    vendor_representative = models.CharField(_("vendor representative"), max_length=100, blank=True)
    departments = models.ManyToManyField(
        "logistics.Department", blank=True, related_name="+", verbose_name=_("specialist departments")
    )
    started_at = models.DateTimeField(_("started at"))
    inspected_on = models.DateField(_("date"), db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT, db_index=True
    )
    awarded_points = models.DecimalField(_("points awarded"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(_("points possible"), max_digits=8, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    idempotency_key = models.UUIDField(_("idempotency key"), null=True, blank=True, unique=True)
    # external regulator results
    regulator = models.CharField(_("regulator"), max_length=200, blank=True)
    external_result = models.CharField(_("regulator's conclusion"), max_length=300, blank=True)
    document = private_file("external", _("document"), blank=True)
    amendment_count = models.PositiveSmallIntegerField(_("amendments"), default=0)
    number = models.PositiveIntegerField(
        _("number"),
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("Given at submission (JC-000123): a draft started and abandoned leaves no gap."),
    )

    history = HistoricalRecords(m2m_fields=[inspectors])

    LOCK_FIELD = "status"
    LOCKED_VALUES = (InspectionStatus.SUBMITTED,)
    LOCKED_MESSAGE = _("A submitted inspection is read-only; amend it with a reason.")
    LOCKED_DELETE_MESSAGE = _("A submitted inspection cannot be deleted.")

    class Meta:
        ordering = ["-inspected_on", "-started_at"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            check("score_range", Q(score__isnull=True) | Q(score__gte=0, score__lte=100)),
            check("submitted_dated", Q(status=InspectionStatus.DRAFT) | Q(submitted_at__isnull=False)),
            check(
                "points_within_max",
                Q(awarded_points__isnull=True)
                | Q(max_points__isnull=True)
                | Q(awarded_points__gte=0, awarded_points__lte=models.F("max_points")),
            ),
            check("max_points_not_negative", Q(max_points__isnull=True) | Q(max_points__gte=0)),
            choice_check("status", InspectionStatus),
            choice_check("kind", InspectionKind),
        ]
        indexes = [
            models.Index(
                fields=["contract", "kind", "inspected_on"],
                name="inspections_quarter_lookup",
                condition=Q(status=InspectionStatus.SUBMITTED),
            ),
            # the lists' order, newest first (read backwards): a page of 500,000 inspections without a sort
            models.Index(fields=["inspected_on", "id"], name="inspections_by_date"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"

    @property
    def reference(self) -> str:
        """JC-000123 once submitted (its number); a draft has none yet."""
        if self.number:
            return f"JC-{self.number:06d}"
        if self.pk and self.status == InspectionStatus.SUBMITTED:  # written without a number (bulk loads)
            return f"JC-{self.pk:06d}"
        return str(_("draft %(id)s") % {"id": self.pk or "—"})

    @property
    def is_submitted(self) -> bool:
        return self.status == InspectionStatus.SUBMITTED


class InspectionRecord(LockedModel):
    """A row of an inspection (a result, a signature, a photo): read-only once the inspection is submitted."""

    LOCK_FIELD = "inspection__status"
    LOCKED_VALUES = (InspectionStatus.SUBMITTED,)
    LOCKED_MESSAGE = _("A submitted inspection is read-only; amend it with a reason.")

    class Meta:
        abstract = True


class ItemResult(InspectionRecord):
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="results", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="results", verbose_name=_("checklist item")
    )
    result = models.CharField(_("result"), max_length=8, choices=ItemResultChoice.choices)
    points = models.DecimalField(_("points (partial)"), max_digits=6, decimal_places=2, null=True, blank=True)
    awarded = models.DecimalField(_("points awarded"), max_digits=6, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    reading = models.DecimalField(_("reading"), max_digits=12, decimal_places=3, null=True, blank=True)
    post_check = models.JSONField(
        _("post check"),
        null=True,
        blank=True,
        help_text=_("Who was found at work on the post, as recorded at the inspection (names kept as they were)."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "item__sort_order", "item__code"]
        verbose_name = _("item result")
        verbose_name_plural = _("item results")
        constraints = [
            unique("one_per_item", "inspection", "item"),
            check("partial_has_points", ~Q(result=ItemResultChoice.PARTIAL) | Q(points__isnull=False, points__gte=0)),
            check(
                "points_not_negative",
                (Q(points__isnull=True) | Q(points__gte=0)) & (Q(awarded__isnull=True) | Q(awarded__gte=0)),
            ),
            choice_check("result", ItemResultChoice),
        ]
        indexes = [
            models.Index(fields=["result"], name="inspections_failed_items", condition=Q(result=ItemResultChoice.FAIL)),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.item_id}: {self.result}"

    @property
    def problem_text(self) -> str:
        """What a rectification order opened by this failed item says: the item, its reading, the note."""
        parts = [self.item.text, self.reading_text, self.post_check_text, self.note]
        return "：".join(part for part in parts if part)

    @property
    def post_check_text(self) -> str:
        """ "保安员（白班）：在岗 1 人，应在岗 2 人；陈刚缺少有效的保安员证" for a post check; "" otherwise."""
        from inspections.calculations import post_check_text

        return post_check_text(self.post_check)

    @property
    def reading_plain(self) -> str:
        """The reading as typed ("4.5"), or ""."""
        return "" if self.reading is None else plain_number(self.reading)

    @property
    def reading_text(self) -> str:
        """ "12 °C (allowed 0–8 °C)" for a reading; "" otherwise (the item must be loaded)."""
        if self.reading is None:
            return ""
        unit = f" {self.item.unit}" if self.item.unit else ""
        return _("%(value)s (allowed %(range)s)") % {
            "value": f"{plain_number(self.reading)}{unit}",
            "range": self.item.allowed_range,
        }


class InspectionSignature(InspectionRecord):
    """A signature drawn on the tablet for a signature item: the inspector's, or the vendor representative's
    co-signature at a joint inspection. Stored as an image with the inspection; one per item."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("checklist item")
    )
    signer_name = models.CharField(_("name of the signer"), max_length=100)
    image = models.ImageField(_("signature"), storage=private_storage, upload_to=RandomName("signatures"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    uploaded_by = user_ref(_("uploaded by"), optional=False)

    class Meta:
        ordering = ["inspection", "item__sort_order"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            unique("one_per_item", "inspection", "item"),
            check("named", ~Q(signer_name="")),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} · {self.signer_name}"


class InspectionPhoto(InspectionRecord):
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="photos", verbose_name=_("inspection")
    )
    item = optional_ref(ChecklistItem, _("checklist item"), on_delete=models.PROTECT, related_name="+")
    image = models.ImageField(_("photo"), storage=private_storage, upload_to=RandomName("inspections"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = user_ref(_("uploaded by"), optional=False)

    class Meta:
        ordering = ["inspection", "uploaded_at"]
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        constraints = [
            unique("one_per_client_id", "inspection", "client_id", condition=~Q(client_id="")),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} · {self.image.name}"


class InspectionSignoff(models.Model):
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="signoffs", verbose_name=_("inspection")
    )
    user = user_ref(_("user"), optional=False)
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "signed_at"]
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        constraints = [
            unique("one_per_user", "inspection", "user"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} · {self.user_id}"


class InspectionAmendment(models.Model):
    """A change to a submitted inspection: old and new values, who, when and why. History keeps the rest."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("inspection")
    )
    reason = models.TextField(_("reason"))
    changes = models.JSONField(_("changes"), default=dict)
    score_before = models.DecimalField(_("score before"), max_digits=5, decimal_places=2, null=True, blank=True)
    score_after = models.DecimalField(_("score after"), max_digits=5, decimal_places=2, null=True, blank=True)
    amended_at = models.DateTimeField(_("amended at"), auto_now_add=True)
    amended_by = user_ref(_("amended by"), optional=False)

    class Meta:
        ordering = ["inspection", "amended_at"]
        verbose_name = _("inspection amendment")
        verbose_name_plural = _("inspection amendments")

    def __str__(self) -> str:
        return f"{self.inspection_id} · {self.amended_at:%Y-%m-%d}"
