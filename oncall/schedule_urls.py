"""Schedule pages, included in oncall/urls.py (namespace "oncall")."""

from django.urls import path

from oncall import schedule_views as views

urlpatterns = [
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
]
