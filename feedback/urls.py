from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("feedback/", views.month_page, name="month"),
    path("f/<str:token>/", views.answer, name="answer"),
]
