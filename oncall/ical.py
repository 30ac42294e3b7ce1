"""iCalendar (RFC 5545) feeds of on-call shifts, and the signed secret that lets a calendar app fetch a
member's feed without signing in.

The secret is `<profile uuid hex>.<signature>`, signed with SECRET_KEY and a salt that includes the
profile's `feed_nonce`: regenerating the nonce invalidates every earlier URL, and nothing secret is stored.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core import signing
from django.utils import timezone
from icalendar import Calendar, Event

from oncall.models import OncallProfile, Schedule
from oncall.rotation import OVERRIDE, Shift
from orgs.models import User

SALT = "firebreak.oncall.feed"
SEPARATOR = "."


def _signer(nonce: str) -> signing.Signer:
    return signing.Signer(salt=f"{SALT}:{nonce}", sep=SEPARATOR)


def feed_token(profile: OncallProfile) -> str:
    """The secret path segment of a member's feed URLs."""
    return _signer(profile.feed_nonce).sign(profile.uuid.hex)


def feed_token_uuid(token: str) -> str | None:
    """The profile uuid a token claims (unverified: check with `feed_token_valid` once the profile is loaded)."""
    value, _, signature = token.partition(SEPARATOR)
    if len(value) != 32 or not signature or any(c not in "0123456789abcdef" for c in value):
        return None
    return value


def feed_token_valid(profile: OncallProfile, token: str) -> bool:
    """Whether `token` is the profile's current secret (constant-time comparison)."""
    try:
        return _signer(profile.feed_nonce).unsign(token) == profile.uuid.hex
    except signing.BadSignature:
        return False


def shifts_calendar(
    *, name: str, entries: Iterable[tuple[Schedule, Shift]], users: dict[int, User], link_for: dict[int, str]
) -> bytes:
    """A calendar with one event per shift: "On call: <schedule> (<person>)", in UTC.

    `link_for` maps a schedule's pk to its page URL (put in the event's URL and description).
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Firebreak//On-call//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-published-ttl", "PT1H")
    stamp = timezone.now()
    for schedule, shift in entries:
        user = users.get(shift.user_id)
        person = user.display_name if user else "somebody"
        event = Event()
        event.add("uid", _uid(schedule, shift, user))
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        kind = " (override)" if shift.source == OVERRIDE else ""
        event.add("summary", f"On call: {schedule.name} ({person}){kind}")
        link = link_for.get(schedule.pk, "")
        event.add("description", f"{person} is on call for {schedule.name}{kind}.\n{link}".strip())
        if link:
            event.add("url", link)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()


def _uid(schedule: Schedule, shift: Shift, user: User | None) -> str:
    start: datetime = shift.starts_at
    who = user.uuid.hex if user else "nobody"
    return f"{schedule.uuid.hex}-{start:%Y%m%dT%H%M%SZ}-{who}@firebreak"
