"""The page's Atom feed (feedgen): one entry per public incident, its updates newest first in the content."""

from collections.abc import Callable

from django.utils.html import escape
from feedgen.feed import FeedGenerator

from statuspage.models import PublicIncident, StatusPage


def incidents_feed(
    *,
    page: StatusPage,
    incidents: list[PublicIncident],
    page_url: str,
    feed_url: str,
    incident_url: Callable[[PublicIncident], str],
) -> bytes:
    """Atom XML of `incidents` (their updates prefetched)."""
    generator = FeedGenerator()
    generator.id(f"urn:uuid:{page.uuid}")
    generator.title(f"{page.title} status history")
    generator.link(href=page_url, rel="alternate")
    generator.link(href=feed_url, rel="self")
    generator.language("en")
    stamps = [page.updated_at]
    for incident in reversed(incidents):  # feedgen prepends: add oldest first to list newest first
        updates = list(incident.updates.all())
        updated = max([incident.updated_at, *(u.display_at for u in updates)])
        stamps.append(updated)
        entry = generator.add_entry()
        entry.id(f"urn:uuid:{incident.uuid}")
        entry.title(incident.title)
        entry.link(href=incident_url(incident))
        entry.published(incident.started_at)
        entry.updated(updated)
        content = "".join(
            f"<p><small>{u.display_at:%d %b %Y %H:%M} UTC</small><br><strong>{escape(u.get_status_display())}</strong>"
            f" - {escape(u.body)}</p>"
            for u in updates
        )
        entry.content(content or escape(incident.get_status_display()), type="html")
    generator.updated(max(stamps))
    return generator.atom_str(pretty=False)
