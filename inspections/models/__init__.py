"""Models of the inspections app: each module holds one area and names what it exports in ``__all__``."""

from inspections.models.complaints import *  # noqa: F403
from inspections.models.desk import *  # noqa: F403
from inspections.models.inspections import *  # noqa: F403
from inspections.models.plans import *  # noqa: F403
from inspections.models.rectifications import *  # noqa: F403
from inspections.models.surveys import *  # noqa: F403
