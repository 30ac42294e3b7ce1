"""Forms of the incident pages. Related objects are chosen by their public identifiers (service slug,
severity name, role slug, user uuid) from querysets of the request's org, so another org's ids are
plain "not a valid choice" errors."""

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils import timezone

from incidents import selectors
from incidents.models import MILESTONES, IncidentStatus, StatusUpdateVisibility, TimelineKind, allowed_transitions
from orgs import selectors as org_selectors
from orgs.models import Organization, User
from services import selectors as service_selectors

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
MILESTONE_LABELS = {
    "started_at": "Impact started",
    "detected_at": "Detected",
    "declared_at": "Declared",
    "acknowledged_at": "Acknowledged",
    "identified_at": "Cause identified",
    "mitigated_at": "Mitigated",
    "resolved_at": "Resolved",
    "closed_at": "Closed",
}
STATUS_FILTERS = [
    ("", "Any status"),
    ("open", "Open"),
    ("closed", "Closed"),
    *IncidentStatus.choices,
]
DRILL_FILTERS = [("", "Drills and real"), ("no", "Real only"), ("yes", "Drills only")]
SORTS = [("", "Open first"), ("newest", "Newest"), ("oldest", "Oldest"), ("severity", "Severity")]


class UTCDateTimeField(forms.DateTimeField):
    """A `datetime-local` input read and shown as UTC, whatever the server's or browser's time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 60}, format=DATETIME_LOCAL)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return timezone.localtime(value, UTC).strftime(DATETIME_LOCAL)
        return value

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(UTC):
            return super().to_python(value)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def member_field(organization: Organization, **kwargs: Any) -> MemberChoiceField:
    return MemberChoiceField(
        queryset=selectors.member_choices(organization=organization), to_field_name="uuid", **kwargs
    )


def service_queryset(organization: Organization) -> Any:
    return service_selectors.service_list(organization=organization).select_related(None).prefetch_related(None)


class SeverityRadio(forms.RadioSelect):
    option_template_name = "incidents/widgets/_severity_option.html"


class IncidentDeclareForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Checkout failing for EU customers", "autofocus": True}),
        help_text="What is broken, for whom. You can change it later.",
    )
    severity = forms.ModelChoiceField(
        queryset=None, to_field_name="name", empty_label=None, widget=SeverityRadio(attrs={"class": "severity-choices"})
    )
    services = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        label="Affected services",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list choice-grid choice-scroll"}),
        help_text="Their owners and runbooks show on the incident page.",
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="What we know so far."
    )
    customer_impact = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="Who is affected and how."
    )
    started_at = UTCDateTimeField(
        required=False,
        label="Impact started (UTC)",
        help_text="Leave empty if it started now. Used for time-to-detect and time-to-resolve.",
    )
    is_drill = forms.BooleanField(
        required=False,
        label="This is a drill",
        help_text="Practice only: marked DRILL everywhere, never counted in metrics, never posted to status pages. "
        "It cannot be changed afterwards.",
    )

    def __init__(self, *args: Any, organization: Organization, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        severities = selectors.severity_list(organization=organization)
        self.fields["severity"].queryset = severities
        default = next((s for s in severities if s.name == "SEV3"), None) or next(
            (s for s in severities if not s.is_major), None
        )
        self.fields["severity"].initial = default.name if default else None
        self.fields["services"].queryset = service_queryset(organization)
        self.fields["commander"] = member_field(
            organization,
            label="Incident Commander",
            initial=str(user.uuid),
            required=False,
            empty_label=None,
            help_text="Runs the response. Defaults to you; hand over any time.",
        )
        self.order_fields(["title", "severity", "services", "commander", "summary", "customer_impact"])


class IncidentUpdateForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    customer_impact = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    services = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        label="Affected services",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list choice-grid choice-scroll"}),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = service_queryset(organization)


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=IncidentStatus.choices)


class SeverityForm(forms.Form):
    severity = forms.ModelChoiceField(queryset=None, to_field_name="name")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].queryset = selectors.severity_list(organization=organization)


class MilestonesForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Dashboards show errors from 09:12"}),
        help_text="Required. Recorded in the timeline and the audit log.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in MILESTONES:
            required = name in ("started_at", "declared_at")
            self.fields[name] = UTCDateTimeField(required=required, label=MILESTONE_LABELS[name])
        self.order_fields([*MILESTONES, "reason"])

    def milestones(self) -> dict[str, datetime | None]:
        return {name: self.cleaned_data[name] for name in MILESTONES}


class RoleAssignForm(forms.Form):
    role = forms.ModelChoiceField(queryset=None, to_field_name="slug")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = selectors.role_list(organization=organization)
        self.fields["user"] = member_field(organization, label="Person")


class RoleReleaseForm(forms.Form):
    role = forms.ModelChoiceField(queryset=None, to_field_name="slug")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = selectors.role_list(organization=organization)


class TaskAddForm(forms.Form):
    title = forms.CharField(max_length=300, label="Task", widget=forms.TextInput(attrs={"placeholder": "Add a task"}))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = member_field(organization, required=False, empty_label="Unassigned")


class TaskToggleForm(forms.Form):
    completed = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What did you see, try or decide? Markdown works."}),
    )


class StatusUpdateForm(forms.Form):
    message = forms.CharField(
        label="Update", widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What is happening and what is next."})
    )
    visibility = forms.ChoiceField(
        choices=StatusUpdateVisibility.choices, initial=StatusUpdateVisibility.INTERNAL, widget=forms.RadioSelect
    )
    status = forms.ChoiceField(required=False, label="Move to")

    def __init__(self, *args: Any, incident: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Keep status")] + [
            (s, IncidentStatus(s).label) for s in allowed_transitions(incident.status)
        ]
        if incident.is_drill:
            self.fields["visibility"].widget.attrs["data-drill"] = "1"


class PinForm(forms.Form):
    pinned = forms.BooleanField(required=False)


class IncidentFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(required=False, choices=STATUS_FILTERS)
    severity = forms.ChoiceField(required=False)
    service = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    drill = forms.ChoiceField(required=False, choices=DRILL_FILTERS)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(required=False, choices=SORTS)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = selectors.severity_list(organization=organization).values_list("name", flat=True)
        self.fields["severity"].choices = [("", "Any severity"), *((n, n) for n in names)]
        services = service_selectors.service_list(organization=organization, include_archived=True)
        self.fields["service"].choices = [
            ("", "Any service"),
            *services.select_related(None).prefetch_related(None).values_list("slug", "name"),
        ]
        teams = org_selectors.team_list(organization=organization).values_list("slug", "name")
        self.fields["team"].choices = [("", "Any team"), *teams]

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.incident_list (invalid values are ignored, not errors)."""
        data = self.cleaned_data if self.is_valid() else {}
        drill = data.get("drill", "")
        return {
            "search": (data.get("q") or "").strip(),
            "status": data.get("status", ""),
            "severity": data.get("severity", ""),
            "service": data.get("service", ""),
            "team": data.get("team", ""),
            "is_drill": {"yes": True, "no": False}.get(drill),
            "since": data.get("since"),
            "until": data.get("until"),
            "sort": data.get("sort", ""),
        }


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "Everything"), *TimelineKind.choices])
    before = forms.IntegerField(required=False, min_value=1)
