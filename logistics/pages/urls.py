"""Pages of the core app under the ``logistics`` namespace."""

from django.urls import path
from django.views.decorators.http import require_http_methods

from logistics.pages import views

app_name = "logistics"
urlpatterns = [
    path("tenders/", views.tenders_public, name="tenders_public"),
    path("tenders/<int:pk>/", views.tender_public_detail, name="tender_detail"),
    path("tenders/<int:pk>/evaluate/", views.tender_evaluate, name="tender_evaluate"),
    path("vendor/", views.vendor_portal, name="vendor_portal"),
    path("inbox/", require_http_methods(["GET", "POST"])(views.inbox), name="inbox"),
    path("vendor/tenders/<int:pk>/bid/", views.bid_form, name="bid_form"),
    path("admission/<int:pk>/", views.admission_review, name="admission_review"),
]
