"""Stakeholder updates' pages, under /o/<org_slug>/stakeholders/ (config/urls.py)."""

from django.urls import path

from statuspage.stakeholders import views

app_name = "stakeholders"

urlpatterns = [
    path("", views.stakeholder_settings, name="settings"),
    path("audiences/new/", views.audience_create, name="audience-create"),
    path("audiences/<uuid:uuid>/edit/", views.audience_update, name="audience-update"),
    path("audiences/<uuid:uuid>/delete/", views.audience_delete, name="audience-delete"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<uuid:uuid>/edit/", views.template_update, name="template-update"),
    path("templates/<uuid:uuid>/delete/", views.template_delete, name="template-delete"),
    path("incidents/<int:number>/send/", views.stakeholder_update_send, name="send"),
]
