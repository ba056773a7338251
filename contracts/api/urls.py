from rest_framework.routers import SimpleRouter

from contracts.api import views

router = SimpleRouter()
router.register("contracts", views.ContractViewSet)
router.register("clauses", views.ClauseViewSet)
router.register("settlements", views.SettlementViewSet)
router.register("ledger-lines", views.LedgerLineViewSet)
router.register("warnings", views.FormalWarningViewSet)

urlpatterns = router.urls
