"""Inbound endpoints under /integrations/. A trailing slash is optional: a monitoring tool cannot follow
the redirect APPEND_SLASH would send for a POST."""

from django.urls import path, re_path

from alerting.inbound import views

app_name = "inbound"

urlpatterns = [
    path("healthz", views.inbound_healthz, name="healthz"),
    path("pagerduty/v2/enqueue", views.pagerduty_enqueue, name="pagerduty-enqueue"),
    path("pagerduty/v2/change/enqueue", views.pagerduty_change_enqueue, name="pagerduty-change-enqueue"),
    re_path(r"^alertmanager/(?P<key>[^/]+)/?$", views.alertmanager_receive, name="alertmanager"),
    re_path(r"^grafana/(?P<key>[^/]+)/?$", views.grafana_receive, name="grafana"),
    re_path(r"^webhook/(?P<key>[^/]+)/?$", views.webhook_receive, name="webhook"),
]
