"""Demo schedule data for seed_demo (idempotent): "Payments primary" (weekly, the demo user on call now) and
"Platform follow-the-sun" (day and night layers with restrictions, leaving weekend days uncovered), each
with an override."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from oncall.actions import schedules as actions
from oncall.models import Schedule
from orgs.models import Organization, Team, User
from orgs.tenancy import Actor

ZONE = "Europe/London"


def _people(organization: Organization, *emails: str) -> list[User]:
    users = {u.email: u for u in User.objects.filter(email__in=emails, memberships__organization=organization)}
    return [users[e] for e in emails if e in users]


def _team(organization: Organization, name: str) -> Team | None:
    return Team.objects.for_org(organization).filter(name=name).first()


def _at(day: object, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz)


@transaction.atomic
def seed_demo(*, organization: Organization) -> None:
    """Add the demo org's schedules; running it twice changes nothing."""
    system = Actor.system()
    tz = ZoneInfo(ZONE)
    today = timezone.now().astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())

    if not Schedule.objects.for_org(organization).filter(slug="payments-primary").exists():
        people = _people(organization, "demo@example.com", "bob@example.com")
        if len(people) == 2:
            demo, bob = people
            schedule = actions.schedule_create(
                organization=organization,
                actor=system,
                name="Payments primary",
                slug="payments-primary",
                description="First responder for checkout, payments and billing. Weekly hand-off on the day "
                "the rotation started, 09:00 London.",
                time_zone=ZONE,
                owner_team=_team(organization, "Payments"),
            )
            # The first turn (the demo user's) started yesterday at 09:00, so they are on call now.
            actions.layer_create(
                schedule=schedule,
                actor=system,
                users=[demo, bob],
                name="Primary",
                rotation="weekly",
                handoff_time=time(9),
                start_date=today - timedelta(days=1),
            )
            evening = today + timedelta(days=2)
            actions.override_create(
                schedule=schedule,
                actor=system,
                user=bob,
                covers=demo,
                starts_at=_at(evening, 18, tz),
                ends_at=_at(evening, 23, tz),
            )

    if not Schedule.objects.for_org(organization).filter(slug="platform-follow-the-sun").exists():
        people = _people(organization, "alice@example.com", "deepak@example.com", "carmen@example.com")
        if len(people) == 3:
            alice, deepak, carmen = people
            schedule = actions.schedule_create(
                organization=organization,
                actor=system,
                name="Platform follow-the-sun",
                slug="platform-follow-the-sun",
                description="London covers weekday daytime, the Americas every night. Weekend days are not "
                "covered yet.",
                time_zone=ZONE,
                owner_team=_team(organization, "Platform"),
            )
            actions.layer_create(
                schedule=schedule,
                actor=system,
                users=[carmen, deepak],
                name="Americas nights",
                rotation="daily",
                handoff_time=time(19),
                start_date=monday,
                restrictions=[{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "19:00", "end": "07:00"}],
            )
            actions.layer_create(
                schedule=schedule,
                actor=system,
                users=[alice, deepak],
                name="EMEA days",
                rotation="weekly",
                handoff_time=time(7),
                start_date=monday,
                restrictions=[{"weekdays": [0, 1, 2, 3, 4], "start": "07:00", "end": "19:00"}],
            )
            tomorrow = today + timedelta(days=1)
            while tomorrow.weekday() >= 5:  # alice is on call on weekdays only
                tomorrow += timedelta(days=1)
            actions.override_create(
                schedule=schedule,
                actor=system,
                user=carmen,
                covers=alice,
                starts_at=_at(tomorrow, 12, tz),
                ends_at=_at(tomorrow, 16, tz),
            )
