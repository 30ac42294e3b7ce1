"""The analytics pages under /o/<org>/analytics/ (namespace "analytics"), included by config/urls.py."""

from django.urls import path

from retros.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.analytics_dashboard, name="analytics-dashboard"),
    # One named URL per CSV (no URL argument): analytics:analytics-export-weekly -> export/weekly.csv
    *(
        path(f"export/{chart}.csv", views.analytics_export, {"chart": chart}, name=f"analytics-export-{chart}")
        for chart in views.CSV_CHARTS
    ),
]
