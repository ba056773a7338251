"""Pages of the core app under the ``logistics`` namespace."""

from django.urls import path
from django.views.decorators.http import require_http_methods

from logistics import views, views_tenders, views_vendors

app_name = "logistics"
urlpatterns = [
    path("tenders/", views_tenders.tenders_public, name="tenders_public"),
    path("tenders/<int:pk>/", views_tenders.tender_public_detail, name="tender_detail"),
    path("tenders/<int:pk>/evaluate/", views_tenders.tender_evaluate, name="tender_evaluate"),
    path("vendor/", views_vendors.vendor_portal, name="vendor_portal"),
    path("inbox/", require_http_methods(["GET", "POST"])(views.inbox), name="inbox"),
    path("vendor/tenders/<int:pk>/bid/", views_tenders.bid_form, name="bid_form"),
    path("admission/<int:pk>/", views_vendors.admission_review, name="admission_review"),
]
