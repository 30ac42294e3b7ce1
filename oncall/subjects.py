"""What oncall pages about, read through the apps above it without importing them.

An escalation runs for a *subject* that lives in a higher app: an alert group (alerting). The Escalation row
names it by `subject_kind` and `subject_id`, with no foreign key (that key closed the cycle Service →
EscalationPolicy → Escalation → AlertGroup → Service; docs/architecture.md). The subject's app registers a
reader for its kind from its AppConfig.ready(); at each step oncall asks the reader, for a whole batch at once,
whether the subject still pages and what the page says. The reverse direction is events (oncall.events).

Manual paging is about an incident (incidents, above): incidents registers how to find one of an org's
incidents by number, for the pages and the API that page about one.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PageSubject:
    """A subject as an escalation step needs it, read at the step's time.

    `stopped_as` is None while the subject wants paging, else the status its run ends with ("acknowledged",
    "resolved"); while `silenced_until` is ahead the step waits for it. `subject`, `summary` and `link` make
    the page (oncall adds which step it is); `label` names it in words for a timeline (`alert “…”`);
    `incident_id` is the incident it belongs to, if any; `delivery` are the references a delivery record
    (notifications.Notification) keeps of it, such as ``{"alert_group": group}``.
    """

    kind: str
    id: int
    stopped_as: str | None
    silenced_until: datetime | None
    subject: str
    summary: str
    link: str
    label: str
    incident_id: int | None = None
    delivery: Mapping[str, Any] = field(default_factory=dict)


SubjectReader = Callable[[list[int]], dict[int, PageSubject]]
IncidentFinder = Callable[..., Any]

_readers: dict[str, SubjectReader] = {}
_incident_finder: list[IncidentFinder] = []


def subject_reader_register(kind: str, reader: SubjectReader) -> None:
    """Let escalations run for subjects of `kind`: `reader(ids)` returns the subjects that exist, by id."""
    _readers[kind] = reader


def subjects_read(kind: str, ids: list[int]) -> dict[int, PageSubject]:
    """The subjects of `kind` with these ids that exist (one read for the batch); none for an unknown kind."""
    reader = _readers.get(kind)
    return reader(ids) if reader is not None and ids else {}


def incident_finder_register(finder: IncidentFinder) -> None:
    """`finder(organization=..., number=...)` returns the org's incident with that number, or None."""
    _incident_finder[:] = [finder]


def incident_find(*, organization: Any, number: int) -> Any:
    """The org's incident with this number, or None (also when no app has registered a finder)."""
    if not _incident_finder:
        return None
    return _incident_finder[0](organization=organization, number=number)
