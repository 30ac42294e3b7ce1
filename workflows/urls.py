"""Pages of workflows under /o/<org>/workflows/: the list, the editor (with live validation), the dry run, the run
log and a run's page. Every member reads; admins write (docs/workflows.md, "Pages")."""

from django.urls import path

from workflows import views

app_name = "workflows"

WORKFLOW = "<uuid:workflow_id>/"
RUN = "runs/<uuid:run_id>/"

urlpatterns = [
    path("", views.workflow_list, name="list"),
    path("new/", views.workflow_create, name="create"),
    path("validate/", views.workflow_validate, name="validate"),
    path(WORKFLOW, views.workflow_detail, name="detail"),
    path(WORKFLOW + "validate/", views.workflow_validate, name="detail-validate"),
    path(WORKFLOW + "enabled/", views.workflow_toggle, name="toggle"),
    path(WORKFLOW + "dry-run/", views.workflow_dry_run, name="dry-run"),
    path(WORKFLOW + "runs/", views.run_list, name="runs"),
    path(WORKFLOW + "delete/", views.workflow_delete, name="delete"),
    path(RUN, views.run_detail, name="run"),
    path(RUN + "cancel/", views.run_cancel, name="run-cancel"),
]
