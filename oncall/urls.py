"""URLs of the oncall app.

`urlpatterns`: its pages under /o/<org>/on-call/ (namespace "oncall"): schedules, escalation policies, manual
paging, my on-call. `feed_urlpatterns`: the public calendar feeds, outside /o/ (namespace "oncall_feeds"): a
calendar app fetches them with the member's secret in the URL and no sign-in; config/urls.py includes them as
`path("calendar/", include((oncall_urls.feed_urlpatterns, "oncall_feeds")))`.
"""

from django.urls import path

from oncall import views

app_name = "oncall"

urlpatterns = [
    # schedules
    path("schedules/", views.schedule_list, name="schedule-list"),
    path("schedules/new/", views.schedule_create, name="schedule-create"),
    path("me/", views.my_oncall, name="my-oncall"),
    path("me/calendar-link/", views.my_oncall_feed, name="my-oncall-feed"),
    path("schedules/<slug:slug>/", views.schedule_detail, name="schedule-detail"),
    path("schedules/<slug:slug>/edit/", views.schedule_update, name="schedule-update"),
    path("schedules/<slug:slug>/delete/", views.schedule_delete, name="schedule-delete"),
    path("schedules/<slug:slug>/calendar.ics", views.schedule_calendar, name="schedule-calendar"),
    path("schedules/<slug:slug>/layers/new/", views.layer_create, name="layer-create"),
    path("schedules/<slug:slug>/layers/<uuid:uuid>/edit/", views.layer_update, name="layer-update"),
    path("schedules/<slug:slug>/layers/<uuid:uuid>/delete/", views.layer_delete, name="layer-delete"),
    path("schedules/<slug:slug>/layers/<uuid:uuid>/move/", views.layer_move, name="layer-move"),
    path("schedules/<slug:slug>/overrides/new/", views.override_create, name="override-create"),
    path("schedules/<slug:slug>/overrides/<uuid:uuid>/delete/", views.override_delete, name="override-delete"),
    # escalation policies and manual paging
    path("policies/", views.policy_list, name="policy-list"),
    path("policies/new/", views.policy_create, name="policy-create"),
    path("policies/<slug:slug>/", views.policy_detail, name="policy-detail"),
    path("policies/<slug:slug>/edit/", views.policy_update, name="policy-update"),
    path("policies/<slug:slug>/delete/", views.policy_delete, name="policy-delete"),
    path("incidents/<int:number>/page/", views.incident_page, name="incident-page"),
]

feed_urlpatterns = [
    path("<str:token>/on-call.ics", views.user_feed, name="user-feed"),
    path("<str:token>/schedules/<uuid:uuid>.ics", views.schedule_feed, name="schedule-feed"),
]
