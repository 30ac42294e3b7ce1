"""add_tasks, post_note and post_status_update: the incident's tasks, notes and status updates, written through
incidents' actions, with the sandboxed templates filled in."""

import pytest
from django.core.exceptions import ValidationError

from incidents import actions as incident_actions
from incidents.models import IncidentTask, StatusUpdate, TimelineEvent, TimelineKind
from orgs.tenancy import Actor
from tests.factories import IncidentTaskFactory
from tests.workflows.steps_helpers import context, incident_of, org_ready, person, role
from workflows.steps import ACTIONS

pytestmark = pytest.mark.django_db

ADD_TASKS = ACTIONS["add_tasks"]
POST_NOTE = ACTIONS["post_note"]
POST_UPDATE = ACTIONS["post_status_update"]
FIRST_UPDATE = (
    "{{ incident.reference }} declared ({{ incident.severity }}): {{ incident.title }}. "
    "Commander: {{ commander }}. Next update in 30 minutes."
)


@pytest.fixture
def acme(org):
    return org_ready(org)


@pytest.fixture
def ana(acme):
    return person(acme, "Ana Ruiz")


def tasks(incident):
    return sorted(IncidentTask.objects.filter(incident=incident).values_list("title", "assignee__full_name"))


# --- add_tasks -----------------------------------------------------------------------------------------------


def test_items_are_added_for_the_role_holder_once(acme, ana):
    incident = incident_of(acme)
    scribe = role(acme, "scribe")
    incident_actions.role_assign(incident=incident, role=scribe, user=ana, actor=Actor.system())
    IncidentTaskFactory(incident=incident, title="Open a bridge")
    before = tasks(incident)
    params = {
        "items": ["Open a bridge", "Page payments", "  ", "Page payments"],
        "assignee": {"kind": "role", "role": "scribe"},
    }
    ctx = context(acme, "add_tasks", params, incident=incident)
    assert ctx.step.params == {
        "items": ["Open a bridge", "Page payments"],
        "assignee": {"kind": "role", "role": "scribe"},
    }

    outcome = ADD_TASKS.execute(ctx)

    assert (outcome.status, outcome.outcome) == (
        "succeeded",
        "Added 1 task (“Page payments”), assigned to Ana Ruiz (Scribe)",
    )
    assert tasks(incident) == sorted([*before, ("Page payments", "Ana Ruiz")])
    entry = TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.TASK_ADDED).get()
    assert entry.payload == {"task": "Page payments", "assignee": "Ana Ruiz"}
    again = ADD_TASKS.execute(context(acme, "add_tasks", params, incident=incident))
    assert (again.status, again.outcome) == ("skipped", f"All 2 tasks already exist on {incident.reference}")


def test_a_roles_checklist_unassigned_when_nobody_holds_the_role(acme):
    incident = incident_of(acme)
    commander = role(acme, "incident-commander")
    ctx = context(
        acme,
        "add_tasks",
        {"from_role": "incident-commander", "assignee": {"kind": "role", "role": "incident-commander"}},
        incident=incident,
    )

    plan = ADD_TASKS.plan(ctx)
    assert tasks(incident) == []
    outcome = ADD_TASKS.execute(ctx)

    assert tasks(incident) == sorted((item, None) for item in commander.checklist)
    count = len(commander.checklist)
    listed = ", ".join(f"“{item}”" for item in commander.checklist[:5])
    more = f" and {count - 5} more" if count > 5 else ""
    assert plan.outcome == f"Would add {count} tasks ({listed}{more}), unassigned (nobody is Incident Commander yet)"
    assert outcome.outcome == f"Added {count} tasks ({listed}{more}), unassigned (nobody is Incident Commander yet)"


def test_add_tasks_describe_and_validate(acme, other_org, ana):
    org_ready(other_org)
    outsider = person(other_org, "Olga Other")
    assert (
        ADD_TASKS.describe(
            acme, {"from_role": "incident-commander", "assignee": {"kind": "role", "role": "incident-commander"}}
        )
        == "Add the Incident Commander's checklist, assigned to the Incident Commander"
    )
    assert ADD_TASKS.describe(acme, {"items": ["a", "b"], "assignee": {"kind": "user", "user": str(ana.uuid)}}) == (
        "Add 2 tasks, assigned to Ana Ruiz"
    )
    cases = [
        ({"from_role": "captain"}, {"from_role": ["“captain” is not an incident role of this organization."]}),
        (
            {"items": ["x"], "assignee": {"kind": "user", "user": str(outsider.uuid)}},
            {"assignee": [f"“{outsider.uuid}” is not a member of this organization."]},
        ),
        (
            {"items": ["x"], "assignee": {"kind": "role", "role": "captain"}},
            {"assignee": ["“captain” is not an incident role of this organization."]},
        ),
        ({"items": []}, {"items": ["List tasks or choose a role whose checklist to add."]}),
        ({"items": ["x" * 301]}, {"items": [f"A task is at most 300 characters: “{'x' * 79}…”."]}),
    ]
    for params, errors in cases:
        with pytest.raises(ValidationError) as caught:
            ADD_TASKS.validate(acme, params)
        assert caught.value.message_dict == errors, params


# --- post_note -----------------------------------------------------------------------------------------------


def test_note_is_rendered_and_posted(acme, ana):
    incident = incident_of(acme, title="Checkout is down")
    incident_actions.role_assign(
        incident=incident, role=role(acme, "incident-commander"), user=ana, actor=Actor.system()
    )
    body = (
        "**{{ workflow }}**: {{ incident.reference }} <{{ incident.title }}>"
        "{% if commander %}, led by {{ commander }}{% endif %}"
    )
    ctx = context(acme, "post_note", {"body": body}, incident=incident)

    assert POST_NOTE.plan(ctx).outcome == (
        f"Would post a note on {incident.reference}: "
        f"“**Declaration process**: {incident.reference} <Checkout is down>, led by Ana Ruiz”"
    )
    outcome = POST_NOTE.execute(ctx)

    note = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.NOTE)
    assert note.body == f"**Declaration process**: {incident.reference} <Checkout is down>, led by Ana Ruiz"
    assert note.actor_label == "Workflow “Declaration process”"
    assert outcome.status == "succeeded"
    assert outcome.result == {"timeline_event_id": note.pk}


def test_note_validate_names_the_template_error(acme):
    assert (
        POST_NOTE.describe(acme, {"body": "Hello {{ incident.title }}"}) == "Post a note: “Hello {{ incident.title }}”"
    )
    for body, error in [
        (
            "{{ incident.title|safe }}",
            "The template cannot be used: unknown filter “safe” (templates can use default, default_if_none, "
            "first, join, last, length, lower, title, truncatechars, truncatewords, upper, yesno).",
        ),
        (
            "{{ secrets }}",
            "The template cannot be used: Unknown value “secrets”: "
            "a template can use incident, commander, workflow, event.",
        ),
        ("{% if %}", "The template cannot be used: Unexpected end of expression in if tag."),
        ("   ", "Note is required."),
    ]:
        with pytest.raises(ValidationError) as caught:
            POST_NOTE.validate(acme, {"body": body})
        assert caught.value.message_dict == {"body": [error]}, body


# --- post_status_update --------------------------------------------------------------------------------------


def test_first_internal_update(acme, ana):
    incident = incident_of(acme, title="Checkout is down")
    incident_actions.role_assign(
        incident=incident, role=role(acme, "incident-commander"), user=ana, actor=Actor.system()
    )
    ctx = context(acme, "post_status_update", {"message": FIRST_UPDATE, "visibility": "internal"}, incident=incident)

    outcome = POST_UPDATE.execute(ctx)

    text = f"{incident.reference} declared (SEV1): Checkout is down. Commander: Ana Ruiz. Next update in 30 minutes."
    update = StatusUpdate.objects.get(incident=incident)
    assert (update.message, update.visibility, update.status) == (text, "internal", "investigating")
    assert outcome.outcome == f"Posted an internal status update on {incident.reference}: “{text[:79]}…”"
    assert outcome.result == {"status_update": str(update.uuid)}


def test_unassigned_commander_and_the_plan(acme):
    incident = incident_of(acme, title="Checkout is down")
    ctx = context(acme, "post_status_update", {"message": FIRST_UPDATE}, incident=incident)
    assert ctx.step.params["visibility"] == "internal"

    outcome = POST_UPDATE.plan(ctx)

    assert outcome.outcome == (
        f"Would post an internal status update on {incident.reference}: "
        f"“{incident.reference} declared (SEV1): Checkout is down. Commander: unassigned. Next update in…”"
    )
    assert not StatusUpdate.objects.exists()


def test_drills_never_post_external_updates(acme):
    drill = incident_of(acme, is_drill=True)
    ctx = context(acme, "post_status_update", {"message": "We are on it", "visibility": "external"}, incident=drill)

    outcome = POST_UPDATE.execute(ctx)

    assert (outcome.status, outcome.outcome) == ("skipped", "Drills never publish external updates")
    assert not StatusUpdate.objects.exists()


def test_update_validate(acme):
    with pytest.raises(ValidationError) as caught:
        POST_UPDATE.validate(acme, {"message": "x", "visibility": "public"})
    assert caught.value.message_dict == {"visibility": ["Choose internal or external."]}
    assert POST_UPDATE.describe(acme, {"message": "All good", "visibility": "external"}) == (
        "Post an external status update: “All good”"
    )
