"""Overrides: someone covers a schedule for a while (at most `MAX_OVERRIDE`), or stops covering it."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from oncall.actions.schedules.validation import _check_members
from oncall.models import Schedule, ScheduleOverride
from orgs import actions as org_actions
from orgs.models import User
from orgs.tenancy import Actor

MAX_OVERRIDE = timedelta(days=90)


@transaction.atomic
def override_create(
    *,
    schedule: Schedule,
    actor: Actor,
    user: User,
    starts_at: datetime,
    ends_at: datetime,
    covers: User | None = None,
) -> ScheduleOverride:
    """`user` takes the schedule from `starts_at` to `ends_at`: instead of `covers`, or over everyone when None."""
    errors: dict[str, str] = {}
    if starts_at is None or ends_at is None or timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": "Give the start and end with a time zone."})
    if ends_at <= starts_at:
        errors["ends_at"] = "The end must be after the start."
    elif ends_at - starts_at > MAX_OVERRIDE:
        errors["ends_at"] = "An override lasts at most 90 days; change the rotation for anything longer."
    elif ends_at <= timezone.now():
        errors["ends_at"] = "This override would be over already; pick a time in the future."
    if covers is not None and covers.pk == user.pk:
        errors["covers"] = "A person cannot cover themselves; leave “covers” empty or pick someone else."
    try:
        _check_members(schedule.organization, [user], "user")
    except ValidationError as exc:
        errors["user"] = exc.message_dict["user"][0]
    if covers is not None:
        try:
            _check_members(schedule.organization, [covers], "covers")
        except ValidationError as exc:
            errors["covers"] = exc.message_dict["covers"][0]
    if errors:
        raise ValidationError(errors)
    override = ScheduleOverride.objects.create(
        organization=schedule.organization,
        schedule=schedule,
        user=user,
        covers=covers,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor.user,
    )
    org_actions.audit_record(
        organization=schedule.organization,
        actor=actor,
        action="schedule.override_created",
        target=schedule,
        changes={
            "override": {
                "before": None,
                "after": {
                    "user": user.email,
                    "covers": covers.email if covers else None,
                    "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat(),
                },
            }
        },
    )
    return override


@transaction.atomic
def override_delete(*, override: ScheduleOverride, actor: Actor) -> None:
    """Remove an override: the rotation applies again for its time."""
    org_actions.audit_record(
        organization=override.organization,
        actor=actor,
        action="schedule.override_deleted",
        target=override.schedule,
        changes={
            "override": {
                "before": {
                    "user": override.user.email,
                    "starts_at": override.starts_at.isoformat(),
                    "ends_at": override.ends_at.isoformat(),
                },
                "after": None,
            }
        },
    )
    override.delete()
