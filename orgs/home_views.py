"""The org's home page (what a responder opens at 3 a.m.) and the organization settings page (admin figures).

The home page shows the panels other apps register in core.home: orgs is layer 2 and imports none of them.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.home import home_panels_render
from orgs import audit_changes, selectors
from orgs.permissions import ADMIN, role_required

# Seconds between two refreshes of the home page's panels (htmx polling).
HOME_REFRESH_SECONDS = 30
RECENT_AUDIT_EVENTS = 8
# Audit subjects whose words are not just their code with spaces.
AUDIT_SUBJECTS = {
    "api_token": "API token",
    "oncall": "On-call",
    "retro_template": "Retrospective template",
    "retro_settings": "Retrospective settings",
}


def audit_action_label(action: str) -> str:
    """An audit action code in words: team.member_added → Team member added, api_token.created → API token
    created (the audit log itself keeps the codes, which its filter uses)."""
    subject, _, verb = action.partition(".")
    words = AUDIT_SUBJECTS.get(subject) or audit_changes.field_label(subject)
    return f"{words} {audit_changes.field_label(verb).lower()}" if verb else words


@require_GET
@vary_on_headers("HX-Request")
def dashboard(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The responder's home: every registered panel; htmx asks for the panels region alone to refresh it."""
    context = {
        "panels": home_panels_render(request),
        "refreshed_at": timezone.now(),
        "refresh_seconds": HOME_REFRESH_SECONDS,
    }
    template = "orgs/dashboard.html#home-panels" if request.htmx else "orgs/dashboard.html"
    return render(request, template, context)


@require_GET
@role_required(ADMIN)
def organization_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The org's figures (members, teams, invitations, API tokens), getting-ready steps and recent audit events."""
    organization = request.organization
    events = list(selectors.audit_event_list(organization=organization)[:RECENT_AUDIT_EVENTS])
    for event in events:
        event.action_label = audit_action_label(event.action)
    context = {"stats": selectors.organization_stats(organization=organization), "recent_events": events}
    return render(request, "orgs/organization_settings.html", context)
