"""A list's filter labels follow the reader's language, even after something (the API schema) worked the labels
out in English on the filterset class."""

from __future__ import annotations

import pytest
from django.utils import translation

from inspections.filtersets import InspectionFilterSet, RectificationFilterSet

pytestmark = pytest.mark.django_db


def test_filter_labels_stay_in_the_readers_language(client_for, office_user):
    with translation.override("en"):  # as the English API schema does, on the class's own filters
        english = {name: str(f.label) for name, f in RectificationFilterSet.base_filters.items()}
        [str(f.label) for f in InspectionFilterSet.base_filters.values()]
    assert english["severity"] == "Severity" and english["status"] == "Status"
    html = client_for(office_user).get("/rectifications/").content.decode()
    assert '<label for="id_severity">严重程度</label>' in html
    assert ">Severity<" not in html and ">Status<" not in html
    assert ">Kind<" not in client_for(office_user).get("/inspections/").content.decode()
