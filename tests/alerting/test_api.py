"""The alerting API: integrations (key and inbound URL shown once), the alert group queue with its filters and
triage actions, raw alerts, the role matrix and the org checks on every object."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerting import actions
from alerting.events import InboundEvent
from alerting.models import Alert, AlertGroup, Integration
from incidents import actions as incident_actions
from incidents.models import Incident, Severity, TimelineEvent
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from tests.factories import IntegrationFactory, ServiceFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
SITE = "https://firebreak.example"
INTEGRATIONS = "/api/v1/integrations/"
GROUPS = "/api/v1/alert-groups/"
ALERTS = "/api/v1/alerts/"


def iso(moment: datetime | None) -> str | None:
    """A datetime as DRF renders it."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def ingest(integration, key, summary="Disk almost full", severity="warning", action="trigger", payload=None):
    result = actions.alert_ingest(
        integration=integration,
        event=InboundEvent(
            action=action,
            dedup_key=key,
            summary=summary,
            severity=severity,
            labels={"host": f"{key}-host"},
            payload=payload if payload is not None else {"dedup_key": key, "summary": summary},
        ),
    )
    return result.group


def group_json(group: AlertGroup) -> dict:
    """A group as the list shows it, read back from the database."""
    group = AlertGroup.objects.select_related("service", "integration", "incident", "merged_into").get(pk=group.pk)
    return {
        "id": str(group.uuid),
        "status": group.status,
        "dedup_key": group.dedup_key,
        "title": group.title,
        "severity": group.severity,
        "labels": group.labels,
        "source": group.source,
        "link": group.link,
        "service": group.service.slug,
        "integration": str(group.integration.uuid),
        "alert_count": group.alert_count,
        "first_seen": iso(group.first_seen),
        "last_seen": iso(group.last_seen),
        "incident": group.incident.reference if group.incident_id else None,
        "silenced_until": iso(group.silenced_until),
        "acknowledged_at": iso(group.acknowledged_at),
        "acknowledged_by": None,
        "resolved_at": iso(group.resolved_at),
        "resolved_by": None,
        "paging_status": group.paging_status,
        "merged_into": str(group.merged_into.uuid) if group.merged_into_id else None,
    }


def alert_summary_json(alert: Alert) -> dict:
    return {
        "id": str(alert.uuid),
        "action": alert.action,
        "dedup_key": alert.dedup_key,
        "summary": alert.summary,
        "severity": alert.severity,
        "source_timestamp": iso(alert.source_timestamp),
        "received_at": iso(alert.received_at),
    }


def snapshot(org):
    """What a refused request must leave untouched."""
    return {
        "integrations": list(Integration.objects.for_org(org).order_by("pk").values()),
        "groups": list(AlertGroup.objects.for_org(org).order_by("pk").values()),
        "alerts": list(Alert.objects.for_org(org).order_by("pk").values("pk", "group_id")),
        "incidents": Incident.objects.for_org(org).count(),
        "audit": AuditEvent.objects.for_org(org).count(),
    }


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    return SITE


@pytest.fixture
def checkout(org):
    return ServiceFactory(organization=org, name="Checkout")


@pytest.fixture
def prometheus(org, checkout):
    return IntegrationFactory(service=checkout, name="Prometheus prod")


@pytest.fixture
def globex_group(other_org):
    """A group of org B: its id must be a 404 (or a 400 in a body) for org A's tokens."""
    service = ServiceFactory(organization=other_org, name="Globex DB")
    return ingest(IntegrationFactory(service=service, name="Globex Prometheus"), "globex-disk")


# --- integrations ---------------------------------------------------------------------------------------


def test_create_returns_the_key_and_full_url_once(org, checkout, api_client, site):
    response = api_client.post(
        INTEGRATIONS,
        {"name": "Prometheus prod", "kind": "alertmanager", "service": "checkout", "rate_limit_per_minute": 600},
        format="json",
    )

    assert response.status_code == 201, response.json()
    integration = Integration.objects.for_org(org).get()
    key = response.json()["key"]
    assert response.json() == {
        "id": str(integration.uuid),
        "name": "Prometheus prod",
        "kind": "alertmanager",
        "service": "checkout",
        "enabled": True,
        "rate_limit_per_minute": 600,
        "title_path": "",
        "dedup_key_path": "",
        "severity_path": "",
        "status_path": "",
        "link_path": "",
        "url": f"{SITE}/integrations/alertmanager/{key}/",
        "dropped_events": 0,
        "last_event_at": None,
        "created_at": iso(integration.created_at),
        "updated_at": iso(integration.updated_at),
        "key": key,
    }
    assert actions.integration_authenticate(key=key) == integration
    assert integration.key_prefix == key[:8]
    event = AuditEvent.objects.for_org(org).get(action="integration.created")
    assert (event.target_id, event.actor_label) == (str(integration.uuid), "API token “admin token”")


def test_reads_never_show_the_key_and_mask_the_url(org, checkout, api_client, site):
    created = api_client.post(
        INTEGRATIONS, {"name": "Grafana", "kind": "grafana", "service": "checkout"}, format="json"
    ).json()
    key = created["key"]

    detail = api_client.get(f"{INTEGRATIONS}{created['id']}/")
    listed = api_client.get(INTEGRATIONS)

    masked = f"{SITE}/integrations/grafana/{key[:8]}…/"
    assert detail.status_code == 200
    assert detail.json() == {k: v for k, v in created.items() if k != "key"} | {"url": masked}
    assert listed.json()["results"] == [detail.json()]
    assert key not in detail.content.decode() + listed.content.decode()


def test_pagerduty_url_carries_no_key_so_reads_show_it_whole(org, checkout, api_client, site):
    created = api_client.post(
        INTEGRATIONS, {"name": "Datadog via PD", "kind": "pagerduty_v2", "service": "checkout"}, format="json"
    )

    detail = api_client.get(f"{INTEGRATIONS}{created.json()['id']}/")

    assert created.json()["url"] == f"{SITE}/integrations/pagerduty/v2/enqueue"
    assert detail.json()["url"] == f"{SITE}/integrations/pagerduty/v2/enqueue"
    assert "key" not in detail.json()


def test_the_returned_url_and_key_are_what_the_monitoring_tool_posts_to(org, checkout, api_client, client, site):
    alertmanager = api_client.post(
        INTEGRATIONS, {"name": "Prometheus prod", "kind": "alertmanager", "service": "checkout"}, format="json"
    ).json()
    pagerduty = api_client.post(
        INTEGRATIONS, {"name": "Datadog via PD", "kind": "pagerduty_v2", "service": "checkout"}, format="json"
    ).json()
    firing = {
        "version": "4",
        "status": "firing",
        "groupKey": '{}:{alertname="DiskFull"}',
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "DiskFull", "severity": "critical"},
                "annotations": {"summary": "Disk full on db-1"},
                "startsAt": "2024-05-01T10:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "c0ffee",
                "generatorURL": "https://prometheus.example/graph",
            }
        ],
    }
    trigger = {
        "routing_key": pagerduty["key"],
        "event_action": "trigger",
        "dedup_key": "checkout-5xx",
        "payload": {"summary": "Checkout 5xx above 5%", "source": "datadog", "severity": "error"},
    }

    answers = [
        client.post(alertmanager["url"].removeprefix(SITE), firing, content_type="application/json").status_code,
        client.post(pagerduty["url"].removeprefix(SITE), trigger, content_type="application/json").status_code,
    ]

    assert answers == [202, 202]
    assert sorted(row["dedup_key"] for row in api_client.get(GROUPS).json()["results"]) == ["c0ffee", "checkout-5xx"]


def test_webhook_create_takes_the_json_paths(org, checkout, api_client, site):
    paths = {
        "title_path": "alert.title",
        "dedup_key_path": "alert.id",
        "severity_path": "alert.level",
        "status_path": "alert.state",
        "link_path": "alert.links.0",
    }

    response = api_client.post(
        INTEGRATIONS, {"name": "Uptime", "kind": "webhook", "service": "checkout", **paths}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert {k: response.json()[k] for k in paths} == paths
    assert response.json()["url"] == f"{SITE}/integrations/webhook/{response.json()['key']}/"
    integration = Integration.objects.for_org(org).get()
    assert {k: getattr(integration, k) for k in paths} == paths


def test_regenerate_key_returns_a_new_key_and_the_old_one_stops_working(org, checkout, api_client, site):
    created = api_client.post(
        INTEGRATIONS, {"name": "Prometheus prod", "kind": "alertmanager", "service": "checkout"}, format="json"
    ).json()

    response = api_client.post(f"{INTEGRATIONS}{created['id']}/regenerate-key/")

    assert response.status_code == 200
    new = response.json()["key"]
    assert new != created["key"]
    assert response.json()["url"] == f"{SITE}/integrations/alertmanager/{new}/"
    assert response.json()["id"] == created["id"]
    assert actions.integration_authenticate(key=created["key"]) is None
    assert actions.integration_authenticate(key=new) == Integration.objects.for_org(org).get()
    assert AuditEvent.objects.for_org(org).filter(action="integration.key_regenerated").count() == 1
    assert api_client.get(f"{INTEGRATIONS}{created['id']}/").json()["url"] == (
        f"{SITE}/integrations/alertmanager/{new[:8]}…/"
    )


def test_patch_reroutes_disables_and_retunes(org, prometheus, api_client):
    ServiceFactory(organization=org, name="Search")

    response = api_client.patch(
        f"{INTEGRATIONS}{prometheus.uuid}/",
        {"name": "Prometheus eu", "service": "search", "enabled": False, "rate_limit_per_minute": 120},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["service"], body["enabled"], body["rate_limit_per_minute"]) == (
        "Prometheus eu",
        "search",
        False,
        120,
    )
    prometheus.refresh_from_db()
    assert (prometheus.name, prometheus.service.slug, prometheus.enabled, prometheus.rate_limit_per_minute) == (
        "Prometheus eu",
        "search",
        False,
        120,
    )
    assert AuditEvent.objects.for_org(org).get(action="integration.updated").changes["service"] == {
        "before": "checkout",
        "after": "search",
    }


def test_patch_cannot_change_the_kind(org, prometheus, api_client):
    before = snapshot(org)

    response = api_client.patch(f"{INTEGRATIONS}{prometheus.uuid}/", {"kind": "grafana"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"kind": ["The kind cannot change; create another integration."]}
    assert snapshot(org) == before


def test_delete_removes_the_integration_and_its_alerts(org, prometheus, api_client):
    ingest(prometheus, "disk")

    response = api_client.delete(f"{INTEGRATIONS}{prometheus.uuid}/")

    assert response.status_code == 204
    assert Integration.objects.for_org(org).exists() is False
    assert Alert.objects.for_org(org).exists() is False
    assert AuditEvent.objects.for_org(org).filter(action="integration.deleted").count() == 1


def test_create_refuses_a_service_of_another_org(org, other_org, api_client):
    ServiceFactory(organization=other_org, name="Globex DB")
    before = snapshot(org)

    response = api_client.post(
        INTEGRATIONS, {"name": "Sneaky", "kind": "alertmanager", "service": "globex-db"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "The request is invalid.",
            "fields": {"service": ["Object with slug=globex-db does not exist."]},
        }
    }
    assert snapshot(org) == before


def test_patch_refuses_a_service_of_another_org(org, other_org, prometheus, api_client):
    ServiceFactory(organization=other_org, name="Globex DB")
    before = snapshot(org)

    response = api_client.patch(f"{INTEGRATIONS}{prometheus.uuid}/", {"service": "globex-db"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"service": ["Object with slug=globex-db does not exist."]}
    assert snapshot(org) == before


def test_create_validates_kind_and_rate_limit(org, checkout, api_client):
    response = api_client.post(
        INTEGRATIONS,
        {"name": "Odd", "kind": "nagios", "service": "checkout", "rate_limit_per_minute": 0},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "kind": ['"nagios" is not a valid choice.'],
        "rate_limit_per_minute": ["Ensure this value is greater than or equal to 1."],
    }
    assert Integration.objects.for_org(org).exists() is False


def test_integration_shows_dropped_events_and_last_event(org, prometheus, api_client):
    ingest(prometheus, "never-opened", action="resolve")
    prometheus.refresh_from_db()

    body = api_client.get(f"{INTEGRATIONS}{prometheus.uuid}/").json()

    assert (body["dropped_events"], body["last_event_at"]) == (1, iso(prometheus.last_event_at))


# --- role matrix ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_only_admin_tokens_manage_integrations(org, prometheus, api_client_for, role):
    client = api_client_for(org, role)
    before = snapshot(org)
    url = f"{INTEGRATIONS}{prometheus.uuid}/"

    reads = [client.get(INTEGRATIONS).status_code, client.get(url).status_code]
    writes = [
        client.post(INTEGRATIONS, {"name": "X", "kind": "grafana", "service": "checkout"}, format="json"),
        client.patch(url, {"name": "Renamed"}, format="json"),
        client.delete(url),
        client.post(f"{url}regenerate-key/"),
    ]

    assert reads == [200, 200]
    assert [r.status_code for r in writes] == [403, 403, 403, 403]
    assert writes[0].json()["error"]["message"] == (
        f"This needs a token with the admin role or higher; this token is {role}."
    )
    assert snapshot(org) == before


def test_viewer_tokens_read_groups_and_alerts_but_cannot_triage(org, prometheus, api_client_for, globex_group):
    group = ingest(prometheus, "disk")
    other = ingest(prometheus, "cpu")
    client = api_client_for(org, "viewer")
    before = snapshot(org)
    url = f"{GROUPS}{group.uuid}/"

    reads = [client.get(u).status_code for u in (GROUPS, url, ALERTS, f"{ALERTS}{group.alerts.get().uuid}/")]
    writes = [
        client.post(f"{url}acknowledge/").status_code,
        client.post(f"{url}resolve/").status_code,
        client.post(f"{url}silence/", {"minutes": 30}, format="json").status_code,
        client.post(f"{url}merge/", {"groups": [str(other.uuid)]}, format="json").status_code,
        client.post(f"{url}escalate/", {}, format="json").status_code,
        client.post(f"{url}attach/", {"incident": 1}, format="json").status_code,
    ]

    assert reads == [200, 200, 200, 200]
    assert writes == [403] * 6
    assert snapshot(org) == before


@pytest.mark.parametrize("role", ["responder", "admin"])
def test_responder_and_admin_tokens_triage(org, prometheus, api_client_for, role):
    group = ingest(prometheus, "disk")
    client = api_client_for(org, role)

    response = client.post(f"{GROUPS}{group.uuid}/acknowledge/")

    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"


def test_alerts_are_read_only(org, prometheus, api_client):
    alert = ingest(prometheus, "disk").alerts.get()

    answers = [
        api_client.post(ALERTS, {}, format="json").status_code,
        api_client.patch(f"{ALERTS}{alert.uuid}/", {}, format="json").status_code,
        api_client.delete(f"{ALERTS}{alert.uuid}/").status_code,
    ]

    assert answers == [405, 405, 405]
    assert Alert.objects.for_org(org).count() == 1


# --- the alert group queue ---------------------------------------------------------------------------------


def test_list_is_triggered_first_then_acknowledged_then_resolved_newest_first(org, checkout, prometheus, api_client):
    old_triggered = ingest(prometheus, "old")
    resolved = ingest(prometheus, "gone")
    acknowledged = ingest(prometheus, "taken")
    new_triggered = ingest(prometheus, "new")
    actions.alert_group_acknowledge(group=acknowledged, actor=SYSTEM)
    actions.alert_group_resolve(group=resolved, actor=SYSTEM)

    response = api_client.get(GROUPS)

    assert response.status_code == 200
    assert response.json() == {
        "count": 4,
        "next": None,
        "previous": None,
        "results": [group_json(g) for g in (new_triggered, old_triggered, acknowledged, resolved)],
    }


def test_list_shows_every_field_of_a_group(org, prometheus, api_client):
    group = ingest(prometheus, "disk", summary="Disk almost full on db-1", severity="critical")
    group.refresh_from_db()

    (row,) = api_client.get(GROUPS).json()["results"]

    assert row == {
        "id": str(group.uuid),
        "status": "triggered",
        "dedup_key": "disk",
        "title": "Disk almost full on db-1",
        "severity": "critical",
        "labels": {"host": "disk-host"},
        "source": "",
        "link": "",
        "service": "checkout",
        "integration": str(prometheus.uuid),
        "alert_count": 1,
        "first_seen": iso(group.first_seen),
        "last_seen": iso(group.last_seen),
        "incident": None,
        "silenced_until": None,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": None,
        "resolved_by": None,
        "paging_status": "no_policy",
        "merged_into": None,
    }


def test_list_filters_by_service_severity_and_status(org, checkout, prometheus, api_client):
    search = ServiceFactory(organization=org, name="Search")
    elastic = IntegrationFactory(service=search, name="Elastic watcher", kind="webhook")
    checkout_critical = ingest(prometheus, "a", severity="critical")
    checkout_warning = ingest(prometheus, "b", severity="warning")
    search_critical = ingest(elastic, "c", severity="critical")
    search_resolved = ingest(elastic, "d", severity="info")
    actions.alert_group_acknowledge(group=checkout_warning, actor=SYSTEM)
    actions.alert_group_resolve(group=search_resolved, actor=SYSTEM)

    def ids(query):
        response = api_client.get(GROUPS, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids({"service": "checkout"}) == [str(g.uuid) for g in (checkout_critical, checkout_warning)]
    assert ids({"severity": "critical"}) == [str(g.uuid) for g in (search_critical, checkout_critical)]
    assert ids({"status": "triggered"}) == [str(g.uuid) for g in (search_critical, checkout_critical)]
    assert ids({"status": "acknowledged"}) == [str(checkout_warning.uuid)]
    assert ids({"status": "resolved"}) == [str(search_resolved.uuid)]
    assert ids({"status": "open"}) == [str(g.uuid) for g in (search_critical, checkout_critical, checkout_warning)]
    assert ids({"service": "search", "status": "open", "severity": "critical"}) == [str(search_critical.uuid)]


def test_list_filters_refuse_unknown_values_and_other_orgs_services(org, other_org, prometheus, api_client):
    ServiceFactory(organization=other_org, name="Globex DB")

    response = api_client.get(GROUPS, {"service": "globex-db", "status": "sleeping", "severity": "meh"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "service": ["No service of this organization has this slug."],
        "status": ['"sleeping" is not a valid choice.'],
        "severity": ['"meh" is not a valid choice.'],
    }


def test_detail_includes_the_latest_alerts(org, prometheus, api_client):
    ingest(prometheus, "disk", summary="Disk 91%")
    ingest(prometheus, "disk", summary="Disk 97%", severity="critical")
    group = AlertGroup.objects.for_org(org).get()
    first, second = Alert.objects.for_org(org).order_by("id")

    response = api_client.get(f"{GROUPS}{group.uuid}/")

    assert response.status_code == 200
    assert response.json() == group_json(group) | {"alerts": [alert_summary_json(second), alert_summary_json(first)]}
    assert (response.json()["alert_count"], response.json()["severity"]) == (2, "critical")


def test_another_orgs_group_integration_and_alert_are_404(org, api_client, globex_group):
    before = snapshot(globex_group.organization)
    alert = globex_group.alerts.get()
    group_url = f"{GROUPS}{globex_group.uuid}/"

    answers = [
        api_client.get(group_url),
        api_client.post(f"{group_url}acknowledge/"),
        api_client.post(f"{group_url}resolve/"),
        api_client.post(f"{group_url}silence/", {"minutes": 5}, format="json"),
        api_client.post(f"{group_url}merge/", {"groups": [str(globex_group.uuid)]}, format="json"),
        api_client.post(f"{group_url}escalate/", {}, format="json"),
        api_client.post(f"{group_url}attach/", {"incident": 1}, format="json"),
        api_client.get(f"{INTEGRATIONS}{globex_group.integration.uuid}/"),
        api_client.patch(f"{INTEGRATIONS}{globex_group.integration.uuid}/", {"name": "Mine"}, format="json"),
        api_client.post(f"{INTEGRATIONS}{globex_group.integration.uuid}/regenerate-key/"),
        api_client.delete(f"{INTEGRATIONS}{globex_group.integration.uuid}/"),
        api_client.get(f"{ALERTS}{alert.uuid}/"),
        api_client.get(f"{GROUPS}not-a-uuid/"),
    ]

    assert [r.status_code for r in answers] == [404] * 13
    assert answers[0].json() == {"error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}}
    assert snapshot(globex_group.organization) == before
    assert api_client.get(GROUPS).json()["count"] == 0
    assert api_client.get(ALERTS).json()["count"] == 0
    assert api_client.get(INTEGRATIONS).json()["count"] == 0


# --- triage ------------------------------------------------------------------------------------------------


def test_acknowledge_is_idempotent(org, prometheus, api_client):
    group = ingest(prometheus, "disk")

    first = api_client.post(f"{GROUPS}{group.uuid}/acknowledge/")
    second = api_client.post(f"{GROUPS}{group.uuid}/acknowledge/")

    group.refresh_from_db()
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert (first.json()["status"], first.json()["acknowledged_at"]) == ("acknowledged", iso(group.acknowledged_at))
    assert group.acknowledged_at is not None
    assert AuditEvent.objects.for_org(org).filter(action="alert_group.acknowledged").count() == 1


def test_resolve_closes_the_group_and_the_next_trigger_opens_a_new_one(org, prometheus, api_client):
    group = ingest(prometheus, "disk")

    response = api_client.post(f"{GROUPS}{group.uuid}/resolve/")
    again = api_client.post(f"{GROUPS}{group.uuid}/resolve/")
    reopened = ingest(prometheus, "disk")

    group.refresh_from_db()
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["resolved_at"]) == ("resolved", iso(group.resolved_at))
    assert again.json() == response.json()
    assert reopened.pk != group.pk
    assert AuditEvent.objects.for_org(org).filter(action="alert_group.resolved").count() == 1


def test_silence_for_minutes_until_a_time_and_lift(org, prometheus, api_client):
    group = ingest(prometheus, "disk")
    url = f"{GROUPS}{group.uuid}/silence/"
    until = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)

    started = timezone.now()
    for_minutes = api_client.post(url, {"minutes": 30}, format="json")
    group.refresh_from_db()
    silenced_for_minutes = group.silenced_until
    to_time = api_client.post(url, {"until": iso(until)}, format="json")
    lifted_by_null = api_client.post(url, {"until": None}, format="json")
    api_client.post(url, {"minutes": 15}, format="json")
    lifted_by_zero = api_client.post(url, {"minutes": 0}, format="json")

    assert for_minutes.status_code == 200, for_minutes.json()
    assert started + timedelta(minutes=30) <= silenced_for_minutes <= timezone.now() + timedelta(minutes=30)
    assert for_minutes.json()["silenced_until"] == iso(silenced_for_minutes)
    assert to_time.json()["silenced_until"] == iso(until)
    assert lifted_by_null.json()["silenced_until"] is None
    assert lifted_by_zero.json()["silenced_until"] is None
    group.refresh_from_db()
    assert group.silenced_until is None
    assert list(
        AuditEvent.objects.for_org(org).filter(action__startswith="alert_group.").order_by("id").values_list("action")
    ) == [
        ("alert_group.silenced",),
        ("alert_group.silenced",),
        ("alert_group.unsilenced",),
        ("alert_group.silenced",),
        ("alert_group.unsilenced",),
    ]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"non_field_errors": ["Give either `until` or `minutes`."]}),
        ({"until": None, "minutes": 5}, {"non_field_errors": ["Give either `until` or `minutes`."]}),
        ({"until": "2020-01-01T00:00:00Z"}, {"until": ["Silence until a time in the future."]}),
        ({"minutes": -1}, {"minutes": ["Ensure this value is greater than or equal to 0."]}),
        ({"minutes": "soon"}, {"minutes": ["A valid integer is required."]}),
    ],
)
def test_silence_refuses_bad_input(org, prometheus, api_client, body, fields):
    group = ingest(prometheus, "disk")
    before = snapshot(org)

    response = api_client.post(f"{GROUPS}{group.uuid}/silence/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    assert snapshot(org) == before


def test_merge_moves_alerts_into_the_target_and_marks_sources_merged(org, checkout, prometheus, api_client):
    target = ingest(prometheus, "db-1", severity="warning")
    source_a = ingest(prometheus, "db-2", severity="critical")
    ingest(prometheus, "db-2", severity="warning")
    source_b = ingest(prometheus, "db-3", severity="info")
    bystander = ingest(prometheus, "web-1")

    response = api_client.post(
        f"{GROUPS}{target.uuid}/merge/", {"groups": [str(source_a.uuid), str(source_b.uuid)]}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["alert_count"], response.json()["severity"]) == (4, "critical")
    assert Alert.objects.filter(group=target).count() == 4
    assert Alert.objects.filter(group__in=[source_a, source_b]).exists() is False
    assert [alert["dedup_key"] for alert in response.json()["alerts"]] == ["db-3", "db-2", "db-2", "db-1"]
    for source in (source_a, source_b):
        detail = api_client.get(f"{GROUPS}{source.uuid}/").json()
        assert (detail["status"], detail["merged_into"], detail["alerts"]) == ("resolved", str(target.uuid), [])
    assert [row["id"] for row in api_client.get(GROUPS).json()["results"]] == [
        str(bystander.uuid),
        str(target.uuid),
    ]
    assert AuditEvent.objects.for_org(org).filter(action="alert_group.merged").count() == 2


def test_merge_refuses_groups_of_another_org_and_unknown_ids(org, prometheus, api_client, globex_group):
    target = ingest(prometheus, "db-1")
    before, theirs = snapshot(org), snapshot(globex_group.organization)

    foreign = api_client.post(f"{GROUPS}{target.uuid}/merge/", {"groups": [str(globex_group.uuid)]}, format="json")
    empty = api_client.post(f"{GROUPS}{target.uuid}/merge/", {"groups": []}, format="json")
    garbage = api_client.post(f"{GROUPS}{target.uuid}/merge/", {"groups": ["nope"]}, format="json")

    assert (foreign.status_code, empty.status_code, garbage.status_code) == (400, 400, 400)
    assert foreign.json()["error"]["fields"] == {
        "groups": ["No alert group of this organization matches one of these ids."]
    }
    assert empty.json()["error"]["fields"] == {"groups": ["Ensure this field has at least 1 elements."]}
    assert garbage.json()["error"]["fields"] == {"groups": {"0": ["Must be a valid UUID."]}}
    assert (snapshot(org), snapshot(globex_group.organization)) == (before, theirs)


def test_escalate_declares_an_incident_with_the_group_attached(org, prometheus, api_client):
    incident_actions.organization_defaults_ensure(organization=org)
    group = ingest(prometheus, "disk", summary="Disk full on db-1", severity="critical")

    response = api_client.post(
        f"{GROUPS}{group.uuid}/escalate/", {"title": "Checkout DB out of disk", "severity": "SEV1"}, format="json"
    )

    assert response.status_code == 201, response.json()
    incident = Incident.objects.for_org(org).get()
    group.refresh_from_db()
    assert group.incident == incident
    assert (incident.title, incident.severity.name, [link.service.slug for link in incident.service_links.all()]) == (
        "Checkout DB out of disk",
        "SEV1",
        ["checkout"],
    )
    assert response.json() == {
        "incident": {
            "number": incident.number,
            "reference": incident.reference,
            "title": "Checkout DB out of disk",
            "severity": "SEV1",
            "status": incident.status,
        },
        "group": group_json(group) | {"alerts": [alert_summary_json(group.alerts.get())]},
    }
    assert response.json()["group"]["incident"] == incident.reference


def test_escalate_defaults_title_from_the_group(org, prometheus, api_client):
    incident_actions.organization_defaults_ensure(organization=org)
    group = ingest(prometheus, "disk", summary="Disk full on db-1", severity="critical")

    response = api_client.post(f"{GROUPS}{group.uuid}/escalate/", {}, format="json")

    assert response.status_code == 201, response.json()
    incident = Incident.objects.for_org(org).get()
    assert (response.json()["incident"]["title"], incident.title) == ("Disk full on db-1", "Disk full on db-1")
    assert (response.json()["incident"]["severity"], incident.severity.name) == ("SEV1", "SEV1")
    assert response.json()["group"]["incident"] == incident.reference


def test_escalate_refuses_a_severity_of_another_org(org, other_org, prometheus, api_client):
    incident_actions.organization_defaults_ensure(organization=org)
    Severity.objects.create(organization=other_org, name="GLOBEX1", rank=9)
    group = ingest(prometheus, "disk")
    before = snapshot(org)

    response = api_client.post(f"{GROUPS}{group.uuid}/escalate/", {"severity": "GLOBEX1"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"severity": ["Object with name=GLOBEX1 does not exist."]}
    assert snapshot(org) == before


def test_attach_links_the_group_to_an_open_incident(org, prometheus, api_client):
    incident_actions.organization_defaults_ensure(organization=org)
    incident = incident_actions.incident_declare(
        organization=org, actor=SYSTEM, title="Checkout down", severity=Severity.objects.for_org(org).get(name="SEV2")
    )
    group = ingest(prometheus, "disk")
    other = ingest(prometheus, "cpu")

    by_number = api_client.post(f"{GROUPS}{group.uuid}/attach/", {"incident": incident.number}, format="json")
    by_reference = api_client.post(f"{GROUPS}{other.uuid}/attach/", {"incident": incident.reference}, format="json")

    assert (by_number.status_code, by_reference.status_code) == (200, 200), by_number.json()
    assert (by_number.json()["incident"], by_reference.json()["incident"]) == (incident.reference, incident.reference)
    assert sorted(incident.alert_groups.values_list("dedup_key", flat=True)) == ["cpu", "disk"]
    assert TimelineEvent.objects.filter(incident=incident, kind="alert_attached").count() == 2


def test_attach_refuses_an_incident_of_another_org_or_a_missing_one(org, other_org, prometheus, api_client):
    incident_actions.organization_defaults_ensure(organization=other_org)
    theirs = incident_actions.incident_declare(
        organization=other_org,
        actor=SYSTEM,
        title="Globex down",
        severity=Severity.objects.for_org(other_org).get(name="SEV2"),
    )
    group = ingest(prometheus, "disk")
    before = snapshot(org)

    foreign = api_client.post(f"{GROUPS}{group.uuid}/attach/", {"incident": theirs.number}, format="json")
    garbage = api_client.post(f"{GROUPS}{group.uuid}/attach/", {"incident": "INC-x"}, format="json")

    assert (foreign.status_code, garbage.status_code) == (400, 400)
    assert foreign.json()["error"]["fields"] == {"incident": ["No incident of this organization has this number."]}
    assert garbage.json()["error"]["fields"] == {"incident": ["No incident of this organization has this number."]}
    assert snapshot(org) == before
    assert theirs.alert_groups.exists() is False


def test_escalate_refuses_a_group_already_on_an_incident(org, prometheus, api_client):
    incident_actions.organization_defaults_ensure(organization=org)
    group = ingest(prometheus, "disk")
    first = api_client.post(f"{GROUPS}{group.uuid}/escalate/", {}, format="json")
    before = snapshot(org)

    again = api_client.post(f"{GROUPS}{group.uuid}/escalate/", {}, format="json")

    assert (first.status_code, again.status_code) == (201, 400)
    assert again.json()["error"]["fields"] == {"group": ["This alert group is already on INC-1."]}
    assert snapshot(org) == before


def test_attach_refuses_an_incident_that_is_no_longer_open(org, prometheus, api_client):
    incident_actions.organization_defaults_ensure(organization=org)
    incident = incident_actions.incident_declare(
        organization=org, actor=SYSTEM, title="Checkout down", severity=Severity.objects.for_org(org).get(name="SEV2")
    )
    incident_actions.incident_transition(incident=incident, status="resolved", actor=SYSTEM)
    group = ingest(prometheus, "disk")
    before = snapshot(org)

    response = api_client.post(f"{GROUPS}{group.uuid}/attach/", {"incident": "INC-1"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"incident": ["INC-1 is resolved; attach to an open incident."]}
    assert snapshot(org) == before


# --- alerts --------------------------------------------------------------------------------------------------


def test_alerts_list_filters_by_group_and_detail_has_the_raw_payload(org, prometheus, api_client):
    payload = {"receiver": "firebreak", "alerts": [{"labels": {"alertname": "DiskFull"}, "fingerprint": "abc"}]}
    disk = ingest(prometheus, "disk", payload=payload)
    ingest(prometheus, "cpu")
    alert = disk.alerts.get()

    listed = api_client.get(ALERTS, {"group": str(disk.uuid)})
    everything = api_client.get(ALERTS)
    detail = api_client.get(f"{ALERTS}{alert.uuid}/")

    expected = alert_summary_json(alert) | {
        "group": str(disk.uuid),
        "integration": str(prometheus.uuid),
        "payload": payload,
    }
    assert (listed.status_code, detail.status_code) == (200, 200)
    assert listed.json() == {"count": 1, "next": None, "previous": None, "results": [expected]}
    assert detail.json() == expected
    assert [row["dedup_key"] for row in everything.json()["results"]] == ["cpu", "disk"]


def test_alerts_filter_refuses_a_group_of_another_org(org, api_client, globex_group):
    foreign = api_client.get(ALERTS, {"group": str(globex_group.uuid)})
    garbage = api_client.get(ALERTS, {"group": "nope"})

    assert (foreign.status_code, garbage.status_code) == (400, 400)
    assert foreign.json()["error"]["fields"] == {"group": ["No alert group of this organization has this id."]}
    assert garbage.json()["error"]["fields"] == {"group": ["Must be a valid UUID."]}


# --- performance -------------------------------------------------------------------------------------------


def test_group_list_query_count_does_not_grow_with_groups(org, checkout, prometheus, api_client, make_member):
    incident_actions.organization_defaults_ensure(organization=org)
    incident = incident_actions.incident_declare(
        organization=org, actor=SYSTEM, title="Checkout down", severity=Severity.objects.for_org(org).get(name="SEV2")
    )
    person = Actor(user=make_member(org, "responder").user)
    other = IntegrationFactory(
        service=ServiceFactory(organization=org, name="Search"), name="Elastic watcher", kind="webhook"
    )

    def open_groups(start, count):
        for n in range(start, start + count):
            group = ingest(prometheus if n % 2 else other, f"key-{n}")
            if n % 3 == 0:
                actions.alert_group_acknowledge(group=group, actor=person)
            if n % 5 == 0:
                actions.alert_group_resolve(group=group, actor=person)
            if n % 7 == 0:
                AlertGroup.objects.filter(pk=group.pk).update(incident=incident)

    open_groups(0, 10)
    api_client.get(GROUPS)  # stamps the token's last_used_at, which is then quiet for a minute

    with CaptureQueriesContext(connection) as ten:
        small = api_client.get(GROUPS)
    open_groups(10, 50)
    with CaptureQueriesContext(connection) as sixty:
        large = api_client.get(GROUPS)

    assert (small.json()["count"], len(small.json()["results"])) == (10, 10)
    assert (large.json()["count"], len(large.json()["results"])) == (60, 50)
    assert {row["incident"] for row in large.json()["results"]} == {None, incident.reference}
    assert len(sixty) == len(ten)
