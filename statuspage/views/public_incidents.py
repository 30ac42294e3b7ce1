"""A status page's public incidents (made when a responder posts an external status update; never drills) and
its subscribers. Admins edit a public incident's title, impact and affected components and remove subscribers;
other members read the incidents (the subscriber list, personal data, is for admins)."""

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from statuspage import actions
from statuspage.views import common
from statuspage.views.forms import PublicIncidentForm


@require_GET
def public_incident_list(request: HttpRequest, org_slug: str, page_slug: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    incidents = (
        page.incidents.select_related("incident")
        .prefetch_related("component_links__component")
        .annotate(update_count=Count("updates"))
    )
    context = {**common.frame(request, page, "incidents"), "public_incidents": list(incidents)}
    return render(request, "statuspage/admin/public_incident_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def public_incident_update(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    public_incident = common.public_incident_get(page, uuid)
    initial = {
        "title": public_incident.title,
        "impact": public_incident.impact,
        "components": [link.component.uuid for link in public_incident.component_links.select_related("component")],
    }
    return common.save(
        request,
        page,
        PublicIncidentForm(request.POST or None, page=page, initial=initial),
        lambda data: actions.public_incident_edit(
            public_incident=public_incident, actor=Actor.from_request(request), **data
        ),
        lambda saved: f"Public incident {saved.title} saved.",
        back=common.page_url("statuspage:public-incident-list", page),
        title=f"Public view of INC-{public_incident.incident.number}",
        submit_label="Save public incident",
        note="Visitors see this title and impact instead of the incident's own; its external status updates are "
        "posted from the incident page.",
    )


@require_GET
@role_required(ADMIN)
def subscriber_list(request: HttpRequest, org_slug: str, page_slug: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    subscribers = list(
        page.subscribers.filter(unsubscribed_at__isnull=True).prefetch_related("component_links__component")
    )
    counts = page.subscribers.aggregate(
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True)),
        pending=Count("pk", filter=Q(confirmed_at__isnull=True, unsubscribed_at__isnull=True)),
    )
    context = {**common.frame(request, page, "subscribers"), "subscribers": subscribers, "counts": counts}
    return render(request, "statuspage/admin/subscriber_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def subscriber_remove(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    subscriber = common.subscriber_get(page, uuid)
    return common.delete(
        request,
        page,
        lambda: actions.subscriber_remove(subscriber=subscriber, actor=Actor.from_request(request)),
        f"{subscriber.email} removed.",
        back=common.page_url("statuspage:subscriber-list", page),
        title=f"Remove {subscriber.email}?",
        body="No more mail goes to this address. The person may subscribe again from the public page.",
        confirm_label="Remove subscriber",
    )
