from django.urls import path
from rest_framework.routers import SimpleRouter

from inspections.api import views

router = SimpleRouter()
router.register("checklist-templates", views.ChecklistTemplateViewSet)
router.register("inspections", views.InspectionViewSet)
router.register("rectifications", views.RectificationViewSet)
router.register("complaints", views.ComplaintViewSet)
router.register("work-orders", views.WorkOrderViewSet)
router.register("callbacks", views.CallbackViewSet)

urlpatterns = [
    path("inspect/sync/", views.InspectionSyncView.as_view(), name="api-inspect-sync"),
    path("inspect/submit/", views.InspectionSubmitView.as_view(), name="api-inspect-submit"),
    path("inspect/photos/", views.InspectionPhotoView.as_view(), name="api-inspect-photos"),
    path("inspect/signatures/", views.InspectionSignatureView.as_view(), name="api-inspect-signatures"),
    *router.urls,
]
