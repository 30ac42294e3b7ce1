"""The dashboard's filter form: the same parameters as the API (since, until, severity, service, team,
incident_type, include_drills), plus which breakdown and statistic the page shows."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.fields import BoundedDateField
from orgs.models import Organization
from orgs.web import form_add_validation_error
from retros.analytics.filters import AnalyticsFilters, analytics_filters_resolve
from retros.analytics.selectors import BREAKDOWNS

STAT_CHOICES = [("median", "Median"), ("mean", "Mean"), ("p90", "90th percentile")]


class DateInput(forms.DateInput):
    input_type = "date"


class AnalyticsFilterForm(forms.Form):
    since = BoundedDateField(required=False, label="From", widget=DateInput)
    until = BoundedDateField(required=False, label="To", widget=DateInput)
    severity = forms.CharField(required=False, max_length=32)
    service = forms.CharField(required=False, max_length=63)
    team = forms.CharField(required=False, max_length=50)
    incident_type = forms.CharField(required=False, max_length=64)
    include_drills = forms.BooleanField(required=False, label="Include drills")
    by = forms.ChoiceField(required=False, choices=list(BREAKDOWNS.items()))
    stat = forms.ChoiceField(required=False, choices=STAT_CHOICES)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.analytics_filters: AnalyticsFilters | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.analytics_filters = analytics_filters_resolve(
                organization=self.organization,
                since=data.get("since"),
                until=data.get("until"),
                severity=data.get("severity") or "",
                service=data.get("service") or "",
                team=data.get("team") or "",
                incident_type=data.get("incident_type") or "",
                include_drills=bool(data.get("include_drills")),
            )
        except ValidationError as exc:
            form_add_validation_error(self, exc)
        return data

    @property
    def breakdown_value(self) -> str:
        return (self.cleaned_data.get("by") if self.is_valid() else "") or "severity"

    @property
    def stat_value(self) -> str:
        return (self.cleaned_data.get("stat") if self.is_valid() else "") or "median"
