"""Forms of the drills pages: the scenario editor (its fields, and the inject and expected-response rows posted as
named inputs: `inject-<i>-offset`, `-kind`, `-format`, `-service`, `-payload`, `-text`; `response-<kind>`), the run
form, halting and the facilitator's review. The rows are turned into what drills.actions takes; what they mean (a
payload valid for its format, a service of the org) is checked there, and each error is shown in its row."""

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from core import limits
from core.fields import ZonedDateTimeField
from core.forms import member_field
from drills import actions
from drills.models import INJECT_FORMATS, INJECT_KINDS, RESPONSE_KINDS, Recurrence, Scenario
from drills.scorecard import LABELS as RESPONSE_LABELS
from incidents.models import Severity
from oncall.models import Schedule
from orgs import selectors as org_selectors
from orgs.models import Organization, Team
from services.models import Service

MAX_MINUTES = 24 * 60
INJECT_KIND_LABELS = {"alert": "Alert", "hint": "Hint", "prompt": "Stakeholder prompt"}
FORMAT_LABELS = {"pagerduty": "PagerDuty Events v2", "alertmanager": "Alertmanager"}
RESPONSE_HELP = {
    "acknowledge": "A page of the drill is acknowledged.",
    "declare": "An incident is declared from it.",
    "commander": "Someone takes the commander role.",
    "first_update": "The first status update is posted.",
    "mitigate": "The incident is marked mitigated.",
}
# What a new alert inject's payload starts as, per format (a valid minimal event the responder edits).
PAYLOAD_EXAMPLES = {
    "pagerduty": {
        "event_action": "trigger",
        "payload": {"summary": "Checkout error rate above 5%", "source": "drill", "severity": "critical"},
    },
    "alertmanager": {
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "CheckoutErrors", "severity": "critical"},
                "annotations": {"summary": "Checkout error rate above 5%"},
            }
        ],
    },
}
MAX_ROWS = actions.scenarios.MAX_INJECTS
NUMBERED = re.compile(r"^(?:Inject|Response) (\d+): (.*)$", re.S)


def minutes_text(seconds: int | None) -> str:
    """Seconds as the minutes an input shows: 90 -> "1.5", 300 -> "5"."""
    if seconds is None:
        return ""
    minutes = Decimal(int(seconds)) / 60
    return f"{minutes.quantize(Decimal('0.01')).normalize():f}"


def minutes_to_seconds(raw: str, *, low: int) -> int | None:
    """A number of minutes typed in (decimals allowed) as whole seconds within [low s, 24 h]; None if it is not."""
    try:
        minutes = Decimal(raw.strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not minutes.is_finite():
        return None
    seconds = int((minutes * 60).to_integral_value())
    return seconds if low <= seconds <= MAX_MINUTES * 60 else None


class ScenarioForm(forms.Form):
    title = forms.CharField(
        max_length=actions.scenarios.TITLE_MAX,
        widget=forms.TextInput(attrs={"placeholder": "Checkout database fails over"}),
    )
    hypothesis = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "placeholder": "Checkout errors at night: the on-call acknowledges within 5 min.",
            }
        ),
        help_text="What you expect to be true, in one or two sentences.",
    )
    learning_goals = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        required=False,
        label="Learning goals",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Practice the failover runbook."}),
    )
    severity = forms.ModelChoiceField(
        queryset=Severity.objects.none(),
        to_field_name="name",
        required=False,
        empty_label="Not set",
        label="Expected severity",
        help_text="The severity responders should declare.",
    )
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(),
        to_field_name="slug",
        required=False,
        label="Target services",
        widget=forms.CheckboxSelectMultiple,
        help_text="The services an alert inject goes to are added on save.",
    )
    abort_conditions = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        required=False,
        label="Abort conditions",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "A real incident is declared; a customer is affected."}),
        help_text="When the facilitator halts the drill at once.",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].queryset = Severity.objects.for_org(organization).order_by("rank")
        self.fields["services"].queryset = Service.objects.for_org(organization).order_by("name")

    @staticmethod
    def initial_for(scenario: Scenario) -> dict[str, Any]:
        return {
            "title": scenario.title,
            "hypothesis": scenario.hypothesis,
            "learning_goals": scenario.learning_goals,
            "severity": scenario.severity.name if scenario.severity else None,
            "services": [s.slug for s in scenario.services.all()],
            "abort_conditions": scenario.abort_conditions,
        }


@dataclass
class InjectRow:
    """One inject row of the editor, as typed (strings) with its errors."""

    index: int
    offset: str = "0"
    kind: str = "alert"
    format: str = "pagerduty"
    service: str = ""
    payload: str = ""
    text: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"inject-{self.index}"

    @property
    def number(self) -> int:
        return self.index + 1

    @classmethod
    def from_stored(cls, index: int, inject: dict[str, Any]) -> "InjectRow":
        payload = inject.get("payload")
        return cls(
            index=index,
            offset=minutes_text(inject.get("offset_seconds", 0)),
            kind=str(inject.get("kind", "alert")),
            format=str(inject.get("format") or "pagerduty"),
            service=str(inject.get("service") or ""),
            payload=json.dumps(payload, indent=2) if payload is not None and inject.get("kind") == "alert" else "",
            text=str(inject.get("text") or ""),
        )

    @classmethod
    def blank(cls, index: int, service: str = "") -> "InjectRow":
        return cls(index=index, service=service, payload=json.dumps(PAYLOAD_EXAMPLES["pagerduty"], indent=2))


@dataclass
class ResponseRow:
    kind: str
    target: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return RESPONSE_LABELS.get(self.kind, self.kind)

    @property
    def help(self) -> str:
        return RESPONSE_HELP.get(self.kind, "")


def rows_from_scenario(scenario: Scenario | None) -> tuple[list[InjectRow], list[ResponseRow]]:
    injects = [InjectRow.from_stored(i, inject) for i, inject in enumerate(scenario.injects or [])] if scenario else []
    targets = {r["kind"]: r["target_seconds"] for r in (scenario.expected_responses or [])} if scenario else {}
    responses = [ResponseRow(kind=kind, target=minutes_text(targets.get(kind))) for kind in RESPONSE_KINDS]
    return injects, responses


def _bounded(value: str, limit: int) -> str:
    return value[:limit]


def rows_from_post(data: QueryDict) -> tuple[list[InjectRow], list[ResponseRow]]:
    """The rows as posted (each value cut to its bound: a row is re-shown, never trusted)."""
    try:
        count = max(0, min(int(data.get("inject_count", "0")), MAX_ROWS + 1))
    except ValueError:
        count = 0
    injects = []
    for index in range(count):
        prefix = f"inject-{index}"
        injects.append(
            InjectRow(
                index=index,
                offset=_bounded(data.get(f"{prefix}-offset", ""), 20),
                kind=_bounded(data.get(f"{prefix}-kind", ""), 20),
                format=_bounded(data.get(f"{prefix}-format", ""), 20),
                service=_bounded(data.get(f"{prefix}-service", ""), 100),
                payload=_bounded(data.get(f"{prefix}-payload", ""), actions.scenarios.MAX_PAYLOAD_CHARS + 1),
                text=_bounded(data.get(f"{prefix}-text", ""), actions.scenarios.MAX_INJECT_TEXT + 1),
            )
        )
    responses = [
        ResponseRow(kind=kind, target=_bounded(data.get(f"response-{kind}", ""), 20)) for kind in RESPONSE_KINDS
    ]
    return injects, responses


def apply_op(op: str, injects: list[InjectRow], default_service: str = "") -> list[InjectRow]:
    """A row button: `add-inject` appends a row, `remove-inject-<i>` removes one; rows are renumbered."""
    if op == "add-inject" and len(injects) < MAX_ROWS:
        injects = [*injects, InjectRow.blank(len(injects), default_service)]
    elif op.startswith("remove-inject-"):
        try:
            gone = int(op.removeprefix("remove-inject-"))
        except ValueError:
            gone = -1
        injects = [row for row in injects if row.index != gone]
    for index, row in enumerate(injects):
        row.index = index
        row.errors = []
    return injects


def definition_from_rows(
    organization: Organization, injects: list[InjectRow], responses: list[ResponseRow]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """The rows as drills.actions takes them, with every error put into its row (`row.errors`); returns
    (injects, expected_responses, errors that belong to no row). Nothing is written."""
    stored: list[dict[str, Any]] = []
    typed_errors: dict[int, list[str]] = {}
    for row in injects:
        mine: list[str] = []
        offset = minutes_to_seconds(row.offset, low=0)
        if offset is None:
            mine.append(f"The offset is a number of minutes from 0 to {MAX_MINUTES} (24 h).")
        item: dict[str, Any] = {"offset_seconds": offset if offset is not None else 0, "kind": row.kind}
        if row.kind == "alert":
            item.update(format=row.format, service=row.service)
            try:
                item["payload"] = json.loads(row.payload) if row.payload.strip() else None
            except ValueError as error:
                mine.append(f"The payload is not valid JSON: {error}.")
                item["payload"] = {}
            if not row.payload.strip():
                mine.append("Paste the alert's JSON payload.")
        else:
            item["text"] = row.text
        typed_errors[row.index] = mine
        stored.append(item)
    loose: list[str] = []
    cleaned_injects: list[dict[str, Any]] = []
    try:
        cleaned_injects = actions.injects_clean(organization, stored)
    except ValidationError as error:
        for message in error.message_dict.get("injects", []):
            match = NUMBERED.match(message)
            if match and 0 < int(match.group(1)) <= len(injects):
                index = int(match.group(1)) - 1
                if typed_errors[index] and ("payload" in match.group(2).lower() or "JSON" in match.group(2)):
                    continue  # the JSON error says it already
                message = match.group(2)
                typed_errors[index].append(message[:1].upper() + message[1:])
            else:
                loose.append(message)
    for row in injects:
        row.errors = list(dict.fromkeys(typed_errors.get(row.index, [])))

    expected: list[dict[str, Any]] = []
    for row in responses:
        if not row.target.strip():
            continue
        seconds = minutes_to_seconds(row.target, low=1)
        if seconds is None:
            row.errors.append(f"A target is a number of minutes from 1 to {MAX_MINUTES} (24 h).")
            continue
        expected.append({"kind": row.kind, "target_seconds": seconds})
    try:
        expected = actions.responses_clean(expected)
    except ValidationError as error:
        loose.extend(error.message_dict.get("expected_responses", []))
    return cleaned_injects, expected, loose


def _user_tz(user: Any) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


class RunForm(forms.Form):
    """A new run: start it now or schedule it (one-off or recurring), with its people."""

    WHEN = [("now", "Start now"), ("later", "Schedule")]

    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.none(), to_field_name="uuid", empty_label="Choose an approved scenario…"
    )
    when = forms.ChoiceField(choices=WHEN, initial="now", widget=forms.RadioSelect)
    scheduled_for = ZonedDateTimeField(required=False, label="At")
    recurrence = forms.ChoiceField(choices=Recurrence.choices, initial=Recurrence.NONE, label="Repeats")
    announced = forms.BooleanField(
        required=False,
        initial=True,
        label="Announced",
        help_text="Participants are told beforehand. Unannounced: only the facilitator and observers know.",
    )
    participants_teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        to_field_name="slug",
        required=False,
        label="Participating teams",
        widget=forms.CheckboxSelectMultiple,
    )
    participants_schedule = forms.ModelChoiceField(
        queryset=Schedule.objects.none(),
        to_field_name="slug",
        required=False,
        label="Or the people on call of",
        empty_label="No schedule",
    )

    def __init__(self, *args: Any, organization: Organization, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tz = _user_tz(user)
        self.fields["scheduled_for"] = ZonedDateTimeField(required=False, tz=tz, label=f"At ({tz.key})")
        self.fields["scenario"].queryset = Scenario.objects.for_org(organization).filter(status="approved")
        self.fields["participants_teams"].queryset = Team.objects.for_org(organization).order_by("name")
        self.fields["participants_schedule"].queryset = Schedule.objects.for_org(organization).order_by("name")
        members = org_selectors.member_choices(organization=organization)
        self.fields["facilitator"] = member_field(
            members, label="Facilitator", help_text="Sees the hints and prompts and can halt the drill."
        )
        self.fields["observers"] = forms.ModelMultipleChoiceField(
            queryset=members, to_field_name="uuid", required=False, widget=forms.CheckboxSelectMultiple
        )
        self.fields["observers"].label_from_instance = lambda user: user.display_name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("when") == "later" and not cleaned.get("scheduled_for"):
            self.add_error("scheduled_for", "Choose when the drill starts.")
        if cleaned.get("when") == "now":
            cleaned["scheduled_for"] = None
            if cleaned.get("recurrence", Recurrence.NONE) != Recurrence.NONE:
                self.add_error("recurrence", "A recurring drill is scheduled: choose its first time.")
        return cleaned


class HaltForm(forms.Form):
    reason = forms.CharField(
        max_length=actions.runs.HALT_REASON_MAX,
        label="Why halt?",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "A real incident on checkout needs the on-call."}),
        help_text="Kept on the run and on the drill incident's timeline.",
    )


RATING_CHOICES = [("", "—"), *[(str(n), str(n)) for n in range(1, 6)]]


class ReviewForm(forms.Form):
    communication = forms.TypedChoiceField(choices=RATING_CHOICES, coerce=int, empty_value=None, required=False)
    coordination = forms.TypedChoiceField(choices=RATING_CHOICES, coerce=int, empty_value=None, required=False)
    technical = forms.TypedChoiceField(choices=RATING_CHOICES, coerce=int, empty_value=None, required=False)
    notes = forms.CharField(
        max_length=actions.runs.NOTES_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "What went well, what to practice next time."}),
    )

    def ratings(self) -> dict[str, int]:
        return {key: self.cleaned_data[key] for key in actions.runs.RATING_KEYS if self.cleaned_data.get(key)}


__all__ = [
    "FORMAT_LABELS",
    "INJECT_FORMATS",
    "INJECT_KINDS",
    "INJECT_KIND_LABELS",
    "HaltForm",
    "InjectRow",
    "ResponseRow",
    "ReviewForm",
    "RunForm",
    "ScenarioForm",
]
