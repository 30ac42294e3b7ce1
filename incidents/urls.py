from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="incident-list"),
    path("declare/", views.incident_create, name="incident-create"),
    path("<int:number>/", views.incident_detail, name="incident-detail"),
    path("<int:number>/edit/", views.incident_update, name="incident-update"),
    path("<int:number>/transition/", views.incident_transition, name="incident-transition"),
    path("<int:number>/merge/", views.incident_merge, name="incident-merge"),
    path("<int:number>/severity/", views.incident_severity, name="incident-severity"),
    path("<int:number>/milestones/", views.incident_milestones, name="incident-milestones"),
    path("<int:number>/roles/assign/", views.incident_role_assign, name="incident-role-assign"),
    path("<int:number>/roles/release/", views.incident_role_release, name="incident-role-release"),
    path("<int:number>/tasks/", views.incident_task_add, name="incident-task-add"),
    path("<int:number>/tasks/<uuid:uuid>/toggle/", views.incident_task_toggle, name="incident-task-toggle"),
    path("<int:number>/notes/", views.incident_note_add, name="incident-note-add"),
    path("<int:number>/updates/", views.incident_status_update, name="incident-status-update"),
    path("<int:number>/timeline/<int:event_id>/pin/", views.incident_event_pin, name="incident-event-pin"),
    path("<int:number>/blast-radius/<slug:slug>/page/", views.incident_page_dependent, name="incident-page-dependent"),
    # settings: severities, roles and incident types of the org
    path("settings/", views.incident_settings, name="incident-settings"),
    path("settings/severities/new/", views.severity_create, name="severity-create"),
    path("settings/severities/<str:name>/edit/", views.severity_update, name="severity-update"),
    path("settings/severities/<str:name>/delete/", views.severity_delete, name="severity-delete"),
    path("settings/roles/new/", views.incident_role_create, name="incident-role-create"),
    path("settings/roles/<slug:slug>/edit/", views.incident_role_update, name="incident-role-update"),
    path("settings/roles/<slug:slug>/delete/", views.incident_role_delete, name="incident-role-delete"),
    path("settings/types/new/", views.incident_type_create, name="incident-type-create"),
    path("settings/types/<slug:slug>/edit/", views.incident_type_update, name="incident-type-update"),
    path("settings/types/<slug:slug>/delete/", views.incident_type_delete, name="incident-type-delete"),
]
