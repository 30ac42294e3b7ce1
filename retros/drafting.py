"""The first draft of a retrospective's sections, written from what the incident already recorded.

Pure text composition: the caller reads the data (retros.selectors) and stores the result (retros.actions)."""

from datetime import UTC, datetime
from typing import Any

from incidents.models import Incident, IncidentService, TimelineEvent, TimelineKind
from retros.selectors import Duration


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _event_line(event: TimelineEvent) -> str:
    p: dict[str, Any] = event.payload or {}
    who = event.actor_label
    match event.kind:
        case TimelineKind.DECLARED:
            text = f"Declared as {p.get('severity', '?')}: {p.get('title', '')}"
        case TimelineKind.STATUS_CHANGED:
            text = f"Status {p.get('from', '?')} → {p.get('to', '?')}"
        case TimelineKind.SEVERITY_CHANGED:
            text = f"Severity {p.get('from', '?')} → {p.get('to', '?')}"
        case TimelineKind.ROLE_ASSIGNED:
            text = f"{p.get('user', '?')} became {p.get('role', '?')}"
        case TimelineKind.PAGED:
            via = f" via {p['via']}" if p.get("via") else ""
            text = f"Paged {', '.join(str(t) for t in p.get('targets', []))}{via}"
        case TimelineKind.ALERT_ATTACHED:
            titles = ", ".join(str(g.get("title", "")) for g in p.get("groups", []))
            text = f"Alerts attached: {titles}"
        case TimelineKind.INCIDENT_MERGED:
            text = f"{p.get('incident', '?')} merged in"
        case _:
            first_line = (event.body or "").strip().splitlines()[0] if (event.body or "").strip() else ""
            text = f"{event.get_kind_display()}: {first_line}" if first_line else event.get_kind_display()
    pinned = " (pinned)" if event.is_pinned else ""
    return f"- **{_when(event.occurred_at)}**: {text}{pinned}, by {who}"


def durations_line(durations: list[Duration]) -> str:
    return " · ".join(f"{d.label}: {d.text}" for d in durations)


def _services_lines(links: list[IncidentService]) -> list[str]:
    lines = []
    for link in links:
        service = link.service
        team = service.owner_team
        if team is None:
            lines.append(f"- **{service.name}**: no owner team")
            continue
        people = ", ".join(tm.user.display_name for tm in team.team_memberships.all())
        lines.append(f"- **{service.name}**: owned by {team.name}" + (f" ({people})" if people else ""))
    return lines


def draft_sections(
    *,
    incident: Incident,
    events: list[TimelineEvent],
    durations: list[Duration],
    services: list[IncidentService],
    alert_titles: list[str],
) -> dict[str, str]:
    """Markdown for the sections the incident's data can fill (summary, customer_impact, timeline), by key."""
    summary = [incident.summary.strip() or f"{incident.reference}: {incident.title}.", ""]
    summary.append(
        f"{incident.severity.name} incident. Impact started {_when(incident.started_at)}"
        + (f" and was resolved {_when(incident.resolved_at)}." if incident.resolved_at else ".")
    )
    summary.append("")
    summary.append(durations_line(durations))
    impact = [incident.customer_impact.strip() or "_Describe who was affected and how._"]
    service_lines = _services_lines(services)
    if service_lines:
        impact += ["", "Affected services and their owners:", "", *service_lines]
    timeline = [_event_line(event) for event in events] or ["_No key events were recorded._"]
    if alert_titles:
        timeline += ["", "Alerts:", "", *(f"- {title}" for title in alert_titles)]
    return {
        "summary": "\n".join(summary).strip(),
        "customer_impact": "\n".join(impact).strip(),
        "timeline": "\n".join(timeline).strip(),
    }
