"""Public calendar feeds, outside /o/: a calendar app fetches them with the member's secret in the URL and no
sign-in. Included by config/urls.py as `path("calendar/", include("oncall.feed_urls"))`."""

from django.urls import path

from oncall import schedule_views as views

app_name = "oncall_feeds"

urlpatterns = [
    path("<str:token>/on-call.ics", views.user_feed, name="user-feed"),
    path("<str:token>/schedules/<uuid:uuid>.ics", views.schedule_feed, name="schedule-feed"),
]
