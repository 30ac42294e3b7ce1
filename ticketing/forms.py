"""Forms of the follow-up pages. People are chosen by user id (uuid) among the org's members, incidents by
their number (42 or INC-42), so another org's objects are plain "not found" errors."""

from typing import Any

from django import forms

from core import limits
from core.fields import BoundedDateField
from core.forms import member_field
from incidents import selectors as incident_selectors
from incidents.models import Incident
from orgs import selectors as org_selectors
from orgs.models import Organization
from ticketing.models import FollowUpPriority, FollowUpStatus

STATUS_FILTERS = [
    ("", "Any status"),
    ("open", "Open or in progress"),
    ("overdue", "Overdue"),
    ("closed", "Done or won't do"),
    *FollowUpStatus.choices,
]


def incident_from_reference(organization: Organization, value: str) -> Incident | None:
    """The org's incident named by "42" or "INC-42" (None for an empty value; a form error if unknown)."""
    text = (value or "").strip().upper().removeprefix("INC-")
    if not text:
        return None
    if not text.isdigit():
        raise forms.ValidationError("Give an incident number, like 42 or INC-42.")
    incident = incident_selectors.incident_by_number(organization=organization, number=int(text))
    if incident is None:
        raise forms.ValidationError(f"There is no INC-{int(text)} in this organization.")
    return incident


class FollowUpForm(forms.Form):
    title = forms.CharField(
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Alert on payment error rate above 2%", "autofocus": True}),
        help_text="One concrete change, small enough to finish. Start with a verb.",
    )
    description = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "Why it matters, what done looks like. Markdown works."}
        ),
    )
    priority = forms.ChoiceField(choices=FollowUpPriority.choices, initial=FollowUpPriority.MEDIUM)
    due_date = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due")
    incident = forms.CharField(
        required=False,
        max_length=20,
        label="Incident",
        widget=forms.TextInput(attrs={"placeholder": "INC-42"}),
        help_text="Optional. The follow-up shows on that incident's page and timeline.",
    )

    def __init__(self, *args: Any, organization: Organization, with_status: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["owner"] = member_field(
            org_selectors.member_choices(organization=organization),
            required=False,
            empty_label="Nobody yet",
            label="Owner",
        )
        if with_status:
            self.fields["status"] = forms.ChoiceField(choices=FollowUpStatus.choices)
        self.order_fields(["title", "description", "owner", "priority", "status", "due_date", "incident"])

    def clean_incident(self) -> Incident | None:
        return incident_from_reference(self.organization, self.cleaned_data.get("incident", ""))


class FollowUpQuickAddForm(FollowUpForm):
    """The incident page's quick add: the incident comes from the URL, not the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["incident"]


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(choices=FollowUpStatus.choices)


class FollowUpFilterForm(forms.Form):
    q = forms.CharField(max_length=limits.SEARCH_MAX_CHARS, required=False, label="Search")
    status = forms.ChoiceField(required=False, choices=STATUS_FILTERS)
    priority = forms.ChoiceField(required=False, choices=[("", "Any priority"), *FollowUpPriority.choices])
    incident = forms.CharField(required=False, max_length=20)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["owner"] = member_field(
            org_selectors.member_choices(organization=organization), required=False, empty_label="Anyone"
        )

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.follow_up_list (invalid values are ignored, not errors)."""
        data = self.cleaned_data if self.is_valid() else {}
        number = (self.data.get("incident") or "").strip().upper().removeprefix("INC-")
        return {
            "search": (data.get("q") or "").strip(),
            "status": data.get("status", ""),
            "priority": data.get("priority", ""),
            "owner": data.get("owner"),
            "incident_number": int(number) if number.isdigit() else None,
        }
