from django.urls import path

from alerting import views

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
    path("integrations/", views.integration_list, name="integration-list"),
    path("integrations/new/", views.integration_create, name="integration-create"),
    path("integrations/preview/", views.integration_preview, name="integration-preview"),
    path("integrations/<uuid:uuid>/key/", views.integration_key, name="integration-key"),
    path("integrations/<uuid:uuid>/edit/", views.integration_update, name="integration-update"),
    path(
        "integrations/<uuid:uuid>/regenerate/",
        views.integration_regenerate,
        name="integration-regenerate",
    ),
    path("integrations/<uuid:uuid>/delete/", views.integration_delete, name="integration-delete"),
]
