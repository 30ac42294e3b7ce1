"""stakeholder_update, publish_status_page and chat_post through the status page app: the stakeholder update and
its deliveries, the public incident and its update, the chat audience's delivery; drills never publish."""

import pytest
from django.core.exceptions import ValidationError

from incidents.models import StatusUpdate, TimelineEvent, TimelineKind
from statuspage.models import AudienceKind, PublicIncident, PublicUpdate, StakeholderDelivery, StakeholderUpdate
from tests.factories import AudienceFactory, ComponentFactory, StakeholderTemplateFactory, StatusPageFactory
from tests.workflows.steps_helpers import context, incident_of, org_ready
from workflows.steps import ACTIONS

pytestmark = pytest.mark.django_db

STAKEHOLDERS = ACTIONS["stakeholder_update"]
PUBLISH = ACTIONS["publish_status_page"]
CHAT = ACTIONS["chat_post"]


@pytest.fixture
def acme(org):
    return org_ready(org)


@pytest.fixture
def leadership(acme):
    return AudienceFactory(organization=acme, name="Leadership")


@pytest.fixture
def slack(acme):
    return AudienceFactory(
        organization=acme,
        name="#incidents",
        kind=AudienceKind.SLACK,
        emails="",
        webhook_url="https://hooks.slack.com/services/T0/B0/x",
    )


def deliveries(incident):
    return sorted(
        StakeholderDelivery.objects.filter(update__incident=incident).values_list("audience__name", "update__message")
    )


# --- stakeholder_update --------------------------------------------------------------------------------------


def test_a_template_update_to_chosen_audiences(acme, leadership, slack):
    template = StakeholderTemplateFactory(organization=acme, name="Exec", body="{incident.number}: {message}")
    incident = incident_of(acme, title="Checkout is down")
    params = {
        "template": str(template.uuid),
        "message": "{{ incident.title }}, we are on it",
        "audiences": [str(leadership.uuid)],
    }
    ctx = context(acme, "stakeholder_update", params, incident=incident)
    text = f"{incident.number}: Checkout is down, we are on it"

    assert STAKEHOLDERS.plan(ctx).outcome == f"Would send a stakeholder update to Leadership (Email list): “{text}”"
    assert not StakeholderUpdate.objects.exists()
    outcome = STAKEHOLDERS.execute(ctx)

    assert deliveries(incident) == [("Leadership", text)]
    assert outcome.outcome == f"Sent a stakeholder update to Leadership (Email list): “{text}”"
    note = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.NOTE)
    assert note.body == f"**Stakeholder update** sent to Leadership (Email list):\n\n> {text}"


def test_all_active_audiences_and_a_drill_is_marked(acme, leadership, slack):
    AudienceFactory(organization=acme, name="Retired", active=False)
    drill = incident_of(acme, is_drill=True)
    ctx = context(acme, "stakeholder_update", {"message": "Game day update", "audiences": "all"}, incident=drill)

    outcome = STAKEHOLDERS.execute(ctx)

    assert deliveries(drill) == [("#incidents", "Game day update"), ("Leadership", "Game day update")]
    assert outcome.outcome == (
        "Sent a stakeholder update to #incidents (Slack incoming webhook), Leadership (Email list), marked [DRILL]: "
        "“Game day update”"
    )


def test_stakeholder_validate(acme, leadership, other_org):
    theirs = AudienceFactory(organization=other_org)
    their_template = StakeholderTemplateFactory(organization=other_org)
    assert STAKEHOLDERS.describe(acme, {"message": "x", "audiences": [str(leadership.uuid)]}) == (
        "Send a stakeholder update to Leadership (Email list)"
    )
    cases = [
        (
            {"message": "x", "audiences": [str(theirs.uuid)]},
            {"audiences": [f"“{theirs.uuid}” is not an audience of this organization."]},
        ),
        (
            {"template": str(their_template.uuid), "message": "x", "audiences": "all"},
            {"template": [f"“{their_template.uuid}” is not a stakeholder template of this organization."]},
        ),
        ({"message": "x", "audiences": []}, {"audiences": ["Audiences is required."]}),
        (
            {"message": "{% for x in event.services %}{{ x }}", "audiences": "all"},
            {
                "message": [
                    "The template cannot be used: Unclosed tag on line 1: 'for'. Looking for one of: empty, endfor."
                ]
            },
        ),
    ]
    for params, errors in cases:
        with pytest.raises(ValidationError) as caught:
            STAKEHOLDERS.validate(acme, params)
        assert caught.value.message_dict == errors, params


# --- publish_status_page -------------------------------------------------------------------------------------


@pytest.fixture
def page(acme):
    return StatusPageFactory(organization=acme, title="Acme Status", is_default=True)


def test_publishes_a_public_incident_with_its_components(acme, page):
    api = ComponentFactory(page=page, name="API")
    ComponentFactory(page=page, name="Dashboard")
    incident = incident_of(acme, title="Checkout is down")
    params = {"message": "We are investigating failed payments.", "components": [str(api.uuid)]}
    ctx = context(acme, "publish_status_page", params, incident=incident)
    assert ctx.step.params["status_page"] == "default"

    assert PUBLISH.plan(ctx).outcome == (
        "Would publish a new public incident on “Acme Status” affecting API: “We are investigating failed payments.”"
    )
    assert not PublicIncident.objects.exists()
    outcome = PUBLISH.execute(ctx)

    public = PublicIncident.objects.get()
    assert (public.page, public.incident, public.title) == (page, incident, "Checkout is down")
    assert list(public.component_links.values_list("component__name", flat=True)) == ["API"]
    assert list(PublicUpdate.objects.values_list("body", flat=True)) == ["We are investigating failed payments."]
    assert StatusUpdate.objects.get(incident=incident).visibility == "external"
    assert (outcome.status, outcome.outcome) == (
        "succeeded",
        "Published on “Acme Status” affecting API: “We are investigating failed payments.”",
    )


def test_drills_never_publish(acme, page):
    drill = incident_of(acme, is_drill=True)
    ctx = context(acme, "publish_status_page", {"message": "Investigating"}, incident=drill)

    for outcome in (PUBLISH.plan(ctx), PUBLISH.execute(ctx)):
        assert (outcome.status, outcome.outcome) == ("skipped", "Drills never publish to the status page")
    assert not StatusUpdate.objects.exists()
    assert not PublicIncident.objects.exists()


def test_no_default_page_is_a_skip(acme):
    ctx = context(acme, "publish_status_page", {"message": "Investigating"}, incident=incident_of(acme))
    outcome = PUBLISH.execute(ctx)
    assert (outcome.status, outcome.outcome) == ("skipped", "The organization has no default status page")
    assert not StatusUpdate.objects.exists()


def test_publish_validate(acme, page, other_org):
    partners = StatusPageFactory(organization=acme, title="Partners", is_default=False)
    elsewhere = ComponentFactory(page=partners, name="Partner API")
    theirs = StatusPageFactory(organization=other_org)
    assert (
        PUBLISH.describe(acme, {"status_page": "default", "message": "x"})
        == "Publish the incident on status page “Acme Status”"
    )
    assert PUBLISH.validate(acme, {"status_page": str(page.uuid), "message": "x"})["status_page"] == str(page.uuid)
    cases = [
        (
            {"status_page": str(theirs.uuid), "message": "x"},
            {"status_page": [f"“{theirs.uuid}” is not a status page of this organization."]},
        ),
        (
            {"status_page": str(partners.uuid), "message": "x"},
            {"status_page": ["“Partners” is not the default status page: incidents are published there only."]},
        ),
        (
            {"message": "x", "components": [str(elsewhere.uuid)]},
            {"components": ["Component “Partner API” is not on the default status page."]},
        ),
    ]
    for params, errors in cases:
        with pytest.raises(ValidationError) as caught:
            PUBLISH.validate(acme, params)
        assert caught.value.message_dict == errors, params


# --- chat_post -----------------------------------------------------------------------------------------------


def test_chat_post_goes_through_the_audiences_delivery(acme, slack):
    incident = incident_of(acme, title="Checkout is down")
    ctx = context(
        acme,
        "chat_post",
        {"audience": str(slack.uuid), "text": "{{ incident.reference }} is {{ incident.severity }}"},
        incident=incident,
    )

    assert (
        CHAT.plan(ctx).outcome == f"Would post to #incidents (Slack incoming webhook): “{incident.reference} is SEV1”"
    )
    outcome = CHAT.execute(ctx)

    assert deliveries(incident) == [("#incidents", f"{incident.reference} is SEV1")]
    assert StakeholderDelivery.objects.get().status == "pending"
    assert outcome.outcome == f"Posted to #incidents (Slack incoming webhook): “{incident.reference} is SEV1”"


def test_chat_validate(acme, leadership, slack, other_org):
    theirs = AudienceFactory(organization=other_org, kind=AudienceKind.SLACK, webhook_url="https://hooks.slack.com/x")
    assert (
        CHAT.describe(acme, {"audience": str(slack.uuid), "text": "Hi"})
        == "Post to #incidents (Slack incoming webhook): “Hi”"
    )
    cases = [
        ({"audience": str(theirs.uuid), "text": "x"}, f"“{theirs.uuid}” is not an audience of this organization."),
        (
            {"audience": str(leadership.uuid), "text": "x"},
            "Audience “Leadership” is not a chat audience (Slack, Mattermost or Teams).",
        ),
    ]
    for params, error in cases:
        with pytest.raises(ValidationError) as caught:
            CHAT.validate(acme, params)
        assert caught.value.message_dict == {"audience": [error]}, params
