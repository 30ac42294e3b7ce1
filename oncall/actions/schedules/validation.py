"""Checks the schedule writes share: members and teams of the org, a schedule's fields, a layer's fields
and restriction windows."""

import re
from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from oncall.models import RotationKind, Schedule, ScheduleLayer, ScheduleLayerMember, validate_time_zone
from orgs.models import Membership, Organization, Team, User

SCHEDULE_FIELDS = ("name", "slug", "description", "time_zone", "owner_team")


LAYER_FIELDS = ("name", "rotation", "shift_hours", "handoff_time", "start_date", "end_date", "restrictions")


MAX_PARTICIPANTS = 50


MAX_WINDOWS = 14


HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


SCHEDULE_RESERVED_SLUGS = {"new"}


def _check_members(organization: Organization, users: list[User], field: str) -> None:
    ids = {u.pk for u in users}
    members = set(
        Membership.objects.filter(organization=organization, user_id__in=ids).values_list("user_id", flat=True)
    )
    if ids - members:
        raise ValidationError({field: "Choose members of this organization."})


def _check_team(organization: Organization, team: Team | None) -> None:
    if team is not None and team.organization_id != organization.pk:
        raise ValidationError({"owner_team": "Choose a team of this organization."})


def _clean_schedule(organization: Organization, fields: dict[str, Any], schedule: Schedule | None) -> dict[str, Any]:
    clean = dict(fields)
    errors: dict[str, list[str]] = {}
    if "name" in clean or schedule is None:
        clean["name"] = (clean.get("name") or "").strip()
        if not clean["name"]:
            errors.setdefault("name", []).append("Name the schedule, e.g. “Payments primary”.")
    if "slug" in clean or schedule is None:
        slug = slugify((clean.get("slug") or "").strip() or clean.get("name") or "")[:63]
        clean["slug"] = slug
        if not slug:
            if "name" not in errors:
                errors.setdefault("slug", []).append("Enter a name or slug with at least one letter or number.")
        elif slug in SCHEDULE_RESERVED_SLUGS:
            errors.setdefault("slug", []).append(f"“{slug}” is reserved; choose another slug.")
        elif (
            Schedule.objects.for_org(organization).filter(slug=slug).exclude(pk=getattr(schedule, "pk", None)).exists()
        ):
            errors.setdefault("slug", []).append(f"A schedule with the slug “{slug}” already exists.")
    if "time_zone" in clean or schedule is None:
        clean["time_zone"] = (clean.get("time_zone") or "UTC").strip()
        try:
            validate_time_zone(clean["time_zone"])
        except ValidationError as exc:
            errors.setdefault("time_zone", []).extend(exc.messages)
    if "owner_team" in clean:
        try:
            _check_team(organization, clean["owner_team"])
        except ValidationError as exc:
            errors.setdefault("owner_team", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return clean


def clean_restrictions(value: Any) -> list[dict[str, Any]]:
    """Restrictions as stored: a list of {"weekdays": sorted 0..6, "start": "HH:MM", "end": "HH:MM"}."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(
            {
                "restrictions": 'A list of windows such as {"weekdays": [0, 1, 2, 3, 4], '
                '"start": "08:00", "end": "18:00"}.'
            }
        )
    if len(value) > MAX_WINDOWS:
        raise ValidationError({"restrictions": f"At most {MAX_WINDOWS} windows."})
    clean = []
    for number, window in enumerate(value, start=1):
        if not isinstance(window, dict) or set(window) - {"weekdays", "start", "end"}:
            raise ValidationError({"restrictions": f"Window {number}: use the keys weekdays, start and end."})
        weekdays = window.get("weekdays", list(range(7)))
        if (
            not isinstance(weekdays, list)
            or not weekdays
            or any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in weekdays)
        ):
            raise ValidationError(
                {"restrictions": f"Window {number}: weekdays is a non-empty list of 0 (Monday) to 6 (Sunday)."}
            )
        start, end = window.get("start", "00:00"), window.get("end", "00:00")
        if not all(isinstance(v, str) and HHMM.match(v) for v in (start, end)):
            raise ValidationError({"restrictions": f"Window {number}: start and end are times as HH:MM (24-hour)."})
        clean.append({"weekdays": sorted(set(weekdays)), "start": start, "end": end})
    return clean


def _clean_layer(fields: dict[str, Any], layer: ScheduleLayer | None) -> dict[str, Any]:
    clean = dict(fields)
    errors: dict[str, str] = {}
    merged = {f: getattr(layer, f) for f in LAYER_FIELDS} if layer else {}
    merged.update(clean)
    if "name" in clean or layer is None:
        clean["name"] = (clean.get("name") or "").strip()
        if not clean["name"]:
            errors["name"] = "Name the layer, e.g. “Primary” or “Weekend cover”."
    rotation = merged.get("rotation") or RotationKind.WEEKLY
    if rotation not in RotationKind.values:
        errors["rotation"] = "Choose daily, weekly or custom."
    shift_hours = merged.get("shift_hours")
    shift_hours = 24 if shift_hours is None else shift_hours
    if rotation == RotationKind.CUSTOM and not (isinstance(shift_hours, int) and 1 <= shift_hours <= 24 * 28):
        errors["shift_hours"] = "A custom rotation's shift is 1 to 672 hours."
    if not isinstance(merged.get("handoff_time"), time):
        errors["handoff_time"] = "Enter the hand-off time, e.g. 09:00."
    start_date, end_date = merged.get("start_date"), merged.get("end_date")
    if not isinstance(start_date, date):
        errors["start_date"] = "Enter the date of the first hand-off."
    elif end_date is not None and end_date <= start_date:
        errors["end_date"] = "The end date must be after the start date (or leave it empty)."
    if "restrictions" in clean:
        try:
            clean["restrictions"] = clean_restrictions(clean["restrictions"])
        except ValidationError as exc:
            errors["restrictions"] = exc.message_dict["restrictions"][0]
    if errors:
        raise ValidationError(errors)
    return clean


def _set_members(layer: ScheduleLayer, users: list[User]) -> None:
    if not users:
        raise ValidationError({"members": "Add at least one participant."})
    if len(users) > MAX_PARTICIPANTS:
        raise ValidationError({"members": f"At most {MAX_PARTICIPANTS} participants."})
    _check_members(layer.organization, users, "members")
    ScheduleLayerMember.objects.filter(layer=layer).delete()
    ScheduleLayerMember.objects.bulk_create(
        ScheduleLayerMember(organization_id=layer.organization_id, layer=layer, user=user, position=i)
        for i, user in enumerate(users)
    )


def _layer_snapshot(layer: ScheduleLayer) -> dict[str, Any]:
    return {
        "name": layer.name,
        "rotation": layer.rotation,
        "shift_hours": layer.shift_hours,
        "handoff_time": str(layer.handoff_time)[:5],
        "start_date": str(layer.start_date),
        "end_date": str(layer.end_date) if layer.end_date else None,
        "restrictions": layer.restrictions,
        "members": [m.user.email for m in layer.members.select_related("user").order_by("position")],
    }
