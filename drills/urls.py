"""Pages of drills under /o/<org>/drills/: the home (runs and scores over time), scenarios (list, editor, approve,
delete), runs (create, the facilitator's live view, start, halt, finish, cancel, review, the scorecard). Every
member reads; admins write (the run's facilitator also halts, finishes and reviews it)."""

from django.urls import path

from drills import views

app_name = "drills"

SCENARIO = "scenarios/<uuid:scenario_id>/"
RUN = "runs/<uuid:run_id>/"

urlpatterns = [
    path("", views.drills_home, name="home"),
    path("scenarios/", views.scenario_list, name="scenarios"),
    path("scenarios/new/", views.scenario_create, name="scenario-create"),
    path(SCENARIO, views.scenario_detail, name="scenario"),
    path(SCENARIO + "approve/", views.scenario_approve, name="scenario-approve"),
    path(SCENARIO + "delete/", views.scenario_delete, name="scenario-delete"),
    path("runs/new/", views.run_create, name="run-create"),
    path(RUN, views.run_detail, name="run"),
    path(RUN + "start/", views.run_start, name="run-start"),
    path(RUN + "halt/", views.run_halt, name="run-halt"),
    path(RUN + "finish/", views.run_finish, name="run-finish"),
    path(RUN + "cancel/", views.run_cancel, name="run-cancel"),
    path(RUN + "review/", views.run_review, name="run-review"),
    path(RUN + "scorecard/", views.run_scorecard_page, name="run-scorecard"),
]
