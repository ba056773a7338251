"""The half-year and annual appraisal pages."""

from django.urls import path

from scoring import views_year

app_name = "appraisal"
urlpatterns = [
    path("appraisals/", views_year.appraisal_list, name="list"),
    path("appraisals/<int:year>/", views_year.appraisal_detail, name="year"),
    path("appraisals/<int:year>/h<int:half>/", views_year.appraisal_detail, name="half"),
    path("appraisals/<int:year>/pdf/", views_year.appraisal_pdf, name="pdf"),
    path("appraisals/<int:year>/h<int:half>/pdf/", views_year.appraisal_pdf, name="pdf_half"),
]
