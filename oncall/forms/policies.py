"""Forms of the escalation policy editor and of manual paging from an incident.

The editor is one form for the policy plus one small form per step (prefix `step-N`). Adding, removing
and moving steps are submit buttons (`op`), handled on the server, so the editor works without script.
"""

from typing import Any

from django import forms
from django.http import QueryDict

from core import limits
from oncall.actions.policies import MAX_REPEAT, MAX_STEPS, MAX_WAIT_MINUTES
from oncall.models import EscalationPolicy, StepTargetKind
from oncall.selectors import policies as selectors
from orgs import selectors as org_selectors
from orgs.models import Organization

DEFAULT_WAIT = 5
STEP_FIELDS = ("wait_minutes", "schedules", "users", "teams")


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"placeholder": "Payments escalation"}))
    slug = forms.SlugField(
        max_length=63, required=False, help_text="Used in URLs and the API. Derived from the name if empty."
    )
    description = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="When to use it; shown on its page.",
    )
    owner_team = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="slug", empty_label="— No owner —", label="Owner team"
    )
    repeat_count = forms.IntegerField(
        min_value=0,
        max_value=MAX_REPEAT,
        initial=0,
        label="Repeat the whole policy",
        widget=forms.NumberInput(attrs={"class": "input-narrow"}),
        help_text=f"0 to {MAX_REPEAT} more times when nobody acknowledges, then the alert is marked unanswered.",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_team"].queryset = selectors.team_choices(organization=organization)

    @staticmethod
    def initial_for(policy: EscalationPolicy) -> dict[str, Any]:
        return {
            "name": policy.name,
            "slug": policy.slug,
            "description": policy.description,
            "owner_team": policy.owner_team.slug if policy.owner_team_id else None,
            "repeat_count": policy.repeat_count,
        }


class StepForm(forms.Form):
    """One step: whom to notify (schedules' on-call, people, teams), then how long to wait."""

    schedules = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        label="On-call of",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
    )
    users = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        to_field_name="uuid",
        label="People",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list choice-grid choice-scroll"}),
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        label="Every member of",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
    )
    wait_minutes = forms.IntegerField(
        min_value=1,
        max_value=MAX_WAIT_MINUTES,
        initial=DEFAULT_WAIT,
        label="then wait",
        widget=forms.NumberInput(attrs={"class": "input-narrow"}),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schedules"].queryset = selectors.schedule_choices(organization=organization)
        self.fields["users"].queryset = org_selectors.member_choices(organization=organization).filter(is_active=True)
        self.fields["users"].label_from_instance = lambda user: user.display_name
        self.fields["teams"].queryset = selectors.team_choices(organization=organization)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen = cleaned.get("schedules") or cleaned.get("users") or cleaned.get("teams")
        if not chosen and not {"schedules", "users", "teams"} & set(self.errors):
            raise forms.ValidationError("Choose at least one schedule, person or team to notify.")
        return cleaned

    def targets(self) -> list[dict[str, Any]]:
        """The step's targets in the action's shape: schedules' on-call first, then people, then teams."""
        data = self.cleaned_data
        return [
            *({"kind": StepTargetKind.SCHEDULE, "schedule": s} for s in data["schedules"]),
            *({"kind": StepTargetKind.USER, "user": u} for u in data["users"]),
            *({"kind": StepTargetKind.TEAM, "team": t} for t in data["teams"]),
        ]


def step_values(policy: EscalationPolicy) -> list[dict[str, Any]]:
    """A stored policy's steps as editor values (what a step form posts)."""
    values = []
    for step in policy.steps.all():
        targets = list(step.targets.all())
        values.append(
            {
                "wait_minutes": step.wait_minutes,
                "schedules": [t.schedule.slug for t in targets if t.kind == StepTargetKind.SCHEDULE],
                "users": [str(t.user.uuid) for t in targets if t.kind == StepTargetKind.USER],
                "teams": [t.team.slug for t in targets if t.kind == StepTargetKind.TEAM],
            }
        )
    return values


def posted_step_values(data: QueryDict) -> list[dict[str, Any]]:
    """The steps as posted (raw, unvalidated), in order: `step_count` steps with prefix step-0 … step-N."""
    try:
        count = min(max(int(data.get("step_count", "0")), 0), MAX_STEPS)
    except ValueError:
        count = 0
    return [
        {
            "wait_minutes": data.get(f"step-{index}-wait_minutes", ""),
            "schedules": data.getlist(f"step-{index}-schedules"),
            "users": data.getlist(f"step-{index}-users"),
            "teams": data.getlist(f"step-{index}-teams"),
        }
        for index in range(count)
    ]


def steps_apply_op(values: list[dict[str, Any]], op: str) -> list[dict[str, Any]]:
    """Add, remove or move a step in the editor: op "add", "remove:N", "up:N" or "down:N" (N from 0)."""
    values = list(values)
    name, _, raw_index = op.partition(":")
    if name == "add":
        if len(values) < MAX_STEPS:
            values.append({"wait_minutes": DEFAULT_WAIT, "schedules": [], "users": [], "teams": []})
        return values
    try:
        index = int(raw_index)
    except ValueError:
        return values
    if not 0 <= index < len(values):
        return values
    if name == "remove":
        values.pop(index)
    elif name == "up" and index > 0:
        values[index - 1], values[index] = values[index], values[index - 1]
    elif name == "down" and index < len(values) - 1:
        values[index + 1], values[index] = values[index], values[index + 1]
    return values


def step_forms(*, organization: Organization, values: list[dict[str, Any]], bound: bool) -> list[StepForm]:
    """One StepForm per step value, prefixed step-0 … (bound to validate on save, unbound to redisplay)."""
    forms_ = []
    for index, value in enumerate(values):
        prefix = f"step-{index}"
        if bound:
            data = QueryDict(mutable=True)
            data[f"{prefix}-wait_minutes"] = str(value["wait_minutes"])
            for field in ("schedules", "users", "teams"):
                data.setlist(f"{prefix}-{field}", [str(v) for v in value[field]])
            forms_.append(StepForm(data, prefix=prefix, organization=organization))
        else:
            forms_.append(StepForm(prefix=prefix, organization=organization, initial=value))
    return forms_


class PageForm(forms.Form):
    """Page people about an incident now: people and/or a team and/or a schedule's on-call, with a message."""

    users = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        to_field_name="uuid",
        label="People",
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    team = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", empty_label="— No team —")
    schedule = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="slug", label="On-call of", empty_label="— No schedule —"
    )
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What you need, e.g. “Join the bridge: DB failover”"}),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = org_selectors.member_choices(organization=organization).filter(is_active=True)
        self.fields["users"].label_from_instance = lambda user: user.display_name
        self.fields["team"].queryset = selectors.team_choices(organization=organization)
        self.fields["schedule"].queryset = selectors.schedule_choices(organization=organization)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("users") or cleaned.get("team") or cleaned.get("schedule")):
            raise forms.ValidationError("Choose people, a team or a schedule to page.")
        return cleaned
