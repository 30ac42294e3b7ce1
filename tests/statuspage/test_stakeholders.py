"""Stakeholder updates end to end: audiences and templates (admins), the send form on the incident page's
panel, deliveries to a real local HTTP server and to an email list, the timeline note, tenancy and roles."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from incidents.models import TimelineEvent, TimelineKind
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from statuspage.models import Audience, AudienceKind, StakeholderDelivery, StakeholderUpdate
from statuspage.stakeholders import actions, delivery, payloads
from tests.factories import AudienceFactory, IncidentFactory, StakeholderTemplateFactory
from tests.notifications.helpers import http_receiver

pytestmark = pytest.mark.django_db

SEND_TASK = "statuspage.stakeholders.tasks.stakeholder_delivery_send"


@pytest.fixture
def incident(org):
    return IncidentFactory(organization=org, title="Checkout is down")


def send(incident, member, audiences, message="Payments fail; we are on it.", template=None):
    return actions.stakeholder_update_send(
        incident=incident, actor=Actor(user=member.user), audiences=audiences, message=message, template=template
    )


def deliver_all(update: StakeholderUpdate) -> list[str]:
    return [delivery.delivery_send(delivery_id=row.pk) for row in update.deliveries.order_by("pk")]


def sent_update(incident, member, audiences, django_capture_on_commit_callbacks, **kwargs) -> StakeholderUpdate:
    with django_capture_on_commit_callbacks(execute=True):
        return send(incident, member, audiences, **kwargs)


# --- delivery --------------------------------------------------------------------------------------------------


def test_email_goes_to_each_address_of_the_list(org, member, incident, enqueued, django_capture_on_commit_callbacks):
    audience = AudienceFactory(organization=org, name="Execs", emails="ceo@acme.test\ncfo@acme.test")
    update = sent_update(incident, member, [audience], django_capture_on_commit_callbacks)
    assert enqueued.messages(SEND_TASK) == [(update.deliveries.get().pk,)]
    assert deliver_all(update) == ["sent"]
    [message] = mail.outbox
    url = delivery.incident_url(incident)
    assert message.to == ["ceo@acme.test", "cfo@acme.test"]
    assert message.subject == f"INC-{incident.number}: Checkout is down"
    assert message.body == (
        f"INC-{incident.number}: Checkout is down\n\nPayments fail; we are on it.\n\n"
        f"Status: Investigating · Severity: {incident.severity.name}\n{url}"
        "\n\n-- \nSent from Firebreak as a stakeholder update."
    )
    row = update.deliveries.get()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert delivery.delivery_send(delivery_id=row.pk) == "skipped"  # a duplicate message sends nothing
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("kind", "build"),
    [
        (AudienceKind.SLACK, payloads.slack_payload),
        (AudienceKind.TEAMS, payloads.teams_payload),
        (AudienceKind.MATTERMOST, payloads.mattermost_payload),
    ],
)
def test_webhook_receives_its_payload(org, member, incident, kind, build, django_capture_on_commit_callbacks):
    with http_receiver() as receiver:
        audience = AudienceFactory(
            organization=org, kind=kind, emails="", webhook_url=f"{receiver.url}/hooks/T0/B0/s3cr3t"
        )
        update = sent_update(incident, member, [audience], django_capture_on_commit_callbacks)
        assert deliver_all(update) == ["sent"]
    [request] = receiver.requests
    assert request.path == "/hooks/T0/B0/s3cr3t"
    assert request.headers["Content-Type"] == "application/json"
    values = actions.incident_values(incident=incident, message="Payments fail; we are on it.")
    assert json.loads(request.body) == build(payloads.render(values=values))
    if kind == AudienceKind.SLACK:
        body = json.loads(request.body)
        assert [block["type"] for block in body["blocks"]] == ["header", "section", "context"]
    if kind == AudienceKind.TEAMS:
        card = json.loads(request.body)["attachments"][0]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card["content"]["type"] == "AdaptiveCard"


def test_5xx_is_retried_with_backoff_and_the_answer_never_shown(
    org, member, incident, enqueued, django_capture_on_commit_callbacks
):
    with http_receiver((500, "internal stack trace: db password hunter2", 0.0)) as receiver:
        audience = AudienceFactory(organization=org, kind=AudienceKind.SLACK, emails="", webhook_url=receiver.url)
        update = sent_update(incident, member, [audience], django_capture_on_commit_callbacks)
        row = update.deliveries.get()
        with django_capture_on_commit_callbacks(execute=True):
            assert delivery.delivery_send(delivery_id=row.pk) == "pending"
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 500")
        assert enqueued.options[-1]["countdown"] > 0  # the retry waits for its backoff
        assert delivery.delivery_send(delivery_id=row.pk) == "sent"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_4xx_fails_at_once(org, member, incident, enqueued, django_capture_on_commit_callbacks):
    with http_receiver((404, "no_such_hook", 0.0)) as receiver:
        audience = AudienceFactory(organization=org, kind=AudienceKind.TEAMS, emails="", webhook_url=receiver.url)
        update = sent_update(incident, member, [audience], django_capture_on_commit_callbacks)
        before = len(enqueued.calls)
        assert deliver_all(update) == ["failed"]
    row = update.deliveries.get()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "HTTP 404")
    assert len(enqueued.calls) == before


def test_internal_address_is_refused_at_send_too(settings, org, member, incident, django_capture_on_commit_callbacks):
    audience = AudienceFactory(organization=org, kind=AudienceKind.SLACK, emails="", webhook_url="http://127.0.0.1:9/x")
    settings.OUTBOUND_ALLOW = []  # saved while allowed; the operator took it back
    update = sent_update(incident, member, [audience], django_capture_on_commit_callbacks)
    assert deliver_all(update) == ["failed"]
    assert update.deliveries.get().last_error == "refused: 127.0.0.1 is not a public address"


def test_sweeper_redrives_stuck_deliveries(org, member, incident, enqueued):
    audience = AudienceFactory(organization=org)
    update = send(incident, member, [audience])  # its message is lost: on_commit never runs here
    row = update.deliveries.get()
    assert delivery.deliveries_sweep() == 0
    StakeholderDelivery.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert delivery.deliveries_sweep() == 1  # pending and untouched for an hour: re-driven
    StakeholderDelivery.objects.filter(pk=row.pk).update(
        status="sending", attempts=5, updated_at=timezone.now() - timedelta(hours=1)
    )
    delivery.deliveries_sweep()
    row.refresh_from_db()
    assert row.status == "failed"
    assert "gave up after 5 attempts" in row.last_error


def test_sweeper_enqueues_after_commit(org, member, incident, enqueued, django_capture_on_commit_callbacks):
    update = send(incident, member, [AudienceFactory(organization=org)])
    row = update.deliveries.get()
    StakeholderDelivery.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.deliveries_sweep() == 1
    assert enqueued.messages(SEND_TASK) == [(row.pk,)]


# --- sending: timeline, drills, template, tenancy --------------------------------------------------------------


def test_send_is_recorded_on_the_timeline(org, member, incident):
    execs = AudienceFactory(organization=org, name="Execs")
    slack = AudienceFactory(
        organization=org,
        name="#status",
        kind=AudienceKind.SLACK,
        emails="",
        webhook_url="https://hooks.slack.com/services/T/B/x",
    )
    update = send(incident, member, [execs, slack])
    event = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.NOTE)
    assert event.payload == {"stakeholder_update": str(update.uuid), "audiences": [str(execs.uuid), str(slack.uuid)]}
    assert event.body.startswith("**Stakeholder update** sent to Execs (Email list), #status (Slack incoming webhook):")
    assert "Payments fail; we are on it." in event.body
    assert "hooks.slack.com" not in event.body
    assert sorted(update.deliveries.values_list("audience__name", "status")) == [
        ("#status", "pending"),
        ("Execs", "pending"),
    ]


def test_drill_update_is_sent_marked(org, member, django_capture_on_commit_callbacks):
    drill = IncidentFactory(organization=org, title="Game day", is_drill=True)
    audience = AudienceFactory(organization=org, emails="ceo@acme.test")
    update = sent_update(drill, member, [audience], django_capture_on_commit_callbacks)
    assert deliver_all(update) == ["sent"]
    assert mail.outbox[0].subject == f"[DRILL] INC-{drill.number}: Game day"
    assert "[DRILL] Payments fail" in mail.outbox[0].body
    assert "[DRILL]" in TimelineEvent.objects.get(incident=drill, kind=TimelineKind.NOTE).body


def test_template_is_applied_and_frozen(org, member, incident):
    template = StakeholderTemplateFactory(organization=org, body="[{incident.severity}] {incident.title}: {message}")
    update = send(incident, member, [AudienceFactory(organization=org)], template=template)
    assert update.message == f"[{incident.severity.name}] Checkout is down: Payments fail; we are on it."
    assert update.template == template


def test_another_orgs_audience_or_an_inactive_one_is_refused(org, other_org, member, incident):
    for audience in (AudienceFactory(organization=other_org), AudienceFactory(organization=org, active=False)):
        with pytest.raises(actions.ValidationError) as refused:
            send(incident, member, [audience])
        assert "audiences" in refused.value.message_dict
    assert not StakeholderUpdate.objects.exists()


# --- audiences and templates -----------------------------------------------------------------------------------


def test_refused_internal_url_at_save(settings, org, member, client_for):
    settings.OUTBOUND_ALLOW = []
    client = client_for(member)
    for url in ("http://127.0.0.1:8000/hooks", "http://169.254.169.254/latest/meta-data", "http://[::1]/x"):
        response = client.post(
            "/o/acme/stakeholders/audiences/new/", {"name": "Chat", "kind": "slack", "webhook_url": url, "active": "on"}
        )
        assert response.status_code == 400
        assert "This URL cannot be used: refused:" in response.content.decode()
    assert not Audience.objects.exists()
    with pytest.raises(actions.ValidationError):
        actions.audience_create(
            organization=org, actor=Actor(user=member.user), name="x", kind="teams", webhook_url="http://10.0.0.1/"
        )


def test_webhook_url_is_shown_masked_after_saving(org, member, client_for):
    client = client_for(member)
    secret = "https://hooks.slack.com/services/T0001/B0001/XXXXsecretXXXX"
    response = client.post(
        "/o/acme/stakeholders/audiences/new/",
        {"name": "Status", "kind": "slack", "webhook_url": secret, "active": "on"},
    )
    assert response.status_code == 302
    audience = Audience.objects.get()
    assert audience.webhook_url == secret
    pages = [client.get("/o/acme/stakeholders/"), client.get(f"/o/acme/stakeholders/audiences/{audience.uuid}/edit/")]
    for page in pages:
        assert page.status_code == 200
        assert "XXXXsecretXXXX" not in page.content.decode()
        assert "https://hooks.slack.com/…" in page.content.decode()
    # saving the edit form with the URL left empty keeps it
    response = client.post(
        f"/o/acme/stakeholders/audiences/{audience.uuid}/edit/", {"name": "Status page", "webhook_url": ""}
    )
    assert response.status_code == 302
    audience.refresh_from_db()
    assert (audience.name, audience.webhook_url) == ("Status page", secret)


def test_email_audience_and_bad_addresses(org, member, client_for):
    client = client_for(member)
    response = client.post(
        "/o/acme/stakeholders/audiences/new/",
        {"name": "Execs", "kind": "email", "emails": "ceo@acme.test\nnot-an-address"},
    )
    assert response.status_code == 400
    assert "Not an email address: not-an-address" in response.content.decode()
    response = client.post(
        "/o/acme/stakeholders/audiences/new/",
        {"name": "Execs", "kind": "email", "emails": "ceo@acme.test\nCEO@acme.test, cfo@acme.test"},
    )
    assert response.status_code == 302
    assert Audience.objects.get().emails == "ceo@acme.test\ncfo@acme.test"


def test_template_with_unknown_placeholder_is_a_form_error(org, member, client_for):
    client = client_for(member)
    response = client.post(
        "/o/acme/stakeholders/templates/new/", {"name": "Exec", "body": "{incident.commander} {message}"}
    )
    assert response.status_code == 400
    assert "Unknown placeholder {incident.commander}" in response.content.decode()
    response = client.post(
        "/o/acme/stakeholders/templates/new/", {"name": "Exec", "body": "{incident.title}: {message}"}
    )
    assert response.status_code == 302


def test_only_admins_manage_audiences(org, make_member, client_for):
    responder = client_for(make_member(org, MembershipRole.RESPONDER))
    assert responder.get("/o/acme/stakeholders/").status_code == 200
    assert responder.get("/o/acme/stakeholders/audiences/new/").status_code == 403
    audience = AudienceFactory(organization=org)
    assert responder.post(f"/o/acme/stakeholders/audiences/{audience.uuid}/delete/").status_code == 403
    assert Audience.objects.filter(pk=audience.pk).exists()


def test_another_orgs_audience_page_is_404(org, other_org, member, client_for):
    theirs = AudienceFactory(organization=other_org)
    assert client_for(member).get(f"/o/acme/stakeholders/audiences/{theirs.uuid}/edit/").status_code == 404


# --- the panel on the incident page -----------------------------------------------------------------------------


def test_panel_sends_and_shows_each_audience_status(
    org, member, incident, client_for, django_capture_on_commit_callbacks
):
    execs = AudienceFactory(organization=org, name="Execs", emails="ceo@acme.test")
    with http_receiver((404, "gone", 0.0)) as receiver:
        chat = AudienceFactory(
            organization=org, name="Chat", kind=AudienceKind.SLACK, emails="", webhook_url=receiver.url
        )
        client = client_for(member)
        page = client.get(f"/o/acme/incidents/{incident.number}/").content.decode()
        assert 'id="stakeholder-updates"' in page
        assert "Send update" in page
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/o/acme/stakeholders/incidents/{incident.number}/send/",
                {
                    "stakeholders-audiences": [str(execs.uuid), str(chat.uuid)],
                    "stakeholders-message": "Fix is rolling out.",
                },
            )
        assert response.status_code == 302
        assert response["Location"] == f"/o/acme/incidents/{incident.number}/#stakeholder-updates"
        update = StakeholderUpdate.objects.get()
        assert sorted(deliver_all(update)) == ["failed", "sent"]
    page = client.get(f"/o/acme/incidents/{incident.number}/").content.decode()
    execs_row = update.deliveries.get(audience=execs)
    chat_row = update.deliveries.get(audience=chat)
    assert f'data-delivery="{execs_row.uuid}" data-status="sent"' in page
    assert f'data-delivery="{chat_row.uuid}" data-status="failed"' in page
    assert "HTTP 404" in page
    assert "Fix is rolling out." in page


def test_panel_refuses_another_orgs_audience(org, other_org, member, incident, client_for):
    theirs = AudienceFactory(organization=other_org, name="Globex execs")
    AudienceFactory(organization=org, name="Execs")
    client = client_for(member)
    assert "Globex execs" not in client.get(f"/o/acme/incidents/{incident.number}/").content.decode()
    response = client.post(
        f"/o/acme/stakeholders/incidents/{incident.number}/send/",
        {"stakeholders-audiences": [str(theirs.uuid)], "stakeholders-message": "Hello"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not StakeholderUpdate.objects.exists()


def test_viewer_cannot_send(org, make_member, incident, client_for):
    audience = AudienceFactory(organization=org)
    viewer = client_for(make_member(org, MembershipRole.VIEWER))
    page = viewer.get(f"/o/acme/incidents/{incident.number}/").content.decode()
    assert 'id="stakeholder-updates"' in page
    assert "Send update" not in page
    response = viewer.post(
        f"/o/acme/stakeholders/incidents/{incident.number}/send/",
        {"stakeholders-audiences": [str(audience.uuid)], "stakeholders-message": "Hello"},
    )
    assert response.status_code == 403
    assert not StakeholderUpdate.objects.exists()
