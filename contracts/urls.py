from django.urls import path

from contracts import views

app_name = "contracts"
urlpatterns = [
    path("contracts/<int:pk>/", views.contract_detail, name="detail"),
    path("contracts/<int:pk>/amend/", views.contract_amend, name="amend"),
]
