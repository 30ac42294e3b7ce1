"""Pages of workflows under /o/<org>/workflows/ (filled in by the pages work)."""

app_name = "workflows"
urlpatterns: list = []
