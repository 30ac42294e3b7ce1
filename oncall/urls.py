"""Pages of the oncall app under /o/<org>/on-call/: schedules, escalation policies, my on-call."""

from oncall import policy_urls, schedule_urls

app_name = "oncall"

urlpatterns = [*schedule_urls.urlpatterns, *policy_urls.urlpatterns]
