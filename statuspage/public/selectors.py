"""Reads of the public status page. Everything a page shows is loaded by a fixed set of queries (no query per
component or incident), so the page answers in constant queries whatever its size; drills are filtered out here
too, whatever rows exist."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from orgs.models import Membership
from statuspage import rules
from statuspage.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Maintenance,
    MaintenanceComponent,
    MaintenanceStatus,
    MaintenanceUpdate,
    PublicIncident,
    PublicIncidentComponent,
    PublicUpdate,
    PublicUpdateComponent,
    StatusPage,
)
from statuspage.public.uptime import UptimeRow, uptime_rows

HISTORY_PAGE_SIZE = 20


@dataclass
class ComponentState:
    component: Component
    status: str
    uptime: UptimeRow | None = None
    is_group = False

    @property
    def status_label(self) -> str:
        return ComponentStatus(self.status).label


@dataclass
class GroupState:
    group: ComponentGroup
    status: str
    components: list[ComponentState] = field(default_factory=list)
    is_group = True

    @property
    def status_label(self) -> str:
        return ComponentStatus(self.status).label


@dataclass
class PageState:
    """What the page shows now."""

    page: StatusPage
    components: list[ComponentState]  # every component, in page order (group members after their group)
    groups: list[GroupState]
    top: list[ComponentState | GroupState]  # ungrouped components and groups, by position
    open_incidents: list[PublicIncident]
    active_maintenances: list[Maintenance]
    upcoming_maintenances: list[Maintenance]
    indicator: str
    description: str
    updated_at: datetime


def page_for_request(*, request: HttpRequest, org_slug: str, page_slug: str | None) -> StatusPage:
    """The status page a public URL names (the org's default one without `page_slug`), or 404. A private page is
    shown only to a signed-in member of its org who is on its viewer list; anyone else gets the same 404 as for a
    page that does not exist."""
    pages = StatusPage.objects.select_related("organization").filter(organization__slug=org_slug)
    pages = pages.filter(slug=page_slug) if page_slug else pages.filter(is_default=True)
    page = pages.defer("logo_bytes").first()
    if page is None:
        raise Http404("No such status page.")
    if not page.is_public:
        user = request.user
        allowed = (
            user.is_authenticated
            and Membership.objects.filter(organization_id=page.organization_id, user=user).exists()
            and page.viewer_links.filter(user=user).exists()
        )
        if not allowed:
            raise Http404("No such status page.")
    return page


def _updates_prefetch() -> Prefetch:
    links = PublicUpdateComponent.objects.select_related("component").order_by("pk")
    return Prefetch(
        "updates",
        queryset=PublicUpdate.objects.order_by("-display_at", "-pk").prefetch_related(
            Prefetch("component_links", queryset=links)
        ),
    )


def public_incidents(*, page: StatusPage) -> QuerySet[PublicIncident]:
    """The page's public incidents (never a drill's), newest first, with updates and components at hand."""
    return (
        PublicIncident.objects.for_org(page.organization)
        .filter(page=page, incident__is_drill=False)
        .order_by("-started_at", "-pk")
        .prefetch_related(
            _updates_prefetch(),
            Prefetch(
                "component_links", queryset=PublicIncidentComponent.objects.select_related("component").order_by("pk")
            ),
        )
    )


def public_incident_get(*, page: StatusPage, uuid: str) -> PublicIncident:
    incident = public_incidents(page=page).filter(uuid=uuid).first()
    if incident is None:
        raise Http404("No such incident.")
    return incident


def maintenances(*, page: StatusPage) -> QuerySet[Maintenance]:
    """The page's maintenances, latest scheduled first, with updates and components at hand."""
    return (
        Maintenance.objects.for_org(page.organization)
        .filter(page=page)
        .order_by("-scheduled_for", "-pk")
        .prefetch_related(
            Prefetch("updates", queryset=MaintenanceUpdate.objects.order_by("-created_at", "-pk")),
            Prefetch(
                "component_links", queryset=MaintenanceComponent.objects.select_related("component").order_by("pk")
            ),
        )
    )


def maintenances_upcoming(*, page: StatusPage) -> QuerySet[Maintenance]:
    return maintenances(page=page).filter(status=MaintenanceStatus.SCHEDULED).order_by("scheduled_for", "pk")


def maintenances_active(*, page: StatusPage) -> QuerySet[Maintenance]:
    return maintenances(page=page).filter(status__in=rules.ACTIVE_MAINTENANCE_STATUSES).order_by("scheduled_for", "pk")


def page_state(*, page: StatusPage, with_uptime: bool = False, now: datetime | None = None) -> PageState:
    """Everything the page and summary.json show, in a fixed number of queries."""
    now = now or timezone.now()
    groups = list(ComponentGroup.objects.for_org(page.organization).filter(page=page))
    components = list(
        Component.objects.for_org(page.organization)
        .filter(page=page)
        .select_related("service", "group")
        .order_by("position", "name", "pk")
    )
    current = list(
        maintenances(page=page).filter(
            Q(status__in=rules.ACTIVE_MAINTENANCE_STATUSES) | Q(status=MaintenanceStatus.SCHEDULED)
        )
    )
    active = sorted(
        (m for m in current if m.status in rules.ACTIVE_MAINTENANCE_STATUSES), key=lambda m: (m.scheduled_for, m.pk)
    )
    upcoming = sorted(
        (m for m in current if m.status == MaintenanceStatus.SCHEDULED), key=lambda m: (m.scheduled_for, m.pk)
    )
    in_maintenance = {link.component_id for m in active for link in m.component_links.all()}
    open_incidents = list(public_incidents(page=page).filter(status__in=rules.OPEN_PUBLIC_STATUSES))
    rows = uptime_rows(page=page, components=components, now=now) if with_uptime else {}

    states = [
        ComponentState(
            component=c,
            status=rules.component_status(
                override=c.status_override,
                under_maintenance=c.pk in in_maintenance,
                service_health=c.service.health if c.service_id else None,
            ),
            uptime=rows.get(c.pk),
        )
        for c in components
    ]
    group_states = {g.pk: GroupState(group=g, status=rules.ComponentStatus.OPERATIONAL) for g in groups}
    top: list[ComponentState | GroupState] = []
    for state in states:
        if state.component.group_id in group_states:
            group_states[state.component.group_id].components.append(state)
        else:
            top.append(state)
    for group_state in group_states.values():
        group_state.status = rules.worst_component_status([s.status for s in group_state.components])
    top.extend(group_states.values())
    top.sort(key=_position)
    ordered = [s for item in top for s in (item.components if isinstance(item, GroupState) else [item])]

    indicator = rules.page_indicator(
        component_statuses=[s.status for s in states], open_impacts=[i.impact for i in open_incidents]
    )
    stamps = [page.updated_at, *(c.updated_at for c in components), *(g.updated_at for g in groups)]
    stamps += [i.updated_at for i in open_incidents] + [m.updated_at for m in current]
    return PageState(
        page=page,
        components=ordered,
        groups=list(group_states.values()),
        top=top,
        open_incidents=open_incidents,
        active_maintenances=active,
        upcoming_maintenances=upcoming,
        indicator=indicator,
        description=rules.page_description(indicator=indicator, maintenance_active=bool(active)),
        updated_at=max(stamps),
    )


def _position(item: ComponentState | GroupState) -> tuple[int, str, int]:
    row = item.group if isinstance(item, GroupState) else item.component
    return (row.position, row.name, row.pk)
