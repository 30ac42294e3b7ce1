from django.urls import path

from alerting import integration_views, views

app_name = "alerting"

urlpatterns = [
    path("", views.alert_queue, name="alert-queue"),
    path("<uuid:uuid>/", views.alert_group_detail, name="alert-group-detail"),
    path("<uuid:uuid>/acknowledge/", views.alert_group_acknowledge, name="alert-group-acknowledge"),
    path("<uuid:uuid>/resolve/", views.alert_group_resolve, name="alert-group-resolve"),
    path("<uuid:uuid>/silence/", views.alert_group_silence, name="alert-group-silence"),
    path("<uuid:uuid>/merge/", views.alert_group_merge, name="alert-group-merge"),
    path("<uuid:uuid>/escalate/", views.alert_group_escalate, name="alert-group-escalate"),
    path("<uuid:uuid>/attach/", views.alert_group_attach, name="alert-group-attach"),
    path("integrations/", integration_views.integration_list, name="integration-list"),
    path("integrations/new/", integration_views.integration_create, name="integration-create"),
    path("integrations/preview/", integration_views.integration_preview, name="integration-preview"),
    path("integrations/<uuid:uuid>/key/", integration_views.integration_key, name="integration-key"),
    path("integrations/<uuid:uuid>/edit/", integration_views.integration_update, name="integration-update"),
    path(
        "integrations/<uuid:uuid>/regenerate/",
        integration_views.integration_regenerate,
        name="integration-regenerate",
    ),
    path("integrations/<uuid:uuid>/delete/", integration_views.integration_delete, name="integration-delete"),
]
