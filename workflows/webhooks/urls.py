"""Pages of outbound webhooks under /o/<org>/webhooks/ (filled in by the outbound webhooks work)."""

app_name = "webhooks"
urlpatterns: list = []
