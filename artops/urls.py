from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from trains import account

from . import sso, views
from .csp_report import csp_report

# The admin speaks the product's name, not Django's (its default header is "Django administration").
admin.site.site_header = admin.site.site_title = "ARTops administration"
admin.site.index_title = "Trains, plans and risks"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("search/", views.search_page, name="search"),
    path("login/", sso.LoginView.as_view(), name="login"),
    # Single sign-on with the company's OpenID Connect provider (artops/sso.py); 404 while it is off.
    path("login/sso/", sso.SignOnStartView.as_view(), name="sso-start"),
    path("login/sso/callback/", sso.SignOnCallbackView.as_view(), name="sso-callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("csp-report/", csp_report, name="csp-report"),
    path("admin/", admin.site.urls),
    path("account/tokens/", account.tokens, name="account-tokens"),
    path("account/tokens/<id:token_id>/revoke/", account.token_revoke, name="account-token-revoke"),
    # Comments under a train's items and each person's inbox (trains/conversation).
    path("", include("trains.conversation.urls")),
    path("trains/", include("trains.urls")),
    # Each app's screens hang under the train they belong to: /trains/<slug>/...
    path("trains/<slug:slug>/", include("planning.urls")),
    path("trains/<slug:slug>/", include("risks.urls")),
    path("trains/<slug:slug>/", include("metrics.urls")),
    # The RTE's download of the whole train's backup (artops/backup; restoring is manage.py's).
    path("trains/<slug:slug>/", include("artops.backup.urls")),
    # The REST API: each app serves its own resources under the train they belong to.
    path("api/v1/", include("trains.api.urls")),
    path("api/v1/trains/<slug:slug>/", include("planning.api.urls")),
    path("api/v1/trains/<slug:slug>/", include("risks.api.urls")),
    path("api/v1/trains/<slug:slug>/", include("metrics.api.urls")),
    path("api/v1/trains/<slug:slug>/", include("artops.backup.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[]), name="api-schema"),
    # Swagger UI's start-up script is served as a file of its own (the split view), not inline: the
    # Content Security Policy allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[]),
        name="api-docs",
    ),
    # Redoc writes its styles into <style> elements as it renders and runs its search in a worker it
    # builds from its own bundle (a blob: URL): both allowed on its page; its scripts stay strict. Its
    # "API docs by Redocly" logo from their CDN stays blocked: the documentation loads nothing from outside.
    path(
        "api/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", permission_classes=[])
        ),
        name="api-redoc",
    ),
]

# An unknown URL under /api/ (an id that is no number) answers in the API's error shape.
handler404 = "artops.views.not_found"
