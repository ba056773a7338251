"""The half-year and annual appraisal pages."""

from django.urls import path  # noqa: F401

app_name = "appraisal"
urlpatterns: list = []
