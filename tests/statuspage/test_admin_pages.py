"""The status page admin pages (/o/<org>/status-pages/…): CRUD with exact values and audit entries, the logo's
limits, components and their manual status, the maintenance lifecycle through the pages, roles (admins edit,
responders and viewers read, 403 on writes) and another org's objects as 404."""

from datetime import UTC, datetime

import pytest
from django.contrib.messages import get_messages

from orgs.models import AuditEvent, MembershipRole
from services import actions as service_actions
from statuspage.models import (
    Component,
    ComponentGroup,
    Maintenance,
    MaintenanceStatus,
    StatusPage,
    StatusPageViewer,
    Subscriber,
)
from tests.factories import (
    ComponentFactory,
    ComponentGroupFactory,
    IncidentFactory,
    MaintenanceFactory,
    PublicIncidentFactory,
    StatusPageFactory,
    SubscriberFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/o/acme/status-pages/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def messages_of(response):
    return [m.message for m in get_messages(response.wsgi_request)]


@pytest.fixture
def admin_client(owner, client_for):
    return client_for(owner)


@pytest.fixture
def page(org):
    return StatusPageFactory(organization=org, slug="acme-status", title="Acme status")


# --- the list -----------------------------------------------------------------------------------------------------


def test_empty_list_tells_an_admin_what_to_do(admin_client):
    response = admin_client.get(BASE)

    assert response.status_code == 200
    body = response.content.decode()
    assert "No status page yet" in body
    assert "/status/acme/" in body
    assert f'href="{BASE}new/"' in body


def test_empty_list_tells_a_viewer_that_an_admin_creates_pages(org, make_member, client_for):
    viewer = client_for(make_member(org, MembershipRole.VIEWER))

    body = viewer.get(BASE).content.decode()

    assert "An admin of this organization can create one" in body
    assert f'href="{BASE}new/"' not in body


def test_list_links_each_page_to_its_public_url(admin_client, page, org):
    StatusPageFactory(organization=org, slug="partners", title="Partners")

    body = admin_client.get(BASE).content.decode()

    assert 'href="http://testserver/status/acme/"' in body
    assert 'href="http://testserver/status/acme/partners/"' in body


# --- pages --------------------------------------------------------------------------------------------------------


def test_admin_creates_the_first_page_which_becomes_the_default(admin_client, org, owner):
    response = admin_client.post(
        f"{BASE}new/",
        {
            "title": "Acme status",
            "slug": "",
            "description": "All of Acme",
            "time_zone": "Europe/Paris",
            "custom_domain": "status.acme.test",
            "is_public": "on",
        },
    )

    page = StatusPage.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == BASE
    assert (page.title, page.slug, page.description, page.time_zone, page.custom_domain) == (
        "Acme status",
        "acme-status",
        "All of Acme",
        "Europe/Paris",
        "status.acme.test",
    )
    assert (page.is_public, page.is_default) == (True, True)
    event = AuditEvent.objects.get(organization=org, action="status_page.created")
    assert (event.actor_user, event.target_id, event.changes["slug"]) == (owner.user, str(page.uuid), "acme-status")


def test_settings_save_viewers_privacy_and_a_logo(admin_client, page, org, make_member):
    viewer = make_member(org, MembershipRole.VIEWER)
    upload = _upload("logo.png", PNG)

    response = admin_client.post(
        f"{BASE}acme-status/settings/",
        {
            "title": "Acme platform",
            "slug": "acme-status",
            "time_zone": "UTC",
            "allowed_viewers": [str(viewer.user.uuid)],
            "logo": upload,
        },
    )

    page.refresh_from_db()
    assert response.status_code == 302
    assert (page.title, page.is_public, page.logo_content_type, bytes(page.logo_bytes)) == (
        "Acme platform",
        False,
        "image/png",
        PNG,
    )
    assert list(StatusPageViewer.objects.filter(page=page).values_list("user", flat=True)) == [viewer.user.pk]
    assert sorted(AuditEvent.objects.filter(organization=org).values_list("action", flat=True)) == [
        "status_page.logo_changed",
        "status_page.updated",
    ]
    logo = admin_client.get(f"{BASE}acme-status/logo/")
    assert (logo.status_code, logo["Content-Type"], logo.content) == (200, "image/png", PNG)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"GIF89a" + b"\x00" * 32, "The logo must be a PNG, JPEG or WebP image."),
        (PNG + b"\x00" * (256 * 1024), "The logo is 256 KiB; at most 256 KiB."),
    ],
)
def test_a_logo_that_is_not_an_allowed_image_or_too_big_is_refused(admin_client, page, content, error):
    response = admin_client.post(
        f"{BASE}acme-status/settings/",
        {
            "title": "Acme status",
            "slug": "acme-status",
            "time_zone": "UTC",
            "is_public": "on",
            "logo": _upload("logo.png", content),
        },
    )

    page.refresh_from_db()
    assert response.status_code == 400
    assert error in response.content.decode()
    assert page.logo_content_type == ""


def test_the_default_page_cannot_be_deleted_while_another_page_exists(admin_client, page, org):
    StatusPageFactory(organization=org, slug="partners")

    response = admin_client.post(f"{BASE}acme-status/delete/")

    assert response.status_code == 400
    assert "make another page the default before deleting it" in response.content.decode()
    assert StatusPage.objects.filter(pk=page.pk).exists() is True


def test_making_another_page_the_default_moves_the_mark_then_the_old_one_can_go(admin_client, page, org):
    other = StatusPageFactory(organization=org, slug="partners", title="Partners")

    admin_client.post(
        f"{BASE}partners/settings/",
        {"title": "Partners", "slug": "partners", "time_zone": "UTC", "is_public": "on", "is_default": "on"},
    )
    response = admin_client.post(f"{BASE}acme-status/delete/")

    other.refresh_from_db()
    assert other.is_default is True
    assert response.status_code == 302
    assert list(StatusPage.objects.filter(organization=org)) == [other]
    assert AuditEvent.objects.filter(organization=org, action="status_page.deleted").count() == 1


# --- components -----------------------------------------------------------------------------------------------------


def test_admin_adds_a_group_and_a_component_for_a_service(admin_client, page, org):
    service = service_actions.service_create(organization=org, actor=_system(), name="Checkout API")

    admin_client.post(f"{BASE}acme-status/groups/new/", {"name": "Payments", "description": "Paying us"})
    group = ComponentGroup.objects.get(page=page)
    response = admin_client.post(
        f"{BASE}acme-status/components/new/",
        {"name": "Checkout", "description": "Buying things", "service": service.slug, "group": str(group.uuid)},
    )

    component = Component.objects.get(page=page)
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}acme-status/"
    assert (component.name, component.description, component.service, component.group, component.position) == (
        "Checkout",
        "Buying things",
        service,
        group,
        0,
    )
    body = admin_client.get(f"{BASE}acme-status/").content.decode()
    assert "Checkout" in body
    assert "Operational" in body
    assert list(AuditEvent.objects.filter(organization=org).order_by("pk").values_list("action", flat=True))[-2:] == [
        "component_group.created",
        "status_component.created",
    ]


def test_override_needs_a_reason_and_is_audited(admin_client, page, org):
    component = ComponentFactory(page=page, name="Checkout")

    refused = admin_client.post(f"{BASE}acme-status/components/{component.uuid}/status/", {"status": "major_outage"})
    done = admin_client.post(
        f"{BASE}acme-status/components/{component.uuid}/status/",
        {"status": "major_outage", "reason": "Card provider down"},
    )

    component.refresh_from_db()
    assert refused.status_code == 400
    assert "Say why the status is set by hand" in refused.content.decode()
    assert done.status_code == 302
    assert component.status_override == "major_outage"
    event = AuditEvent.objects.get(organization=org, action="status_component.status_overridden")
    assert event.changes == {
        "status_override": {"before": "", "after": "major_outage"},
        "reason": "Card provider down",
    }
    assert "Major outage" in admin_client.get(f"{BASE}acme-status/").content.decode()


def test_reorder_moves_a_component_within_its_group(admin_client, page):
    first = ComponentFactory(page=page, name="API", position=0)
    second = ComponentFactory(page=page, name="Web", position=1)

    response = admin_client.post(f"{BASE}acme-status/components/{second.uuid}/move/", {"direction": "up"})

    assert response.status_code == 302
    assert list(Component.objects.filter(page=page).values_list("name", "position")) == [("Web", 0), ("API", 1)]
    first.refresh_from_db()
    assert first.position == 1


def test_deleting_a_component_asks_first(admin_client, page, org):
    component = ComponentFactory(page=page, name="Checkout")
    url = f"{BASE}acme-status/components/{component.uuid}/delete/"

    asked = admin_client.get(url)
    done = admin_client.post(url)

    assert asked.status_code == 200
    assert "Delete the component Checkout?" in asked.content.decode()
    assert done.status_code == 302
    assert Component.objects.filter(page=page).exists() is False
    assert AuditEvent.objects.filter(organization=org, action="status_component.deleted").count() == 1


def test_deleting_a_group_keeps_its_components(admin_client, page):
    group = ComponentGroupFactory(page=page, name="Payments")
    component = ComponentFactory(page=page, group=group, name="Checkout")

    admin_client.post(f"{BASE}acme-status/groups/{group.uuid}/delete/")

    component.refresh_from_db()
    assert component.group is None
    assert ComponentGroup.objects.filter(page=page).exists() is False


# --- maintenance ------------------------------------------------------------------------------------------------------


def test_maintenance_lifecycle_through_the_pages(admin_client, page, org):
    component = ComponentFactory(page=page, name="Checkout")
    admin_client.post(
        f"{BASE}acme-status/maintenance/new/",
        {
            "title": "DB upgrade",
            "scheduled_for": "2030-01-10T09:00",
            "scheduled_until": "2030-01-10T11:00",
            "body": "Ten minutes of read-only.",
            "components": [str(component.uuid)],
        },
    )
    maintenance = Maintenance.objects.get(page=page)
    url = f"{BASE}acme-status/maintenance/{maintenance.uuid}/"

    moves = [
        admin_client.post(url + "transition/", {"status": status, "body": ""}).status_code
        for status in ("in_progress", "verifying", "completed")
    ]

    maintenance.refresh_from_db()
    assert moves == [302, 302, 302]
    assert (maintenance.title, maintenance.status) == ("DB upgrade", MaintenanceStatus.COMPLETED)
    assert (maintenance.scheduled_for, maintenance.scheduled_until) == (
        datetime(2030, 1, 10, 9, tzinfo=UTC),
        datetime(2030, 1, 10, 11, tzinfo=UTC),
    )
    assert list(maintenance.components.all()) == [component]
    assert list(maintenance.updates.order_by("pk").values_list("status", "body")) == [
        ("scheduled", "Ten minutes of read-only."),
        ("in_progress", "The maintenance is in progress."),
        ("verifying", "The work is done; we are verifying that everything works."),
        ("completed", "The maintenance is complete."),
    ]
    assert list(
        AuditEvent.objects.filter(organization=org, target_type="maintenance").order_by("pk").values_list("action")
    ) == [("maintenance.scheduled",), *[("maintenance.status_changed",)] * 3]


def test_an_illegal_move_is_refused_with_the_reason(admin_client, page):
    maintenance = MaintenanceFactory(page=page, title="DB upgrade")

    response = admin_client.post(
        f"{BASE}acme-status/maintenance/{maintenance.uuid}/transition/", {"status": "completed"}
    )

    maintenance.refresh_from_db()
    assert response.status_code == 400
    assert (
        "This maintenance is scheduled: it cannot move to completed; it can only move to in progress."
        in response.content.decode()
    )
    assert maintenance.status == MaintenanceStatus.SCHEDULED


def test_an_update_is_posted_on_a_maintenance(admin_client, page):
    maintenance = MaintenanceFactory(page=page, title="DB upgrade")

    response = admin_client.post(
        f"{BASE}acme-status/maintenance/{maintenance.uuid}/updates/", {"body": "Starting in 5 minutes."}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{BASE}acme-status/maintenance/{maintenance.uuid}/#updates"
    assert maintenance.updates.latest("pk").body == "Starting in 5 minutes."
    assert "Starting in 5 minutes." in admin_client.get(response["Location"]).content.decode()


# --- public incidents and subscribers ----------------------------------------------------------------------


def test_admin_edits_a_public_incident(admin_client, page, org):
    component = ComponentFactory(page=page, name="Checkout")
    public = PublicIncidentFactory(page=page, incident=IncidentFactory(organization=org), title="Ledger down")

    response = admin_client.post(
        f"{BASE}acme-status/incidents/{public.uuid}/edit/",
        {"title": "Payments are slow", "impact": "major", "components": [str(component.uuid)]},
    )

    public.refresh_from_db()
    assert response.status_code == 302
    assert (public.title, public.title_overridden, public.impact, public.impact_overridden) == (
        "Payments are slow",
        True,
        "major",
        True,
    )
    assert list(public.components.all()) == [component]
    assert "Payments are slow" in admin_client.get(f"{BASE}acme-status/incidents/").content.decode()


def test_subscribers_are_counted_and_removed(admin_client, page, org):
    from django.utils import timezone

    SubscriberFactory(page=page, email="ana@example.test", confirmed_at=timezone.now())
    pending = SubscriberFactory(page=page, email="bo@example.test", confirmed_at=None)

    listing = admin_client.get(f"{BASE}acme-status/subscribers/")
    removed = admin_client.post(f"{BASE}acme-status/subscribers/{pending.uuid}/remove/")

    assert listing.status_code == 200
    assert [listing.context["counts"]["confirmed"], listing.context["counts"]["pending"]] == [1, 1]
    assert removed.status_code == 302
    assert list(Subscriber.objects.filter(page=page).values_list("email", flat=True)) == ["ana@example.test"]
    assert AuditEvent.objects.get(organization=org, action="status_page.subscriber_removed").target_label == (
        "bo@example.test"
    )


# --- roles and tenancy ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [MembershipRole.VIEWER, MembershipRole.RESPONDER])
def test_non_admins_read_but_every_write_is_403(page, org, make_member, client_for, role):
    client = client_for(make_member(org, role))
    component = ComponentFactory(page=page, name="Checkout")
    maintenance = MaintenanceFactory(page=page)
    before = AuditEvent.objects.filter(organization=org).count()

    reads = [
        client.get(f"{BASE}{path}").status_code
        for path in ("", "acme-status/", "acme-status/maintenance/", "acme-status/incidents/", "acme-status/settings/")
    ]
    writes = [
        client.post(f"{BASE}{path}", data).status_code
        for path, data in [
            ("new/", {"title": "Mine"}),
            ("acme-status/settings/", {"title": "Mine", "time_zone": "UTC"}),
            ("acme-status/components/new/", {"name": "Mine"}),
            (f"acme-status/components/{component.uuid}/status/", {"status": "major_outage", "reason": "x"}),
            (f"acme-status/components/{component.uuid}/delete/", {}),
            (f"acme-status/maintenance/{maintenance.uuid}/transition/", {"status": "in_progress"}),
            ("acme-status/delete/", {}),
        ]
    ]

    assert reads == [200] * 5
    assert writes == [403] * 7
    assert client.get(f"{BASE}acme-status/subscribers/").status_code == 403
    assert "admins of Acme change it" in client.get(f"{BASE}acme-status/").content.decode()
    assert AuditEvent.objects.filter(organization=org).count() == before
    component.refresh_from_db()
    assert component.status_override == ""


def test_another_orgs_page_component_and_maintenance_are_404(page, other_member, client_for):
    outsider = client_for(other_member)
    component = ComponentFactory(page=page)
    maintenance = MaintenanceFactory(page=page)
    StatusPageFactory(organization=other_member.organization, slug="acme-status")

    answers = [
        outsider.get(url).status_code
        for url in (
            f"{BASE}acme-status/",
            f"/o/globex/status-pages/acme-status/components/{component.uuid}/edit/",
            f"/o/globex/status-pages/acme-status/maintenance/{maintenance.uuid}/",
            "/o/globex/status-pages/acme-status/components/not-a-uuid/edit/",
        )
    ]

    assert answers == [404, 404, 404, 404]


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")


def _system():
    from orgs.tenancy import Actor

    return Actor.system()
