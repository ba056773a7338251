"""Models of the core domain app. Each module holds one area and names what it exports (``__all__``); everything
is re-exported here."""

from logistics.models import admission, base, documents, notifications, outbox, reference, tenders, users, vendors
from logistics.models.admission import *
from logistics.models.base import *
from logistics.models.documents import *
from logistics.models.notifications import *
from logistics.models.outbox import *
from logistics.models.reference import *
from logistics.models.tenders import *
from logistics.models.users import *
from logistics.models.vendors import *

__all__ = [
    *admission.__all__,
    *base.__all__,
    *documents.__all__,
    *notifications.__all__,
    *outbox.__all__,
    *reference.__all__,
    *tenders.__all__,
    *users.__all__,
    *vendors.__all__,
]
