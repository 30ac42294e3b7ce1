"""Text helpers shared by every app."""

from django.utils.text import slugify


def slug_from(value: str, max_length: int) -> str:
    """`value` as a slug that fits a column of `max_length`: slugified, cut at the limit, no hyphen at either end.

    slugify can lengthen text (NFKD turns "ﬁ" into "fi" and "½" into "12"), so a name that fits its own column
    can still give a slug that does not fit the slug column: derived slugs always go through here.
    """
    return slugify(value)[:max_length].strip("-")
