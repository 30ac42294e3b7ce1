"""Pages of outbound webhooks under /o/<org>/webhooks/ (config/urls.py)."""

from django.urls import path

from workflows.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint-list"),
    path("new/", views.endpoint_create, name="endpoint-create"),
    path("<uuid:uuid>/", views.endpoint_detail, name="endpoint-detail"),
    path("<uuid:uuid>/secret/", views.endpoint_secret, name="endpoint-secret"),
    path("<uuid:uuid>/edit/", views.endpoint_update, name="endpoint-update"),
    path("<uuid:uuid>/delete/", views.endpoint_delete, name="endpoint-delete"),
    path("<uuid:uuid>/rotate-secret/", views.endpoint_rotate, name="endpoint-rotate"),
    path("<uuid:uuid>/test/", views.endpoint_test, name="endpoint-test"),
    path("deliveries/<uuid:uuid>/", views.delivery_detail, name="delivery-detail"),
    path("deliveries/<uuid:uuid>/replay/", views.delivery_replay, name="delivery-replay"),
]
