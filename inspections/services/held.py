"""Posts held for review: what the public page's bot filter kept apart (``ComplaintForm.looks_automated``).

A held post (``Complaint.quarantined``) reaches nobody until the office reviews it: released, it becomes an
ordinary new complaint (its "received" event and notices, as ``complaint_submit`` gives a person's post);
discarded, it is deleted with its photos (the audit history keeps who discarded it and why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inspections.models import Complaint
from inspections.services.complaints import complaint_announce
from logistics.models import stamp
from logistics.policy import may

if TYPE_CHECKING:
    from logistics.models import User


def _held(complaint: Complaint, by: User) -> Complaint:
    """The held post, locked; refused to anyone but the office, and for a post that is not held."""
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("category").get(pk=complaint.pk)
    if not may(by, "complaint.review_held", complaint):
        raise ValidationError(_("Only the logistics office can review held posts."))
    if not complaint.quarantined:
        raise ValidationError(_("Only a post held for review can be released or discarded."))
    return complaint


@transaction.atomic
def complaint_release(*, complaint: Complaint, by: User) -> Complaint:
    """The post is a person's: it becomes a new complaint waiting for triage, announced like any other."""
    complaint = _held(complaint, by)
    complaint.quarantined = False
    stamp(complaint, by=by, reason="released from the held posts")
    complaint.save(update_fields=["quarantined", "updated_at"])
    complaint_announce(complaint=complaint)
    return complaint


@transaction.atomic
def complaint_discard(*, complaint: Complaint, reason: str = "", by: User) -> None:
    """The post is a bot's (or junk): deleted with its photos, the files once the deletion is committed."""
    complaint = _held(complaint, by)
    files = [(photo.image.storage, photo.image.name) for photo in complaint.photos.all()]
    stamp(complaint, by=by, reason=reason.strip()[:100] or "held post discarded")
    complaint.delete()  # its photos' and events' rows go with it (CASCADE)

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
