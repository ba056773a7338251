from django.urls import path
from rest_framework.routers import SimpleRouter

from logistics.api import views

router = SimpleRouter()
router.register("departments", views.DepartmentViewSet)
router.register("service-categories", views.ServiceCategoryViewSet)
router.register("sites", views.SiteViewSet)
router.register("key-points", views.KeyPointViewSet)
router.register("vendors", views.VendorViewSet)
router.register("certificate-types", views.CertificateTypeViewSet)
router.register("certificates", views.CertificateViewSet)
router.register("admission-reviews", views.AdmissionReviewViewSet)
router.register("tenders", views.TenderViewSet)
router.register("bids", views.BidViewSet)

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("certificates/expiring/", views.ExpiringCertificatesView.as_view(), name="api-certificates-expiring"),
    *router.urls,
]
