from rest_framework.routers import SimpleRouter

from scoring.api import views

router = SimpleRouter()
router.register("evaluations", views.EvaluationViewSet)
router.register("evaluation-schemes", views.SchemeViewSet)
urlpatterns = router.urls
