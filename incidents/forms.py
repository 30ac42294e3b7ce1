"""Forms of the incident pages. Related objects are chosen by their public identifiers (service slug,
severity name, role slug, user uuid) from querysets of the request's org, so another org's ids are
plain "not a valid choice" errors."""

from datetime import datetime
from typing import Any

from django import forms

from core import limits
from core.fields import BoundedDateField, UTCDateTimeField
from core.forms import SettingsForm, member_field
from incidents import selectors
from incidents.models import (
    MILESTONES,
    Incident,
    IncidentStatus,
    IncidentType,
    StatusUpdateVisibility,
    TimelineKind,
    allowed_transitions,
)
from orgs import selectors as org_selectors
from orgs.models import Organization, User
from services import selectors as service_selectors

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
        max_length=limits.TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What we know so far.",
    )
    customer_impact = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Who is affected and how.",
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
        self.incident_types = list(selectors.incident_type_list(organization=organization))
        if self.incident_types:
            self.fields["incident_type"] = forms.ModelChoiceField(
                queryset=selectors.incident_type_list(organization=organization),
                to_field_name="slug",
                required=False,
                empty_label="No type",
                label="Incident type",
                help_text="Optional. Pre-selects its severity; its checklist becomes the commander's tasks.",
            )
            chosen = self.chosen_incident_type()
            if chosen is not None and chosen.default_severity is not None and not self.is_bound:
                self.fields["severity"].initial = chosen.default_severity.name
        self.fields["services"].queryset = service_queryset(organization)
        self.fields["commander"] = member_field(
            org_selectors.member_choices(organization=organization),
            label="Incident Commander",
            initial=str(user.uuid),
            required=False,
            empty_label=None,
            help_text="Runs the response. Defaults to you; hand over any time.",
        )
        self.order_fields(["title", "incident_type", "severity", "services", "commander", "summary", "customer_impact"])

    def chosen_incident_type(self) -> IncidentType | None:
        """The type picked in the submitted form, or given as `?type=<slug>` when the page opened."""
        slug = self.data.get("incident_type") if self.is_bound else self.initial.get("incident_type")
        return next((t for t in self.incident_types if t.slug == slug), None)

    def incident_type_data(self) -> dict[str, dict[str, Any]]:
        """What the page's script needs to pre-select a type's severity and describe it."""
        return {
            t.slug: {
                "severity": t.default_severity.name if t.default_severity else None,
                "description": t.description,
                "checklist": t.checklist,
            }
            for t in self.incident_types
        }


class IncidentUpdateForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    customer_impact = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
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
        types = selectors.incident_type_list(organization=organization)
        if types.exists():
            self.fields["incident_type"] = forms.ModelChoiceField(
                queryset=types,
                to_field_name="slug",
                required=False,
                empty_label="No type",
                label="Incident type",
                help_text="A new type's checklist items are added as tasks.",
            )
            self.order_fields(["title", "incident_type", "summary", "customer_impact", "services"])


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=IncidentStatus.choices)


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=None, to_field_name="number", label="Merge into", empty_label="Choose an open incident…"
    )

    def __init__(self, *args: Any, organization: Organization, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = selectors.open_incident_choices(organization=organization, exclude=incident)
        self.fields["into"].label_from_instance = lambda other: f"{other.reference} · {other.title}"


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
        self.fields["user"] = member_field(org_selectors.member_choices(organization=organization), label="Person")


class RoleReleaseForm(forms.Form):
    role = forms.ModelChoiceField(queryset=None, to_field_name="slug")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = selectors.role_list(organization=organization)


class TaskAddForm(forms.Form):
    title = forms.CharField(max_length=300, label="Task", widget=forms.TextInput(attrs={"placeholder": "Add a task"}))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = member_field(
            org_selectors.member_choices(organization=organization), required=False, empty_label="Unassigned"
        )


class TaskToggleForm(forms.Form):
    completed = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What did you see, try or decide? Markdown works."}),
    )


class StatusUpdateForm(forms.Form):
    message = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        label="Update",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What is happening and what is next."}),
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
    q = forms.CharField(max_length=limits.SEARCH_MAX_CHARS, required=False, label="Search")
    status = forms.ChoiceField(required=False, choices=STATUS_FILTERS)
    severity = forms.ChoiceField(required=False)
    service = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    type = forms.ChoiceField(required=False)
    drill = forms.ChoiceField(required=False, choices=DRILL_FILTERS)
    since = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
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
        types = selectors.incident_type_list(organization=organization).values_list("slug", "name")
        self.fields["type"].choices = [("", "Any type"), *types, ("none", "No type")]

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
            "incident_type": data.get("type", ""),
            "is_drill": {"yes": True, "no": False}.get(drill),
            "since": data.get("since"),
            "until": data.get("until"),
            "sort": data.get("sort", ""),
        }


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "Everything"), *TimelineKind.choices])
    before = forms.IntegerField(required=False, min_value=1)


# --- configuration (incident settings pages) ---------------------------------------------------------------

SEVERITY_NAME = r"^[A-Za-z0-9][A-Za-z0-9 _-]*$"


class ChecklistField(forms.CharField):
    """A checklist typed one item per line: a list of the non-empty lines."""

    widget = forms.Textarea(attrs={"rows": 5})
    max_items = 50

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", limits.TEXT_MAX_CHARS)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        if len(text) > self.max_length:  # the validators see the list of items, not the text
            raise forms.ValidationError(
                f"Ensure this value has at most {self.max_length} characters (it has {len(text)})."
            )
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > self.max_items:
            raise forms.ValidationError(f"Keep it to {self.max_items} items or fewer.")
        too_long = [item for item in value if len(item) > 300]
        if too_long:
            raise forms.ValidationError(f"Items are at most 300 characters: “{too_long[0][:40]}…” is longer.")


class SeveritySettingsForm(SettingsForm):
    name = forms.RegexField(
        SEVERITY_NAME,
        max_length=32,
        error_messages={"invalid": "Use letters, digits, spaces, - and _ (it appears in URLs)."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. SEV1", "autofocus": True}),
        help_text="Short: it is the badge on every incident.",
    )
    rank = forms.IntegerField(min_value=1, max_value=99, help_text="1 is the worst. Each rank is used once.")
    description = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "e.g. Complete outage for many customers"}),
        help_text="When to choose it; shown next to the severity when declaring.",
    )
    is_major = forms.BooleanField(
        required=False,
        label="Major incident",
        help_text="Major severities are flagged when declaring and when the severity changes.",
    )
    layout = [["name", "rank"], ["description"], ["is_major"]]


class IncidentRoleSettingsForm(SettingsForm):
    name = forms.CharField(
        max_length=64, widget=forms.TextInput(attrs={"placeholder": "e.g. Communications Lead", "autofocus": True})
    )
    slug = forms.SlugField(
        max_length=64,
        required=False,
        help_text="Used in the API. Leave empty to derive it from the name.",
    )
    description = forms.CharField(
        max_length=300, required=False, help_text="One line: what this role is for, shown on the role board."
    )
    instructions = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the holder does, shown to them on the incident page.",
    )
    checklist = ChecklistField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Post the first internal update\nAgree the cadence"}),
        help_text="One item per line. Each becomes a task of whoever is assigned the role.",
    )
    position = forms.IntegerField(
        min_value=0, max_value=1000, initial=0, label="Order", help_text="Lower comes first on the role board."
    )
    is_commander = forms.BooleanField(
        required=False,
        label="Commander role",
        help_text="The declarer (or the chosen commander) takes it when an incident is declared. Only one role "
        "has it: choosing it here moves it from the current one.",
    )
    layout = [["name", "slug"], ["description"], ["instructions"], ["checklist"], ["position"], ["is_commander"]]


class IncidentTypeSettingsForm(SettingsForm):
    name = forms.CharField(
        max_length=64, widget=forms.TextInput(attrs={"placeholder": "e.g. Security incident", "autofocus": True})
    )
    slug = forms.SlugField(
        max_length=64,
        required=False,
        help_text="Used in the API and in declare links (?type=slug). Leave empty to derive it from the name.",
    )
    description = forms.CharField(
        max_length=300, required=False, help_text="One line: when to choose this type, shown when declaring."
    )
    default_severity = forms.ModelChoiceField(
        queryset=None,
        to_field_name="name",
        required=False,
        empty_label="No default",
        help_text="Pre-selected when someone declares an incident of this type; they can still change it.",
    )
    checklist = ChecklistField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Page the security on-call\nPreserve access logs"}),
        help_text="One item per line. Each becomes a task of the Incident Commander when the incident is declared.",
    )
    position = forms.IntegerField(
        min_value=0, max_value=1000, initial=0, label="Order", help_text="Lower comes first in the declare menu."
    )
    layout = [["name", "slug"], ["description"], ["default_severity", "position"], ["checklist"]]

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_severity"].queryset = selectors.severity_list(organization=organization)
