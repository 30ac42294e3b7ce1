"""Pages of drills under /o/<org>/drills/: the home (runs and scores over time), scenarios (list, editor, approve),
runs (create, the facilitator's live view, halt, the scorecard). Every member reads; admins write."""

from django.urls import path

from drills import views

app_name = "drills"

SCENARIO = "scenarios/<uuid:scenario_id>/"
RUN = "runs/<uuid:run_id>/"

urlpatterns = [
    path("", views.drills_home, name="home"),
]
