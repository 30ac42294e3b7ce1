"""The triage and integration pages: the queue (order, filters, live rows, constant queries), an alert group's
page and every change it posts, integrations with their shown-once keys and the webhook preview, and who may
do what (viewers read, responders triage, admins manage integrations)."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerting import actions, selectors
from alerting.events import InboundEvent
from alerting.models import Alert, AlertGroup, Integration, PagingStatus
from incidents import actions as incident_actions
from incidents.models import Incident, Severity, TimelineEvent
from orgs.models import AuditEvent, Membership, MembershipRole, Organization
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
ROW_ID = re.compile(r'<tr id="alert-group-([0-9a-f-]{36})"')
KEY_SHAPE = re.compile(r'<code id="integration-key">([0-9a-f]{32})</code>')


@dataclass
class Scene:
    org: Organization
    owner: Membership
    admin: Membership
    responder: Membership
    viewer: Membership
    payments: Service
    search: Service
    pagerduty: Integration
    webhook: Integration
    client_for: Callable[[Membership], Client]

    @property
    def base(self) -> str:
        return f"/o/{self.org.slug}/alerts/"

    def group_url(self, group: AlertGroup, action: str = "") -> str:
        return f"{self.base}{group.uuid}/{action + '/' if action else ''}"

    def client(self, role: str = "responder") -> Client:
        return self.client_for(getattr(self, role))


@pytest.fixture
def scene(org, owner, make_member, client_for) -> Scene:
    incident_actions.organization_defaults_ensure(organization=org)
    payments = service_actions.service_create(
        organization=org,
        actor=SYSTEM,
        name="Payments",
        tier=1,
        links=[{"kind": "runbook", "title": "Payments runbook", "url": "https://runbooks.acme.test/payments"}],
    )
    search = service_actions.service_create(organization=org, actor=SYSTEM, name="Search", tier=2)
    pagerduty, _ = actions.integration_create(
        organization=org, service=payments, name="PagerDuty events", kind="pagerduty_v2", actor=SYSTEM
    )
    webhook, _ = actions.integration_create(
        organization=org, service=search, name="Search checks", kind="webhook", actor=SYSTEM, title_path="title"
    )
    return Scene(
        org=org,
        owner=owner,
        admin=make_member(org, MembershipRole.ADMIN, email="ada@acme.test"),
        responder=make_member(org, MembershipRole.RESPONDER, email="rhea@acme.test"),
        viewer=make_member(org, MembershipRole.VIEWER, email="vic@acme.test"),
        payments=payments,
        search=search,
        pagerduty=pagerduty,
        webhook=webhook,
        client_for=client_for,
    )


def trigger(
    integration: Integration, key: str, summary: str = "", severity: str = "error", **fields: Any
) -> AlertGroup:
    event = InboundEvent(
        action="trigger", dedup_key=key, summary=summary or key, severity=severity, payload={"key": key}, **fields
    )
    return actions.alert_ingest(integration=integration, event=event).group


def seen(group: AlertGroup, minutes_ago: int) -> AlertGroup:
    """Pin a group's last_seen, so that "newest first" is exact."""
    AlertGroup.objects.filter(pk=group.pk).update(last_seen=timezone.now() - timedelta(minutes=minutes_ago))
    return AlertGroup.objects.get(pk=group.pk)


def row_ids(response) -> list[str]:
    return ROW_ID.findall(response.content.decode())


def uuids(*groups: AlertGroup) -> list[str]:
    return [str(group.uuid) for group in groups]


def messages_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def reload(group: AlertGroup) -> AlertGroup:
    return AlertGroup.objects.get(pk=group.pk)


def audit_actions(org: Organization) -> list[str]:
    return list(AuditEvent.objects.filter(organization=org).order_by("id").values_list("action", flat=True))


@pytest.fixture
def queue(scene) -> dict[str, AlertGroup]:
    """Groups in every state, with known ages."""
    person = Actor(user=scene.owner.user)
    groups = {
        "old_triggered": seen(trigger(scene.pagerduty, "db-cpu", severity="warning"), 30),
        "new_triggered": seen(trigger(scene.webhook, "search-5xx", severity="critical"), 1),
        "acknowledged": trigger(scene.pagerduty, "payments-latency", severity="error"),
        "resolved": trigger(scene.pagerduty, "payments-queue", severity="info"),
        "merged": trigger(scene.pagerduty, "payments-dup", severity="error"),
    }
    actions.alert_group_acknowledge(group=groups["acknowledged"], actor=person)
    actions.alert_group_resolve(group=groups["resolved"], actor=person)
    actions.alert_group_merge(target=groups["acknowledged"], sources=[groups["merged"]], actor=person)
    groups["acknowledged"] = seen(groups["acknowledged"], 5)
    groups["resolved"] = seen(groups["resolved"], 0)
    return groups


# --- the queue -----------------------------------------------------------------------------------------------


def test_queue_shows_open_groups_triggered_first_then_newest_first(scene, queue):
    response = scene.client("viewer").get(scene.base)

    assert response.status_code == 200
    assert row_ids(response) == uuids(queue["new_triggered"], queue["old_triggered"], queue["acknowledged"])
    assert response.context["counts"] == {
        "open": 3,
        "triggered": 2,
        "acknowledged": 1,
        "resolved": 1,
        "all": 4,
        "unanswered": 0,
    }
    assert [count for _, _, count in response.context["tabs"]] == [3, 2, 1, 1, 4]
    assert f'ws-connect="/ws/o/{scene.org.slug}/alerts/"' in response.content.decode()
    assert '<div class="alert-queue" data-viewer' in response.content.decode()  # CSS hides the row actions


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=all", ["new_triggered", "old_triggered", "acknowledged", "resolved"]),
        ("?status=triggered", ["new_triggered", "old_triggered"]),
        ("?status=acknowledged", ["acknowledged"]),
        ("?status=resolved", ["resolved"]),
        ("?service=search", ["new_triggered"]),
        ("?service=payments&status=all", ["old_triggered", "acknowledged", "resolved"]),
        ("?severity=warning", ["old_triggered"]),
        ("?severity=info&status=all", ["resolved"]),
        ("?severity=info", []),
        ("?service=no-such-service", ["new_triggered", "old_triggered", "acknowledged"]),
        ("?status=bogus&severity=bogus", ["new_triggered", "old_triggered", "acknowledged"]),
    ],
)
def test_queue_filters(scene, queue, query, expected):
    response = scene.client("viewer").get(scene.base + query)

    assert response.status_code == 200
    assert row_ids(response) == uuids(*(queue[name] for name in expected))


def test_a_queue_filtered_by_service_counts_its_own_tabs_and_the_orgs_unanswered_groups(scene, queue):
    AlertGroup.objects.filter(pk=queue["new_triggered"].pk).update(paging_status=PagingStatus.UNANSWERED)

    response = scene.client("viewer").get(f"{scene.base}?service=payments")

    html = response.content.decode()
    assert [(value, count) for value, _, count in response.context["tabs"]] == [
        ("open", 2),
        ("triggered", 1),
        ("acknowledged", 1),
        ("resolved", 1),
        ("all", 3),
    ]
    # Pushed counts are the org's: this page marks its tabs as its own (firebreak-alerts.js fetches them again).
    assert '<nav class="queue-tabs" id="queue-tabs" aria-label="Status" data-scoped-counts>' in html
    assert '<span class="queue-tab-count" id="queue-count-triggered">1</span>' in html
    assert "1 alert group went unanswered" in html  # the search one: the banner is about the whole org
    assert '<span class="count count-alert" id="nav-alert-count"' in html


def test_per_service_queue_is_titled_and_linked_from_the_service_page(scene, queue):
    client = scene.client("viewer")

    queue_page = client.get(f"{scene.base}?service=search")
    service_page = client.get(f"/o/{scene.org.slug}/services/search/")

    assert queue_page.context["service_name"] == "Search"
    assert "<title>Search alerts" in queue_page.content.decode()
    assert f'href="{scene.base}?service=search"' in service_page.content.decode()
    assert "search-5xx" in service_page.content.decode()  # its open group is listed on the service page


def test_queue_marks_silenced_paging_and_incident_groups(scene, queue):
    group = queue["old_triggered"]
    actions.alert_group_silence(group=group, until=timezone.now() + timedelta(hours=2), actor=SYSTEM)
    incident = escalate(scene, queue["new_triggered"])

    content = scene.client("viewer").get(scene.base).content.decode()

    row = content[content.index(f'id="alert-group-{group.uuid}"') :]
    row = row[: row.index("</tr>")]
    assert "Silenced until" in row
    assert "Nobody paged: no policy" in row
    assert f'href="/o/acme/incidents/{incident.number}/"' in content


def test_queue_empty_states_say_what_to_do(scene, org, other_org, make_member, client_for):
    admin = make_member(other_org, MembershipRole.ADMIN, email="ada@globex.test")
    first_time = client_for(admin).get(f"/o/{other_org.slug}/alerts/").content.decode()
    all_clear = scene.client("viewer").get(scene.base).content.decode()

    assert "No alerts yet. Connect a monitoring tool" in first_time
    assert f'href="/o/{other_org.slug}/alerts/integrations/new/"' in first_time
    assert "All clear: no open alerts" in all_clear


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_queue_runs_a_constant_number_of_queries_however_many_groups(scene):
    client = scene.client("responder")
    incident = incident_actions.incident_declare(
        organization=scene.org,
        actor=SYSTEM,
        title="Attached",
        severity=Severity.objects.for_org(scene.org).get(name="SEV2"),
    )

    def grow(total: int) -> None:
        for n in range(AlertGroup.objects.count(), total):
            group = trigger(scene.pagerduty if n % 2 else scene.webhook, f"key-{n}")
            if n % 3 == 0:
                actions.alert_group_acknowledge(group=group, actor=Actor(user=scene.owner.user))
            if n % 5 == 0:
                actions.alert_group_attach(group=group, incident=incident, actor=SYSTEM)

    grow(10)
    ten = count_queries(client, scene.base)
    grow(60)
    sixty = count_queries(client, scene.base)

    assert AlertGroup.objects.count() == 60
    assert ten == sixty


def test_nav_shows_the_count_of_triggered_groups(scene, queue):
    content = scene.client("viewer").get(f"/o/{scene.org.slug}/incidents/").content.decode()

    assert re.search(r'Alerts<span class="count count-alert"[^>]*>2</span>', content)


# --- triage from the queue and the group page ---------------------------------------------------------------


def test_acknowledge_from_a_queue_row_with_htmx_returns_the_refreshed_row(scene, queue):
    group = queue["old_triggered"]

    response = scene.client().post(scene.group_url(group, "acknowledge"), HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith(f'<tr id="alert-group-{group.uuid}"')
    assert "Acknowledged" in content
    assert "by " in content
    assert reload(group).status == "acknowledged"
    assert reload(group).acknowledged_by == scene.responder.user


def test_acknowledge_without_js_redirects_back_to_the_filtered_queue(scene, queue):
    group = queue["old_triggered"]

    response = scene.client().post(scene.group_url(group, "acknowledge"), {"next": f"{scene.base}?service=payments"})

    assert response.status_code == 302
    assert response["Location"] == f"{scene.base}?service=payments"
    assert messages_of(response) == ["Acknowledged “db-cpu”. Paging for it stops."]


def test_a_foreign_next_url_is_ignored(scene, queue):
    group = queue["old_triggered"]

    response = scene.client().post(scene.group_url(group, "resolve"), {"next": "https://evil.example/"})

    assert response["Location"] == scene.group_url(group)
    assert reload(group).status == "resolved"


def test_resolve_from_the_group_page(scene, queue):
    group = queue["acknowledged"]

    response = scene.client().post(scene.group_url(group, "resolve"))

    assert response.status_code == 302
    assert response["Location"] == scene.group_url(group)
    assert (reload(group).status, reload(group).resolved_by) == ("resolved", scene.responder.user)


@pytest.mark.parametrize(("duration", "minutes"), [("30m", 30), ("2h", 120)])
def test_silence_for_a_while(scene, queue, duration, minutes):
    group = queue["old_triggered"]
    before = timezone.now()

    response = scene.client().post(scene.group_url(group, "silence"), {"duration": duration})

    until = reload(group).silenced_until
    assert response.status_code == 302
    assert before + timedelta(minutes=minutes) <= until <= timezone.now() + timedelta(minutes=minutes)


def test_silence_until_a_date_then_lift_it(scene, queue):
    group = queue["old_triggered"]
    client = scene.client()
    tomorrow = (timezone.now() + timedelta(days=1)).astimezone(UTC).replace(second=0, microsecond=0)

    client.post(scene.group_url(group, "silence"), {"duration": "until", "until": tomorrow.strftime("%Y-%m-%dT%H:%M")})
    silenced = reload(group).silenced_until
    client.post(scene.group_url(group, "silence"), {"duration": "lift"})

    assert silenced == tomorrow
    assert reload(group).silenced_until is None
    assert audit_actions(scene.org)[-2:] == ["alert_group.silenced", "alert_group.unsilenced"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"duration": "until"}, "Pick the date and time the silence ends."),
        ({"duration": "until", "until": "2001-01-01T00:00"}, "Silence until a time in the future."),
        ({"duration": "forever"}, "Select a valid choice. forever is not one of the available choices."),
    ],
)
def test_silence_refused_is_a_400_and_changes_nothing(scene, queue, data, error):
    group = queue["old_triggered"]
    audits = audit_actions(scene.org)

    response = scene.client().post(scene.group_url(group, "silence"), data)

    assert response.status_code == 400
    assert response.context["refused"] == "The alert group was not silenced."
    assert response.context["refused_errors"] == [error]
    assert reload(group).silenced_until is None
    assert audit_actions(scene.org) == audits


def test_merge_other_open_groups_into_this_one(scene, queue):
    target, other = queue["old_triggered"], queue["new_triggered"]

    response = scene.client().post(scene.group_url(target, "merge"), {"groups": [str(other.uuid)]})

    assert response.status_code == 302
    assert messages_of(response) == ["Merged 1 alert group into this one."]
    assert (reload(other).status, reload(other).merged_into) == ("resolved", target)
    assert (reload(target).alert_count, reload(target).severity) == (2, "critical")
    assert Alert.objects.filter(group=target).count() == 2


def test_merge_refuses_another_orgs_group_and_an_empty_choice(scene, queue, other_org):
    service = service_actions.service_create(organization=other_org, actor=SYSTEM, name="Globex API")
    integration, _ = actions.integration_create(
        organization=other_org, service=service, name="Globex PD", kind="pagerduty_v2", actor=SYSTEM
    )
    foreign = trigger(integration, "globex-down")
    target = queue["old_triggered"]
    client = scene.client()

    foreign_answer = client.post(scene.group_url(target, "merge"), {"groups": [str(foreign.uuid)]})
    empty_answer = client.post(scene.group_url(target, "merge"), {})

    assert foreign_answer.status_code == 400
    assert empty_answer.status_code == 400
    assert empty_answer.context["refused_errors"] == ["Pick at least one alert group to merge into this one."]
    assert (reload(foreign).status, reload(foreign).merged_into) == ("triggered", None)
    assert reload(target).alert_count == 1


# --- escalate and attach -------------------------------------------------------------------------------------


def escalate(scene: Scene, group: AlertGroup, **data: str) -> Incident:
    response = scene.client().post(
        scene.group_url(group, "escalate"), {"title": group.title, "severity": "SEV2", **data}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Incident.objects.for_org(scene.org).order_by("-number").first()


def test_group_page_prefills_the_incident_from_the_group(scene):
    critical = trigger(scene.pagerduty, "payments-5xx", "Payments 5xx above 5%", severity="critical")
    info = trigger(scene.pagerduty, "payments-info", "Payments deploy done", severity="info")
    client = scene.client()

    critical_form = client.get(scene.group_url(critical)).context["escalate_form"]
    info_form = client.get(scene.group_url(info)).context["escalate_form"]

    assert critical_form.initial == {"title": "Payments 5xx above 5%", "severity": "SEV1"}
    assert info_form.initial == {"title": "Payments deploy done", "severity": "SEV4"}
    page = client.get(scene.group_url(critical)).content.decode()
    assert '<option value="SEV1" selected>' in page
    assert 'value="Payments 5xx above 5%"' in page


def test_escalate_declares_inc_1_with_the_group_attached_and_lands_on_it(scene):
    group = trigger(scene.pagerduty, "payments-5xx", "Payments 5xx above 5%", severity="critical")
    client = scene.client()

    response = client.post(scene.group_url(group, "escalate"), {"title": "Payments failing", "severity": "SEV1"})

    incident = Incident.objects.get(organization=scene.org)
    assert response.status_code == 302
    assert response["Location"] == f"/o/{scene.org.slug}/incidents/1/"
    assert (incident.number, incident.title, incident.severity.name) == (1, "Payments failing", "SEV1")
    assert [link.service for link in incident.service_links.all()] == [scene.payments]
    assert incident.started_at == reload(group).first_seen
    assert (reload(group).incident, reload(group).status) == (incident, "acknowledged")
    assert TimelineEvent.objects.filter(incident=incident, kind="alert_attached").count() == 1
    incident_page = client.get(response["Location"]).content.decode()
    assert 'id="incident-alerts"' in incident_page
    assert f'href="{scene.group_url(group)}"' in incident_page
    assert "Payments 5xx above 5%" in incident_page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "", "severity": "SEV2"}, "This field is required."),
        ({"title": "x", "severity": "SEV9"}, "Select a valid choice. That choice is not one of the available choices."),
    ],
)
def test_escalate_refused_is_a_400_and_declares_nothing(scene, data, error):
    group = trigger(scene.pagerduty, "payments-5xx")

    response = scene.client().post(scene.group_url(group, "escalate"), data)

    assert response.status_code == 400
    assert response.context["refused_errors"] == [error]
    assert Incident.objects.for_org(scene.org).exists() is False
    assert reload(group).incident is None


def test_escalating_a_group_already_on_an_incident_is_refused(scene):
    group = trigger(scene.pagerduty, "payments-5xx")
    first = escalate(scene, group)

    response = scene.client().post(scene.group_url(group, "escalate"), {"title": "Again", "severity": "SEV2"})

    assert response.status_code == 400
    assert response.context["refused_errors"] == [f"This alert group is already on {first.reference}."]
    assert Incident.objects.for_org(scene.org).count() == 1


def test_attach_to_an_open_incident(scene):
    incident = incident_actions.incident_declare(
        organization=scene.org,
        actor=SYSTEM,
        title="Search is down",
        severity=Severity.objects.for_org(scene.org).get(name="SEV2"),
    )
    group = trigger(scene.webhook, "search-5xx")
    page = scene.client().get(scene.group_url(group)).content.decode()

    response = scene.client().post(scene.group_url(group, "attach"), {"incident": str(incident.number)})

    assert f'<option value="{incident.number}">INC-1 Search is down</option>' in page
    assert response.status_code == 302
    assert messages_of(response) == ["Attached to INC-1; its timeline records it."]
    assert reload(group).incident == incident
    assert TimelineEvent.objects.filter(incident=incident, kind="alert_attached").count() == 1


def test_attach_refuses_a_closed_or_foreign_incident(scene, other_org):
    sev = Severity.objects.for_org(scene.org).get(name="SEV2")
    closed = incident_actions.incident_declare(organization=scene.org, actor=SYSTEM, title="Old", severity=sev)
    incident_actions.incident_transition(incident=closed, status="resolved", actor=SYSTEM)
    incident_actions.organization_defaults_ensure(organization=other_org)
    foreign = incident_actions.incident_declare(
        organization=other_org,
        actor=SYSTEM,
        title="Globex",
        severity=Severity.objects.for_org(other_org).get(name="SEV2"),
    )
    group = trigger(scene.webhook, "search-5xx")
    client = scene.client()

    answers = [
        client.post(scene.group_url(group, "attach"), {"incident": str(number)}) for number in (closed.number, 99)
    ]

    assert foreign.number == 1 == closed.number
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].context["refused_errors"] == ["Choose an open incident of this organization."]
    assert reload(group).incident is None
    assert TimelineEvent.objects.filter(kind="alert_attached").exists() is False


# --- the group page ------------------------------------------------------------------------------------------


def test_group_page_shows_the_group_and_escapes_raw_payloads(scene):
    group = actions.alert_ingest(
        integration=scene.pagerduty,
        event=InboundEvent(
            action="trigger",
            dedup_key="payments-5xx",
            summary="Payments 5xx",
            severity="critical",
            labels={"region": "eu-west-1"},
            link="https://grafana.acme.test/d/payments",
            payload={"summary": "<script>alert(1)</script>", "nested": {"n": 1}},
        ),
    ).group

    response = scene.client("viewer").get(scene.group_url(group))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in content
    assert "&quot;summary&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in content
    assert '<span class="tag"><span class="tag-key">region</span>eu-west-1</span>' in content
    assert 'href="https://runbooks.acme.test/payments"' in content
    assert 'href="https://grafana.acme.test/d/payments"' in content
    assert "Nobody paged" in content
    assert "escalate_form" not in response.context  # a viewer gets no triage forms
    assert 'action="/o/acme/alerts/' not in content


def test_merged_group_page_points_to_the_group_it_went_into(scene, queue):
    response = scene.client().get(scene.group_url(queue["merged"]))

    assert f'href="{scene.group_url(queue["acknowledged"])}"' in response.content.decode()
    assert "escalate_form" not in response.context


def test_unknown_group_is_404(scene):
    assert scene.client().get(f"{scene.base}00000000-0000-0000-0000-000000000001/").status_code == 404


# --- integrations --------------------------------------------------------------------------------------------


def test_integration_list_shows_kind_service_state_and_dropped_events(scene):
    Integration.objects.filter(pk=scene.webhook.pk).update(dropped_events=7, enabled=False)

    response = scene.client("viewer").get(f"{scene.base}integrations/")

    content = response.content.decode()
    assert [i.name for i in response.context["integrations"]] == ["PagerDuty events", "Search checks"]
    assert "Generic JSON webhook" in content
    assert "Disabled" in content
    assert ">7</span>" in content
    assert "integrations/new/" not in content  # viewers do not manage integrations


def test_create_shows_the_key_exactly_once(scene):
    client = scene.client("admin")

    posted = client.post(
        f"{scene.base}integrations/new/",
        {"name": "Prometheus prod", "kind": "alertmanager", "service": "payments", "rate_limit_per_minute": "600"},
    )
    response = client.get(posted["Location"])
    again = client.get(posted["Location"])

    content = response.content.decode()
    (key,) = KEY_SHAPE.findall(content)
    integration = Integration.objects.get(name="Prometheus prod")
    assert (posted.status_code, posted["Location"]) == (303, f"{scene.base}integrations/{integration.uuid}/key/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")
    assert (again.status_code, KEY_SHAPE.findall(again.content.decode())) == (200, [])
    assert key not in again.content.decode()
    assert "The key was already shown." in again.content.decode()
    assert actions.integration_authenticate(key=key) == integration
    assert (integration.kind, integration.service, integration.rate_limit_per_minute) == (
        "alertmanager",
        scene.payments,
        600,
    )
    assert f"http://127.0.0.1:8000/integrations/alertmanager/{key}/" in content
    assert "curl -X POST" in content
    for url in (f"{scene.base}integrations/", f"{scene.base}integrations/{integration.uuid}/edit/", scene.base):
        assert key not in client.get(url).content.decode()


def test_create_pagerduty_gives_the_enqueue_url_and_a_curl_with_the_routing_key(scene):
    response = scene.client("admin").post(
        f"{scene.base}integrations/new/",
        {"name": "PD 2", "kind": "pagerduty_v2", "service": "search", "rate_limit_per_minute": "60000"},
        follow=True,
    )

    content = response.content.decode()
    (key,) = KEY_SHAPE.findall(content)
    assert "http://127.0.0.1:8000/integrations/pagerduty/v2/enqueue" in content
    assert f"&quot;routing_key&quot;: &quot;{key}&quot;" in content


def test_create_webhook_keeps_its_paths_and_other_kinds_drop_them(scene):
    client = scene.client("admin")
    paths = {"title_path": "alert.title", "dedup_key_path": "alert.id", "severity_path": "alert.level"}

    for name, kind in (("Hook", "webhook"), ("Grafana", "grafana")):
        client.post(
            f"{scene.base}integrations/new/",
            {"name": name, "kind": kind, "service": "search", "rate_limit_per_minute": "60000", **paths},
        )

    hook, grafana = Integration.objects.get(name="Hook"), Integration.objects.get(name="Grafana")
    assert (hook.title_path, hook.dedup_key_path, hook.severity_path, hook.status_path) == (
        "alert.title",
        "alert.id",
        "alert.level",
        "",
    )
    assert (grafana.title_path, grafana.dedup_key_path) == ("", "")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"kind": "alertmanager", "service": "payments"}, {"name": ["This field is required."]}),
        (
            {"name": "X", "kind": "nagios", "service": "payments"},
            {"kind": ["Select a valid choice. nagios is not one of the available choices."]},
        ),
        (
            {"name": "X", "kind": "alertmanager", "service": "globex-api"},
            {"service": ["Select a valid choice. That choice is not one of the available choices."]},
        ),
        (
            {"name": "X", "kind": "alertmanager", "service": "payments", "rate_limit_per_minute": "0"},
            {"rate_limit_per_minute": ["Ensure this value is greater than or equal to 1."]},
        ),
    ],
)
def test_create_refused_is_a_400_and_saves_nothing(scene, other_org, data, errors):
    service_actions.service_create(organization=other_org, actor=SYSTEM, name="Globex API")
    before = Integration.objects.count()

    response = scene.client("admin").post(f"{scene.base}integrations/new/", {"rate_limit_per_minute": "60000", **data})

    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert KEY_SHAPE.findall(response.content.decode()) == []
    assert Integration.objects.count() == before


def test_update_renames_and_disables_but_keeps_the_kind(scene):
    url = f"{scene.base}integrations/{scene.pagerduty.uuid}/edit/"
    client = scene.client("admin")
    form = client.get(url).context["form"]

    response = client.post(
        url,
        {"name": "PD (old)", "kind": "webhook", "service": "search", "rate_limit_per_minute": "100"},
    )

    integration = Integration.objects.get(pk=scene.pagerduty.pk)
    assert "kind" not in form.fields
    assert response.status_code == 302
    assert messages_of(response) == ["Integration “PD (old)” saved (disabled: its events are refused)."]
    assert (integration.name, integration.kind, integration.service, integration.enabled) == (
        "PD (old)",
        "pagerduty_v2",
        scene.search,
        False,
    )


def test_update_refused_is_a_400(scene):
    url = f"{scene.base}integrations/{scene.pagerduty.uuid}/edit/"

    response = scene.client("admin").post(url, {"name": "", "service": "payments", "rate_limit_per_minute": "1"})

    assert response.status_code == 400
    assert Integration.objects.get(pk=scene.pagerduty.pk).name == "PagerDuty events"


def test_regenerate_confirms_then_shows_the_new_key_once_and_the_old_one_stops(scene):
    url = f"{scene.base}integrations/{scene.pagerduty.uuid}/regenerate/"
    _, old = actions.integration_key_regenerate(integration=scene.pagerduty, actor=SYSTEM)
    client = scene.client("admin")

    confirm = client.get(url)
    response = client.post(url, follow=True)

    (new,) = KEY_SHAPE.findall(response.content.decode())
    assert response.redirect_chain == [(f"{scene.base}integrations/{scene.pagerduty.uuid}/key/", 303)]
    assert "New key for “PagerDuty events”" in response.content.decode()
    assert KEY_SHAPE.findall(confirm.content.decode()) == []
    assert "stops working at once" in confirm.content.decode()
    assert "no-store" in response["Cache-Control"].split(", ")
    assert actions.integration_authenticate(key=old) is None
    assert actions.integration_authenticate(key=new) == scene.pagerduty


def test_delete_confirms_then_deletes_with_its_groups(scene, queue):
    url = f"{scene.base}integrations/{scene.webhook.uuid}/delete/"
    client = scene.client("admin")

    confirm = client.get(url)
    response = client.post(url)

    assert "its 1 alert group and their alerts are deleted" in confirm.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"{scene.base}integrations/"
    assert Integration.objects.filter(pk=scene.webhook.pk).exists() is False
    assert AlertGroup.objects.filter(pk=queue["new_triggered"].pk).exists() is False


def test_webhook_preview_shows_what_the_paths_pick_out(scene):
    sample = '{"alert": {"title": "Disk full on db-1", "id": "disk-db-1", "level": "warning", "state": "ok"}}'

    response = scene.client("admin").post(
        f"{scene.base}integrations/preview/",
        {
            "sample": sample,
            "title_path": "alert.title",
            "dedup_key_path": "$.alert.id",
            "severity_path": "alert.level",
            "status_path": "alert.state",
            "link_path": "alert.url",
        },
        HTTP_HX_REQUEST="true",
    )

    rows = {row["label"]: (row["value"], row["found"]) for row in response.context["rows"]}
    assert response.status_code == 200
    assert rows == {
        "Title": ("Disk full on db-1", True),
        "Dedup key": ("disk-db-1", True),
        "Severity": ("warning", True),
        "Status → action": ("resolve", True),
        "Link": ("", False),
    }
    assert "Disk full on db-1" in response.content.decode()


@pytest.mark.parametrize(
    ("sample", "message"), [("{not json", "Cannot read this sample."), ('"text"', "object or array")]
)
def test_webhook_preview_explains_a_sample_it_cannot_read(scene, sample, message):
    response = scene.client("admin").post(f"{scene.base}integrations/preview/", {"sample": sample, "title_path": "x"})

    assert response.status_code == 200
    assert message in response.content.decode()


def test_integration_form_offers_the_live_preview_for_webhooks(scene):
    content = scene.client("admin").get(f"{scene.base}integrations/new/").content.decode()

    assert f'hx-post="{scene.base}integrations/preview/"' in content
    assert 'name="sample"' in content


# --- who may do what -----------------------------------------------------------------------------------------


def page_urls(scene: Scene, group: AlertGroup) -> dict[str, str]:
    integration = f"{scene.base}integrations/{scene.pagerduty.uuid}"
    return {
        "queue": scene.base,
        "detail": scene.group_url(group),
        "integrations": f"{scene.base}integrations/",
        "integration-create": f"{scene.base}integrations/new/",
        "integration-update": f"{integration}/edit/",
        "integration-regenerate": f"{integration}/regenerate/",
        "integration-delete": f"{integration}/delete/",
        "integration-key": f"{integration}/key/",
    }


READ_PAGES = ("queue", "detail", "integrations")
ADMIN_PAGES = (
    "integration-create",
    "integration-update",
    "integration-regenerate",
    "integration-delete",
    "integration-key",
)


@pytest.mark.parametrize("role", ["viewer", "responder", "admin", "owner"])
def test_role_matrix_for_pages(scene, queue, role):
    client = scene.client(role)
    urls = page_urls(scene, queue["old_triggered"])

    answers = {name: client.get(url).status_code for name, url in urls.items()}

    admin = role in ("admin", "owner")
    assert answers == {name: 200 if name in READ_PAGES or admin else 403 for name in urls}


TRIAGE_POSTS = {
    "acknowledge": {},
    "resolve": {},
    "silence": {"duration": "30m"},
    "merge": {},
    "escalate": {"title": "From the matrix", "severity": "SEV3"},
    "attach": {"incident": "1"},
}


@pytest.mark.parametrize("role", ["viewer", "responder"])
@pytest.mark.parametrize("action", list(TRIAGE_POSTS))
def test_role_matrix_for_triage(scene, queue, role, action):
    group = queue["old_triggered"]
    data = dict(TRIAGE_POSTS[action])
    if action == "merge":
        data["groups"] = [str(queue["new_triggered"].uuid)]
    if action == "attach":
        escalate(scene, queue["acknowledged"])
    before = (reload(group).status, reload(group).silenced_until, reload(group).incident_id, Incident.objects.count())

    response = scene.client(role).post(scene.group_url(group, action), data)

    after = (reload(group).status, reload(group).silenced_until, reload(group).incident_id, Incident.objects.count())
    if role == "viewer":
        assert response.status_code == 403
        assert after == before
    else:
        assert response.status_code == 302
        assert after != before or action == "merge"
        if action == "merge":
            assert reload(queue["new_triggered"]).merged_into == group


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_only_admins_manage_integrations(scene, role):
    client = scene.client(role)
    base = f"{scene.base}integrations/{scene.pagerduty.uuid}"
    before = list(Integration.objects.order_by("pk").values())

    answers = [
        client.post(f"{scene.base}integrations/new/", {"name": "X", "kind": "webhook", "service": "search"}),
        client.post(f"{base}/edit/", {"name": "X", "service": "search", "rate_limit_per_minute": "1"}),
        client.post(f"{base}/regenerate/"),
        client.post(f"{base}/delete/"),
        client.post(f"{scene.base}integrations/preview/", {"sample": "{}"}),
    ]

    assert [a.status_code for a in answers] == [403] * 5
    assert list(Integration.objects.order_by("pk").values()) == before


def test_another_orgs_member_gets_404_everywhere(scene, queue, other_member, client_for):
    outsider = client_for(other_member)
    group = queue["old_triggered"]
    urls = [
        *page_urls(scene, group).values(),
        *(scene.group_url(group, action) for action in TRIAGE_POSTS),
        f"{scene.base}integrations/preview/",
    ]
    before = list(AlertGroup.objects.order_by("pk").values()), list(Integration.objects.order_by("pk").values())

    answers = [(url, outsider.get(url).status_code, outsider.post(url).status_code) for url in urls]

    assert [a for a in answers if a[1:] != (404, 404)] == []
    assert (
        list(AlertGroup.objects.order_by("pk").values()),
        list(Integration.objects.order_by("pk").values()),
    ) == before


# --- the live row --------------------------------------------------------------------------------------------


def test_the_pushed_row_is_viewer_independent_and_swaps_itself_in(scene, queue):
    group = selectors.alert_group_queryset().get(pk=queue["acknowledged"].pk)

    html = render_to_string("alerting/partials/_live_group_row.html", {"group": group})

    assert html.startswith('<tbody id="alert-rows" hx-swap-oob="afterbegin"><tr id="alert-group-')
    assert f'id="alert-group-{group.uuid}"' in html
    assert 'data-status="acknowledged"' in html
    assert 'data-service="payments"' in html
    assert "csrfmiddlewaretoken" not in html
    assert f"by {scene.owner.user.display_name}" in html
