"""Public status-page routes, under /status/ (docs/statuspage.md, "URL scheme"):

    /status/<org-slug>/                      the org's default page (history/, history.atom, incidents/<uuid>/, logo,
                                             api/v2/*.json under it)
    /status/<org-slug>/<page-slug>/          any other page of the org, with the same routes under it

Names end in "-other" for the second form. The subscriber pages come first (statuspage/subscribing/urls.py), so
their path words, like the default page's, are not usable as page slugs (rules.RESERVED_PAGE_SLUGS).
"""

from django.urls import URLPattern, URLResolver, include, path

from statuspage.public import views

app_name = "statuspage_public"

API_ROUTES = (
    ("summary.json", "summary"),
    ("status.json", "status"),
    ("components.json", "components"),
    ("incidents.json", "incidents"),
    ("incidents/unresolved.json", "incidents-unresolved"),
    ("scheduled-maintenances.json", "maintenances"),
    ("scheduled-maintenances/upcoming.json", "maintenances-upcoming"),
    ("scheduled-maintenances/active.json", "maintenances-active"),
)


def page_routes(suffix: str = "") -> list[URLPattern]:
    return [
        path("", views.page, name=f"page{suffix}"),
        path("history/", views.history, name=f"history{suffix}"),
        path("history.atom", views.feed, name=f"feed{suffix}"),
        path("incidents/<uuid:uuid>/", views.incident, name=f"incident{suffix}"),
        path("logo", views.logo, name=f"logo{suffix}"),
        *(path(f"api/v2/{route}", views.api, {"kind": kind}, name=f"api-{kind}{suffix}") for route, kind in API_ROUTES),
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:org_slug>/", include("statuspage.subscribing.urls")),
    path("<slug:org_slug>/", include(page_routes())),
    path("<slug:org_slug>/<slug:page_slug>/", include(page_routes("-other"))),
]
