from rest_framework.routers import SimpleRouter

from scoring.api import views

router = SimpleRouter()
router.register("evaluations", views.EvaluationViewSet)
router.register("evaluation-schemes", views.SchemeViewSet)
router.register("objections", views.ObjectionViewSet)
urlpatterns = router.urls
