"""Admin pages of status pages, under /o/<org_slug>/status-pages/ (the public pages are statuspage.public.urls)."""

from django.urls import path

from statuspage import views

app_name = "statuspage"

PAGE = "<slug:page_slug>/"
COMPONENT = PAGE + "components/<str:uuid>/"
GROUP = PAGE + "groups/<str:uuid>/"
MAINTENANCE = PAGE + "maintenance/<str:uuid>/"

urlpatterns = [
    path("", views.status_page_list, name="status-page-list"),
    path("new/", views.status_page_create, name="status-page-create"),
    path(PAGE, views.status_page_detail, name="status-page-detail"),
    path(PAGE + "settings/", views.status_page_update, name="status-page-update"),
    path(PAGE + "delete/", views.status_page_delete, name="status-page-delete"),
    path(PAGE + "logo/", views.status_page_logo, name="status-page-logo"),
    path(PAGE + "groups/new/", views.component_group_create, name="component-group-create"),
    path(GROUP + "edit/", views.component_group_update, name="component-group-update"),
    path(GROUP + "move/", views.component_group_move, name="component-group-move"),
    path(GROUP + "delete/", views.component_group_delete, name="component-group-delete"),
    path(PAGE + "components/new/", views.component_create, name="component-create"),
    path(COMPONENT + "edit/", views.component_update, name="component-update"),
    path(COMPONENT + "move/", views.component_move, name="component-move"),
    path(COMPONENT + "status/", views.component_override, name="component-override"),
    path(COMPONENT + "delete/", views.component_delete, name="component-delete"),
    path(PAGE + "maintenance/", views.maintenance_list, name="maintenance-list"),
    path(PAGE + "maintenance/new/", views.maintenance_create, name="maintenance-create"),
    path(MAINTENANCE, views.maintenance_detail, name="maintenance-detail"),
    path(MAINTENANCE + "edit/", views.maintenance_update, name="maintenance-update"),
    path(MAINTENANCE + "transition/", views.maintenance_transition, name="maintenance-transition"),
    path(MAINTENANCE + "updates/", views.maintenance_post, name="maintenance-post"),
    path(MAINTENANCE + "delete/", views.maintenance_delete, name="maintenance-delete"),
    path(PAGE + "incidents/", views.public_incident_list, name="public-incident-list"),
    path(PAGE + "incidents/<str:uuid>/edit/", views.public_incident_update, name="public-incident-update"),
    path(PAGE + "subscribers/", views.subscriber_list, name="subscriber-list"),
    path(PAGE + "subscribers/<str:uuid>/remove/", views.subscriber_remove, name="subscriber-remove"),
]
