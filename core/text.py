"""Text helpers shared by every app."""

from datetime import timedelta

from django.utils.text import slugify


def slug_from(value: str, max_length: int) -> str:
    """`value` as a slug that fits a column of `max_length`: slugified, cut at the limit, no hyphen at either end.

    slugify can lengthen text (NFKD turns "ﬁ" into "fi" and "½" into "12"), so a name that fits its own column
    can still give a slug that does not fit the slug column: derived slugs always go through here.
    """
    return slugify(value)[:max_length].strip("-")


def duration_text(duration: timedelta | int | None) -> str:
    """2d 4h · 3h 12m · 14m · 40s: the two largest units, for people scanning a list or a retrospective.

    Takes a timedelta or whole seconds; None (a milestone not reached yet) reads "—", negatives read as zero.
    """
    if duration is None:
        return "—"
    seconds = int(duration.total_seconds()) if isinstance(duration, timedelta) else duration
    seconds = max(seconds, 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{seconds}s"
