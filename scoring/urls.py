from django.urls import path

from scoring import views, views_monthly, views_reports

app_name = "scoring"
urlpatterns = [
    path("evaluation/", views.overview_default, name="overview"),
    path("evaluation/<str:quarter>/", views.overview, name="overview_quarter"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("reports/", views_reports.dashboard, name="reports"),
    path("reports/contract/<int:pk>.pdf", views_reports.contract_report, name="contract_report"),
    path("reports/summary/<str:quarter>.pdf", views_reports.summary_report, name="summary_report"),
    path("reports/status/<int:pk>/", views_reports.report_status, name="report_status"),
    path("reports/retry/<int:pk>/", views_reports.retry_report, name="retry_report"),
    path("reports/export/<str:quarter>.xlsx", views_reports.export_quarter, name="export_quarter"),
    path("reports/monthly/", views_monthly.monthly_page, name="monthly_reports"),
    path("reports/monthly/<int:pk>/", views_monthly.monthly_report, name="monthly_report"),
]
