from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from oncall import urls as oncall_urls
from orgs import views as orgs_views


@login_not_required
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon (resolved per request, so
    URL loading never needs the static manifest)."""
    return HttpResponseRedirect(static("img/favicon.svg"))


urlpatterns = [
    path("", orgs_views.home, name="home"),
    path("healthz", orgs_views.healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("readyz", orgs_views.readyz, name="readyz"),
    path("accounts/", include("orgs.account_urls")),
    path("invitations/<str:token>/", orgs_views.invitation_accept, name="invitation-accept"),
    path("orgs/new/", orgs_views.organization_create, name="organization-create"),
    path("o/<slug:org_slug>/", include("orgs.urls")),
    path("o/<slug:org_slug>/services/", include("services.urls")),
    path("o/<slug:org_slug>/incidents/", include("incidents.urls")),
    path("o/<slug:org_slug>/alerts/", include("alerting.urls")),
    path("o/<slug:org_slug>/on-call/", include("oncall.urls")),
    path("o/<slug:org_slug>/notifications/", include("notifications.urls")),
    path("o/<slug:org_slug>/follow-ups/", include("ticketing.urls")),
    path("o/<slug:org_slug>/retros/", include("retros.urls")),
    path("o/<slug:org_slug>/status-pages/", include("statuspage.urls")),
    path("o/<slug:org_slug>/stakeholders/", include("statuspage.stakeholders.urls")),
    path("o/<slug:org_slug>/analytics/", include("retros.analytics.urls")),
    path("o/<slug:org_slug>/workflows/", include("workflows.urls")),
    path("o/<slug:org_slug>/webhooks/", include("workflows.webhooks.urls")),
    path("o/<slug:org_slug>/drills/", include("drills.urls")),
    path("api/v1/", include("config.api_urls")),
    path("status/", include("statuspage.public.urls")),
    path("integrations/", include("alerting.inbound.urls")),
    path("calendar/", include((oncall_urls.feed_urlpatterns, "oncall_feeds"))),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    # Split: Swagger UI's start script is served as a script of its own (?script), as the CSP allows no inline one.
    path(
        "api/docs/",
        login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]

handler404 = "orgs.views.not_found"
