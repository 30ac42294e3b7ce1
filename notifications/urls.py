from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.my_notifications, name="my-notifications"),
    path("<uuid:uuid>/retry/", views.notification_retry, name="notification-retry"),
    path("settings/", views.notification_settings, name="notification-settings"),
    path("settings/methods/new/", views.contact_method_create, name="contact-method-create"),
    path("settings/methods/<uuid:uuid>/secret/", views.contact_method_secret, name="contact-method-secret"),
    path("settings/methods/<uuid:uuid>/verify/", views.contact_method_verify, name="contact-method-verify"),
    path(
        "settings/methods/<uuid:uuid>/send-verification/",
        views.contact_method_send_verification,
        name="contact-method-send-verification",
    ),
    path("settings/methods/<uuid:uuid>/test/", views.contact_method_test, name="contact-method-test"),
    path("settings/methods/<uuid:uuid>/delete/", views.contact_method_delete, name="contact-method-delete"),
    path("settings/rules/new/", views.notification_rule_create, name="notification-rule-create"),
    path("settings/rules/<uuid:uuid>/delete/", views.notification_rule_delete, name="notification-rule-delete"),
]
