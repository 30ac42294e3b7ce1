"""The statuspage admin API: status pages, groups, components (and their override), maintenances (and their
lifecycle), public incidents and subscribers, with exact bodies, audit entries, token roles and tenancy."""

import pytest
from django.utils import timezone

from orgs.models import AuditEvent
from statuspage.models import Component, Maintenance, MaintenanceStatus, StatusPage, Subscriber
from tests.factories import (
    ComponentFactory,
    IncidentFactory,
    MaintenanceFactory,
    PublicIncidentFactory,
    StatusPageFactory,
    SubscriberFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(org):
    return StatusPageFactory(organization=org, slug="acme-status", title="Acme status")


def error_fields(response):
    return response.json()["error"]["fields"]


def test_create_a_status_page_and_read_it_back(api_client, org):
    response = api_client.post(
        "/api/v1/status-pages/",
        {"title": "Acme status", "time_zone": "Europe/Paris", "custom_domain": "status.acme.test"},
        format="json",
    )

    page = StatusPage.objects.get(organization=org)
    body = response.json()
    assert response.status_code == 201
    assert {k: v for k, v in body.items() if k not in ("created_at", "updated_at")} == {
        "id": str(page.uuid),
        "slug": "acme-status",
        "title": "Acme status",
        "description": "",
        "time_zone": "Europe/Paris",
        "is_public": True,
        "is_default": True,
        "custom_domain": "status.acme.test",
        "has_logo": False,
        "allowed_viewers": [],
        "public_url": "/status/acme/",
    }
    assert api_client.get(f"/api/v1/status-pages/{page.uuid}/").json() == body
    event = AuditEvent.objects.get(organization=org, action="status_page.created")
    assert event.actor_token is not None


def test_patch_a_page_and_its_viewers(api_client, page, owner):
    response = api_client.patch(
        f"/api/v1/status-pages/{page.uuid}/",
        {"is_public": False, "allowed_viewers": [owner.user.email], "time_zone": "Nowhere/Else"},
        format="json",
    )
    assert response.status_code == 400
    assert error_fields(response) == {
        "time_zone": ["“Nowhere/Else” is not a time zone name (for example Europe/London)."]
    }

    response = api_client.patch(
        f"/api/v1/status-pages/{page.uuid}/", {"is_public": False, "allowed_viewers": [owner.user.email]}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["is_public"], response.json()["allowed_viewers"]) == (False, ["owner@acme.test"])


def test_a_second_default_page_takes_the_mark(api_client, page, org):
    response = api_client.post("/api/v1/status-pages/", {"title": "Partners", "is_default": True}, format="json")

    assert response.status_code == 201
    assert list(StatusPage.objects.filter(organization=org, is_default=True).values_list("slug", flat=True)) == [
        "partners"
    ]


@pytest.mark.parametrize("slug", ["history", "api", "subscribe", "incidents"])
def test_a_slug_that_is_a_path_of_the_page_is_refused(api_client, page, org, slug):
    response = api_client.post("/api/v1/status-pages/", {"title": "Partners", "slug": slug}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "slug": [f"{slug} is a path of the status page itself; choose another slug."]
    }
    assert StatusPage.objects.filter(organization=org).count() == 1


def test_components_groups_and_the_override(api_client, page, org):
    group = api_client.post(
        "/api/v1/status-page-component-groups/", {"page": str(page.uuid), "name": "Payments"}, format="json"
    ).json()
    created = api_client.post(
        "/api/v1/status-page-components/",
        {"page": str(page.uuid), "name": "Checkout", "group": group["id"]},
        format="json",
    )
    component = Component.objects.get(page=page)

    refused = api_client.post(
        f"/api/v1/status-page-components/{component.uuid}/override/", {"status": "major_outage"}, format="json"
    )
    overridden = api_client.post(
        f"/api/v1/status-page-components/{component.uuid}/override/",
        {"status": "major_outage", "reason": "Provider down"},
        format="json",
    )
    listed = api_client.get(f"/api/v1/status-page-components/?status_page={page.uuid}")

    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("page", "group", "service", "name", "position", "status_override")} == {
        "page": str(page.uuid),
        "group": group["id"],
        "service": None,
        "name": "Checkout",
        "position": 0,
        "status_override": "",
    }
    assert refused.status_code == 400
    assert error_fields(refused) == {"reason": ["Say why the status is set by hand (it is kept in the audit log)."]}
    assert overridden.json()["status_override"] == "major_outage"
    assert [c["name"] for c in listed.json()["results"]] == ["Checkout"]
    assert AuditEvent.objects.get(organization=org, action="status_component.status_overridden").changes["reason"] == (
        "Provider down"
    )


def test_a_component_of_another_page_group_is_refused(api_client, page, org):
    other = StatusPageFactory(organization=org, slug="partners")
    group = api_client.post(
        "/api/v1/status-page-component-groups/", {"page": str(other.uuid), "name": "Elsewhere"}, format="json"
    ).json()

    response = api_client.post(
        "/api/v1/status-page-components/", {"page": str(page.uuid), "name": "X", "group": group["id"]}, format="json"
    )

    assert response.status_code == 400
    assert error_fields(response) == {"group": ["Choose a group of this status page."]}


def test_maintenance_lifecycle_legal_and_illegal_moves(api_client, page, org):
    component = ComponentFactory(page=page, name="Checkout")
    created = api_client.post(
        "/api/v1/maintenances/",
        {
            "page": str(page.uuid),
            "title": "DB upgrade",
            "scheduled_for": "2030-01-10T09:00:00Z",
            "scheduled_until": "2030-01-10T11:00:00Z",
            "components": [str(component.uuid)],
        },
        format="json",
    )
    url = f"/api/v1/maintenances/{created.json()['id']}/"

    skip = api_client.post(url + "transition/", {"status": "verifying"}, format="json")
    answers = [
        api_client.post(url + "transition/", {"status": status, "body": f"Now {status}."}, format="json")
        for status in ("in_progress", "verifying", "in_progress", "completed")
    ]
    after = api_client.post(url + "transition/", {"status": "in_progress"}, format="json")
    edit = api_client.patch(url, {"title": "Too late"}, format="json")

    maintenance = Maintenance.objects.get(page=page)
    assert created.status_code == 201
    assert (created.json()["status"], created.json()["components"]) == ("scheduled", [str(component.uuid)])
    assert skip.status_code == 400
    assert error_fields(skip) == {
        "status": ["This maintenance is scheduled: it cannot move to verifying; it can only move to in progress."]
    }
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert answers[-1].json()["status"] == "completed"
    assert [u["status"] for u in answers[-1].json()["updates"]] == [
        "completed",
        "in_progress",
        "verifying",
        "in_progress",
        "scheduled",
    ]
    assert after.status_code == 400
    assert error_fields(after) == {
        "status": [
            "This maintenance is completed: it cannot move to in progress; nothing moves a completed maintenance."
        ]
    }
    assert edit.status_code == 400
    assert maintenance.status == MaintenanceStatus.COMPLETED
    assert (maintenance.started_at is not None, maintenance.completed_at is not None) == (True, True)
    assert AuditEvent.objects.filter(organization=org, action="maintenance.status_changed").count() == 4


def test_a_maintenance_must_end_after_it_starts(api_client, page):
    response = api_client.post(
        "/api/v1/maintenances/",
        {
            "page": str(page.uuid),
            "title": "Backwards",
            "scheduled_for": "2030-01-10T09:00:00Z",
            "scheduled_until": "2030-01-10T08:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 400
    assert error_fields(response) == {"scheduled_until": ["The maintenance must end after it starts."]}
    assert Maintenance.objects.exists() is False


def test_post_an_update_on_a_maintenance(api_client, page):
    maintenance = MaintenanceFactory(page=page)

    response = api_client.post(f"/api/v1/maintenances/{maintenance.uuid}/updates/", {"body": "Soon."}, format="json")

    assert response.status_code == 201
    assert response.json()["updates"][0]["body"] == "Soon."


def test_public_incident_patch_title_and_impact(api_client, page, org):
    public = PublicIncidentFactory(page=page, incident=IncidentFactory(organization=org), title="Ledger down")

    response = api_client.patch(
        f"/api/v1/public-incidents/{public.uuid}/", {"title": "Payments slow", "impact": "critical"}, format="json"
    )

    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("title", "title_overridden", "impact", "impact_overridden")} == {
        "title": "Payments slow",
        "title_overridden": True,
        "impact": "critical",
        "impact_overridden": True,
    }
    assert AuditEvent.objects.get(organization=org, action="public_incident.edited").changes == {
        "title": {"before": "Ledger down", "after": "Payments slow"},
        "impact": {"before": "minor", "after": "critical"},
    }


def test_subscribers_are_for_admin_tokens(api_client, api_client_for, page, org):
    subscriber = SubscriberFactory(page=page, email="ana@example.test", confirmed_at=timezone.now())
    responder = api_client_for(org, "responder")

    listed = api_client.get("/api/v1/status-page-subscribers/")
    forbidden = responder.get("/api/v1/status-page-subscribers/")
    removed = api_client.delete(f"/api/v1/status-page-subscribers/{subscriber.uuid}/")

    assert [(s["email"], s["confirmed"], s["components"]) for s in listed.json()["results"]] == [
        ("ana@example.test", True, [])
    ]
    assert forbidden.status_code == 403
    assert removed.status_code == 204
    assert Subscriber.objects.exists() is False


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_non_admin_tokens_read_and_get_403_on_writes(api_client_for, page, org, role):
    client = api_client_for(org, role)
    component = ComponentFactory(page=page)
    maintenance = MaintenanceFactory(page=page)

    reads = [client.get(f"/api/v1/{path}/").status_code for path in ("status-pages", "maintenances")]
    writes = [
        client.post("/api/v1/status-pages/", {"title": "X"}, format="json").status_code,
        client.patch(f"/api/v1/status-pages/{page.uuid}/", {"title": "X"}, format="json").status_code,
        client.post(
            f"/api/v1/status-page-components/{component.uuid}/override/", {"status": ""}, format="json"
        ).status_code,
        client.post(
            f"/api/v1/maintenances/{maintenance.uuid}/transition/", {"status": "in_progress"}, format="json"
        ).status_code,
        client.delete(f"/api/v1/status-pages/{page.uuid}/").status_code,
    ]

    assert reads == [200, 200]
    assert writes == [403] * 5
    assert StatusPage.objects.get(pk=page.pk).title == "Acme status"
    assert Maintenance.objects.get(pk=maintenance.pk).status == MaintenanceStatus.SCHEDULED


def test_another_orgs_objects_are_404(api_client_for, page, other_org):
    client = api_client_for(other_org, "admin")
    component = ComponentFactory(page=page)
    maintenance = MaintenanceFactory(page=page)

    answers = [
        client.get(f"/api/v1/status-pages/{page.uuid}/").status_code,
        client.get(f"/api/v1/status-page-components/{component.uuid}/").status_code,
        client.post(
            f"/api/v1/maintenances/{maintenance.uuid}/transition/", {"status": "in_progress"}, format="json"
        ).status_code,
        client.get("/api/v1/status-pages/").json()["results"],
    ]
    refused = client.post("/api/v1/status-page-components/", {"page": str(page.uuid), "name": "Mine"}, format="json")

    assert answers == [404, 404, 404, []]
    assert refused.status_code == 400
    assert list(error_fields(refused)) == ["page"]
    assert Maintenance.objects.get(pk=maintenance.pk).status == MaintenanceStatus.SCHEDULED
