"""Forms of the schedule pages. People are chosen by uuid and teams by slug from querysets of the request's
org, so another org's identifiers are plain "not a valid choice" errors. Override times are typed in the
schedule's time zone (the page says which)."""

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from core import limits
from core.fields import BoundedDateField, ZonedDateTimeField
from core.forms import MemberChoiceField, member_field
from core.timefmt import time_zone_choices
from oncall.models import RotationKind, Schedule, ScheduleLayer
from orgs import selectors as org_selectors
from orgs.models import Organization, User

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
PRESETS = {
    "always": [],
    "business": [{"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}],
    "weekdays": [{"weekdays": [0, 1, 2, 3, 4], "start": "00:00", "end": "00:00"}],
    "weekends": [{"weekdays": [5, 6], "start": "00:00", "end": "00:00"}],
}
PRESET_CHOICES = [
    ("always", "Always (no restriction)"),
    ("business", "Business hours, Mon-Fri 08:00-18:00"),
    ("weekdays", "Weekdays, Mon-Fri all day"),
    ("weekends", "Weekends, Sat-Sun all day"),
    ("custom", "Custom window…"),
]
KEEP = ("keep", "Keep the current windows (set through the API)")
MIN_SLOTS = 4
MAX_SLOTS = 20


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class ScheduleForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Payments primary", "autofocus": True}),
        help_text="What people will look for at 3 a.m.",
    )
    slug = forms.SlugField(
        max_length=63, required=False, help_text="In URLs and the API. Leave empty to derive it from the name."
    )
    description = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    time_zone = forms.ChoiceField(
        help_text="Hand-off times, restrictions and the timeline on the schedule page are in this zone."
    )
    owner_team = TeamChoiceField(queryset=None, required=False, to_field_name="slug", empty_label="No owner team")

    def __init__(self, *args: Any, organization: Organization, schedule: Schedule | None = None, **kwargs: Any) -> None:
        if schedule is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": schedule.name,
                    "slug": schedule.slug,
                    "description": schedule.description,
                    "time_zone": schedule.time_zone,
                    "owner_team": schedule.owner_team.slug if schedule.owner_team_id else None,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices(schedule.time_zone if schedule else "")
        self.fields["owner_team"].queryset = org_selectors.team_list(organization=organization)

    def action_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class LayerForm(forms.Form):
    """A layer; participants are numbered selects (turn order), with a few empty slots to add people."""

    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"placeholder": "e.g. Primary"}))
    rotation = forms.ChoiceField(choices=RotationKind.choices, initial=RotationKind.WEEKLY, label="Rotation")
    shift_hours = forms.IntegerField(
        min_value=1,
        max_value=24 * 28,
        initial=12,
        required=False,
        label="Shift length (hours)",
        help_text="Custom rotations only: counted in elapsed hours, so the local hand-off moves by an hour when "
        "the clocks change. Daily and weekly hand-offs stay at the same local time.",
    )
    handoff_time = forms.TimeField(
        initial=time(9), label="Hand-off time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    start_date = BoundedDateField(
        label="First hand-off on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_date = BoundedDateField(
        required=False,
        label="Ends on (optional)",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The layer stops at the hand-off time on this date.",
    )
    preset = forms.ChoiceField(
        choices=PRESET_CHOICES, initial="always", label="When this layer applies", widget=forms.RadioSelect
    )
    custom_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        label="Days",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "weekday-choices"}),
    )
    custom_start = forms.TimeField(
        required=False, label="From", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    custom_end = forms.TimeField(
        required=False,
        label="To",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="An end at or before the start runs past midnight (22:00-06:00 is a night window).",
    )

    def __init__(
        self, *args: Any, organization: Organization, layer: ScheduleLayer | None = None, **kwargs: Any
    ) -> None:
        self.layer = layer
        current: list[User] = [m.user for m in layer.members.all()] if layer else []
        if layer is not None and "initial" not in kwargs:
            kwargs["initial"] = self.layer_initial(layer, current)
        super().__init__(*args, **kwargs)
        if layer is not None and self.initial.get("preset") == KEEP[0]:
            self.fields["preset"].choices = [KEEP, *PRESET_CHOICES]
        data = args[0] if args else kwargs.get("data")
        posted = sum(1 for key in (data or {}) if key.startswith("participant_")) if data else 0
        self.slot_count = min(max(len(current) + 2, MIN_SLOTS, posted), MAX_SLOTS)
        members = org_selectors.member_choices(organization=organization)
        for i in range(1, self.slot_count + 1):
            self.fields[f"participant_{i}"] = member_field(members, required=False, label=f"{i}.", empty_label="—")

    @staticmethod
    def layer_initial(layer: ScheduleLayer, users: list[User]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": layer.name,
            "rotation": layer.rotation,
            "shift_hours": layer.shift_hours,
            "handoff_time": layer.handoff_time,
            "start_date": layer.start_date,
            "end_date": layer.end_date,
            **{f"participant_{i}": user.uuid for i, user in enumerate(users, start=1)},
        }
        restrictions = layer.restrictions or []
        preset = next((name for name, value in PRESETS.items() if value == restrictions), None)
        if preset:
            initial["preset"] = preset
        elif len(restrictions) == 1:
            window = restrictions[0]
            initial.update(
                preset="custom",
                custom_weekdays=window["weekdays"],
                custom_start=window["start"],
                custom_end=window["end"],
            )
        else:
            initial["preset"] = KEEP[0]
        return initial

    def participant_fields(self) -> list[forms.BoundField]:
        return [self[f"participant_{i}"] for i in range(1, self.slot_count + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        users = [data.get(f"participant_{i}") for i in range(1, self.slot_count + 1)]
        users = [u for u in users if u is not None]
        if not users:
            self.add_error("participant_1", "Add at least one participant.")
        elif len({u.pk for u in users}) != len(users):
            self.add_error("participant_1", "Each person can take one turn per rotation; remove the repeat.")
        data["users"] = users
        preset = data.get("preset")
        if preset == "custom":
            days, start, end = data.get("custom_weekdays"), data.get("custom_start"), data.get("custom_end")
            if not days:
                self.add_error("custom_weekdays", "Pick the days this window applies on.")
            if start is None or end is None:
                self.add_error("custom_start", "Give the window's start and end times.")
            if days and start is not None and end is not None:
                data["restrictions"] = [
                    {"weekdays": sorted(days), "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
                ]
        elif preset in PRESETS:
            data["restrictions"] = PRESETS[preset]
        if data.get("rotation") == RotationKind.CUSTOM and not data.get("shift_hours"):
            self.add_error("shift_hours", "Give the length of a custom shift in hours.")
        return data

    def action_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            "name": data["name"],
            "rotation": data["rotation"],
            "handoff_time": data["handoff_time"],
            "start_date": data["start_date"],
            "end_date": data.get("end_date"),
            "users": data["users"],
        }
        if data["rotation"] == RotationKind.CUSTOM:
            fields["shift_hours"] = data["shift_hours"]
        if "restrictions" in data:
            fields["restrictions"] = data["restrictions"]
        return fields


class OverrideForm(forms.Form):
    user = MemberChoiceField(queryset=None, to_field_name="uuid", label="Who is on call", empty_label="Choose…")
    covers = MemberChoiceField(
        queryset=None,
        to_field_name="uuid",
        required=False,
        label="Instead of",
        empty_label="Whoever is on call (everyone)",
        help_text="Pick a person to take only their time; leave it to take the whole schedule, gaps included.",
    )
    starts_at = ZonedDateTimeField(label="From")
    ends_at = ZonedDateTimeField(label="Until")

    def __init__(self, *args: Any, organization: Organization, schedule: Schedule, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = org_selectors.member_choices(organization=organization)
        self.fields["user"].queryset = members
        self.fields["covers"].queryset = members
        tz = ZoneInfo(schedule.time_zone)
        zone = schedule.time_zone.replace("_", " ")
        for name in ("starts_at", "ends_at"):
            self.fields[name].tz = tz
            self.fields[name].label = f"{self.fields[name].label} ({zone})"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The end must be after the start.")
        return data
