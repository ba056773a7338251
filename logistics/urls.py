"""The product's URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from logistics import files, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    path("files/<slug:kind>/<int:pk>/", files.download, name="download"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", views.JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # a person sets their own password from the link the office sends (logistics.services.users)
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(post_reset_login=False),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the split view serves its script from its own URL (?script=): no inline script under the CSP
    # the API's documentation and schema are for signed-in users (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"])
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")),
        name="api-docs",
    ),
    path("api/", include("logistics.api.urls")),
    path("", include("logistics.urls_pages")),
    path("", include("contracts.urls")),
    path("", include("inspections.urls")),
    path("", include("feedback.urls")),
    path("", include("scoring.urls_year")),
    path("api/", include("inspections.api.urls")),
    path("", include("scoring.urls")),
    path("api/", include("scoring.api.urls")),
    path("api/", include("contracts.api.urls")),
]

handler404 = "logistics.api.errors.not_found"  # JSON under /api/, the HTML page elsewhere
