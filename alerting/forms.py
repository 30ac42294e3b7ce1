"""Forms of the triage and integration pages. Related objects are chosen by their public identifiers
(service slug, severity name, incident number, group uuid) from querysets of the request's org, so
another org's identifiers are plain "not a valid choice" errors."""

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from alerting import inbound
from alerting import selectors as alert_selectors
from alerting.models import AlertGroup, AlertGroupStatus, AlertSeverity, IntegrationKind
from core.fields import UTCDateTimeField
from incidents import selectors as incident_selectors
from orgs.models import Organization
from services import selectors as service_selectors

STATUS_FILTERS = [
    ("open", "Open"),
    (AlertGroupStatus.TRIGGERED, "Triggered"),
    (AlertGroupStatus.ACKNOWLEDGED, "Acknowledged"),
    (AlertGroupStatus.RESOLVED, "Resolved"),
    ("all", "All"),
]
SILENCE_CHOICES = [("30m", "30 minutes"), ("2h", "2 hours"), ("until", "Until…"), ("lift", "Lift the silence")]
SILENCE_DURATIONS = {"30m": timedelta(minutes=30), "2h": timedelta(hours=2)}
MAX_SAMPLE_BYTES = 64 * 1024
WEBHOOK_PATHS = ("title_path", "dedup_key_path", "severity_path", "status_path", "link_path")


def service_queryset(organization: Organization) -> Any:
    return service_selectors.service_list(organization=organization).select_related(None).prefetch_related(None)


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class AlertQueueFilterForm(forms.Form):
    """The queue's filters; with no `status` the queue shows open groups (what needs someone now)."""

    service = forms.ChoiceField(required=False)
    severity = forms.ChoiceField(required=False, choices=[("", "Any severity"), *AlertSeverity.choices])
    status = forms.ChoiceField(required=False, choices=STATUS_FILTERS)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services = list(service_queryset(organization).values_list("slug", "name"))
        self.fields["service"].choices = [("", "All services"), *self.services]

    def filters(self) -> dict[str, str]:
        """Selector arguments: invalid values fall back to the defaults rather than failing the page."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or "open"
        return {
            "service": data.get("service") or "",
            "severity": data.get("severity") or "",
            "status": "" if status == "all" else status,
        }

    def status_value(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("status") or "open"


class SilenceForm(forms.Form):
    duration = forms.ChoiceField(choices=SILENCE_CHOICES, widget=forms.RadioSelect)
    until = UTCDateTimeField(required=False, label="Until (UTC)")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        duration = data.get("duration")
        if duration in SILENCE_DURATIONS:
            data["until"] = timezone.now() + SILENCE_DURATIONS[duration]
        elif duration == "lift":
            data["until"] = None
        elif duration == "until" and not data.get("until"):
            self.add_error("until", "Pick the date and time the silence ends.")
        return data


class MergeForm(forms.Form):
    groups = forms.ModelMultipleChoiceField(
        queryset=None,
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one alert group to merge into this one."},
    )

    def __init__(self, *args: Any, group: AlertGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = merge_candidates(group)


def merge_candidates(group: AlertGroup) -> Any:
    """Other open groups of the org that could be folded into `group`."""
    return alert_selectors.alert_group_list(organization=group.organization, status="open").exclude(pk=group.pk)


class EscalateForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="What is broken, for whom. You can change it later.")
    severity = forms.ModelChoiceField(queryset=None, to_field_name="name", empty_label=None)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].queryset = incident_selectors.severity_list(organization=organization)


class IncidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} {obj.title}"


class AttachForm(forms.Form):
    incident = IncidentChoiceField(
        queryset=None,
        to_field_name="number",
        empty_label="Choose an open incident…",
        error_messages={"invalid_choice": "Choose an open incident of this organization."},
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incident"].queryset = (
            incident_selectors.incident_list(organization=organization, status="open")
            .select_related(None)
            .prefetch_related(None)
            .order_by("-declared_at")
        )


class IntegrationForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Prometheus production", "autofocus": True}),
        help_text="Where the alerts come from, so people recognise it in the queue.",
    )
    kind = forms.ChoiceField(
        choices=IntegrationKind.choices,
        label="Monitoring tool",
        help_text="Which format the tool sends. It cannot be changed later: create another integration instead.",
    )
    service = ServiceChoiceField(
        queryset=None,
        to_field_name="slug",
        empty_label="Choose a service…",
        help_text="Alerts from this integration are triaged, and page, as this service's.",
    )
    rate_limit_per_minute = forms.IntegerField(
        min_value=1,
        max_value=1_000_000,
        initial=60_000,
        label="Rate limit (events per minute)",
        help_text="Above it, the tool gets 429 with Retry-After and retries. Keep it high: it guards against "
        "a runaway sender, not against a storm.",
    )
    enabled = forms.BooleanField(
        required=False,
        initial=True,
        help_text="A disabled integration refuses events with 404; the tool will keep them and retry.",
    )
    title_path = forms.CharField(
        max_length=200, required=False, label="Title", widget=forms.TextInput(attrs={"placeholder": "alert.title"})
    )
    dedup_key_path = forms.CharField(
        max_length=200,
        required=False,
        label="Dedup key",
        widget=forms.TextInput(attrs={"placeholder": "alert.id"}),
        help_text="Alerts with the same dedup key join one open alert group. Without one, only identical bodies group.",
    )
    severity_path = forms.CharField(
        max_length=200,
        required=False,
        label="Severity",
        widget=forms.TextInput(attrs={"placeholder": "alert.level"}),
        help_text="critical, error (or high), warning, info (or low); anything else counts as error.",
    )
    status_path = forms.CharField(
        max_length=200,
        required=False,
        label="Status",
        widget=forms.TextInput(attrs={"placeholder": "alert.state"}),
        help_text="resolved, ok, inactive or false resolve the alert; acknowledged or ack acknowledge it; anything "
        "else triggers.",
    )
    link_path = forms.CharField(
        max_length=200, required=False, label="Link", widget=forms.TextInput(attrs={"placeholder": "alert.url"})
    )

    def __init__(self, *args: Any, organization: Organization, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["service"].queryset = service_queryset(organization)
        if editing:
            del self.fields["kind"]
        else:
            del self.fields["enabled"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in WEBHOOK_PATHS:
            data[name] = (data.get(name) or "").strip()
        kind = self.initial.get("kind") if self.editing else data.get("kind")
        if kind != IntegrationKind.WEBHOOK:
            for name in WEBHOOK_PATHS:
                data[name] = ""
        return data

    def action_fields(self) -> dict[str, Any]:
        """Keyword arguments for integration_create/integration_update (`kind` is passed on its own)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "kind"}


class PreviewForm(forms.Form):
    """A pasted sample body and the JSON paths being edited, for the webhook live preview."""

    sample = forms.CharField(required=False, max_length=MAX_SAMPLE_BYTES, strip=False)
    title_path = forms.CharField(max_length=200, required=False)
    dedup_key_path = forms.CharField(max_length=200, required=False)
    severity_path = forms.CharField(max_length=200, required=False)
    status_path = forms.CharField(max_length=200, required=False)
    link_path = forms.CharField(max_length=200, required=False)

    def clean_sample(self) -> Any:
        text = self.cleaned_data["sample"]
        if not text.strip():
            return None
        try:
            return inbound.parse_json(text)
        except inbound.InboundError as exc:
            raise forms.ValidationError(exc.messages) from None

    def paths(self) -> dict[str, str]:
        return {name: (self.cleaned_data.get(name) or "").strip() for name in WEBHOOK_PATHS}
