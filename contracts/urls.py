from django.urls import path

from contracts import views, views_payments, views_staffing

app_name = "contracts"
urlpatterns = [
    path("contracts/<int:pk>/", views.contract_detail, name="detail"),
    path("contracts/<int:pk>/amend/", views.contract_amend, name="amend"),
    path("contracts/<int:pk>/renew/", views.contract_renew, name="renew"),
    path("contracts/renewals/", views.renewal_list, name="renewals"),
    path("payments/", views_payments.payment_list, name="payments"),
    path("payments/requests/<int:pk>/", views_payments.payment_request_detail, name="payment_request"),
    path("contracts/<int:pk>/warnings/", views.warning_issue, name="warning_issue"),
    path("warnings/<int:pk>/withdraw/", views.warning_withdraw, name="warning_withdraw"),
    path("notices/", views.notice_list, name="notices"),
    path("vendor/roster/", views_staffing.roster, name="roster"),
    path("contracts/<int:pk>/staffing-sheet/", views_staffing.staffing_sheet, name="staffing_sheet"),
    path("notices/<int:pk>/acknowledge/", views.notice_acknowledge, name="notice_acknowledge"),
]
