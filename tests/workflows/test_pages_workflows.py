"""The workflows pages (/o/<org>/workflows/…): the list with its toggle and empty state, the editor (new and
existing: rows posted as named inputs, row buttons, errors next to their row, live validation), the read-only
page members see, the dry run, the run log and run page with Cancel, delete; admins write, other members read and
get 403 on every write, another org's workflow is a 404."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages

from orgs.models import AuditEvent, MembershipRole
from tests.factories import (
    IncidentFactory,
    IncidentRoleFactory,
    SeverityFactory,
    WorkflowFactory,
    WorkflowRunFactory,
    WorkflowRunStepFactory,
)
from workflows.models import RunStatus, StepStatus, Trigger, Workflow

pytestmark = pytest.mark.django_db

BASE = "/o/acme/workflows/"


def messages_of(response):
    return [m.message for m in get_messages(response.wsgi_request)]


def text_of(html: str) -> str:
    """The page's text with tags removed and whitespace collapsed (to assert what a person reads)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def severities(org):
    return [
        SeverityFactory(organization=org, name="SEV1", rank=1, is_major=True),
        SeverityFactory(organization=org, name="SEV2", rank=2, is_major=True),
        SeverityFactory(organization=org, name="SEV3", rank=3, is_major=False),
    ]


@pytest.fixture
def admin_client(owner, client_for):
    return client_for(owner)


@pytest.fixture
def viewer_client(org, make_member, client_for):
    return client_for(make_member(org, MembershipRole.VIEWER, email="viewer@acme.test"))


@pytest.fixture
def responder_client(org, make_member, client_for):
    return client_for(make_member(org, MembershipRole.RESPONDER, email="responder@acme.test"))


@pytest.fixture
def workflow(org, severities):
    return WorkflowFactory(
        organization=org,
        name="Major incident kickoff",
        trigger=Trigger.INCIDENT_DECLARED,
        conditions=[{"field": "severity", "operator": "at_least", "value": "SEV2"}],
        actions=[{"action": "post_note", "params": {"body": "Kickoff"}, "delay_seconds": 0, "enabled": True}],
    )


# --- the list -----------------------------------------------------------------------------------------------------


def test_empty_list_explains_workflows_and_offers_new_to_admins(admin_client):
    response = admin_client.get(BASE)

    assert response.status_code == 200
    body = response.content.decode()
    assert "No workflow yet" in body
    assert "A workflow does the routine part of an incident for you" in body
    assert f'<a class="btn btn-primary" href="{BASE}new/">New workflow</a>' in body


def test_empty_list_tells_a_viewer_an_admin_creates_them(viewer_client):
    body = viewer_client.get(BASE).content.decode()

    assert "An admin of Acme can create one." in body
    assert f'href="{BASE}new/"' not in body


def test_list_row_reads_trigger_conditions_and_last_run(admin_client, workflow):
    run = WorkflowRunFactory(workflow=workflow, status=RunStatus.COMPLETED)

    body = admin_client.get(BASE).content.decode()

    row = text_of(body.split(f'id="workflow-{workflow.uuid}"')[1].split("</tr>")[0])
    assert row.startswith("> Major incident kickoff 1 step Incident declared Severity is at least SEV2")
    assert "Completed" in row
    assert f'href="{BASE}runs/{run.uuid}/"' in body
    assert "Disable" in row


def test_list_shows_a_never_run_workflow_and_no_toggle_for_viewers(viewer_client, workflow):
    body = viewer_client.get(BASE).content.decode()

    row = text_of(body.split(f'id="workflow-{workflow.uuid}"')[1].split("</tr>")[0])
    assert row == "> Major incident kickoff 1 step Incident declared Severity is at least SEV2 Never On"
    assert f"{workflow.uuid}/enabled/" not in body


def test_toggle_disables_then_enables(admin_client, workflow):
    response = admin_client.post(f"{BASE}{workflow.uuid}/enabled/")

    assert response.status_code == 302
    assert response["Location"] == f"{BASE}#workflow-{workflow.uuid}"
    workflow.refresh_from_db()
    assert workflow.is_enabled is False
    assert messages_of(response) == ["Workflow “Major incident kickoff” disabled."]

    admin_client.post(f"{BASE}{workflow.uuid}/enabled/", {"enabled": "on"})
    workflow.refresh_from_db()
    assert workflow.is_enabled is True


@pytest.mark.parametrize("role_client", ["viewer_client", "responder_client"])
def test_members_below_admin_cannot_write(request, role_client, workflow):
    client = request.getfixturevalue(role_client)
    run = WorkflowRunFactory(workflow=workflow)
    before = Workflow.objects.values().get(pk=workflow.pk)

    answers = {
        url: client.post(url, {"name": "Changed", "trigger": "incident.declared"}).status_code
        for url in (
            f"{BASE}new/",
            f"{BASE}validate/",
            f"{BASE}{workflow.uuid}/",
            f"{BASE}{workflow.uuid}/validate/",
            f"{BASE}{workflow.uuid}/enabled/",
            f"{BASE}{workflow.uuid}/delete/",
            f"{BASE}runs/{run.uuid}/cancel/",
        )
    }

    assert set(answers.values()) == {403}
    assert Workflow.objects.values().get(pk=workflow.pk) == before
    assert client.get(f"{BASE}new/").status_code == 403
    assert client.get(f"{BASE}{workflow.uuid}/delete/").status_code == 403


def test_another_orgs_workflow_and_run_are_404(admin_client, other_org):
    theirs = WorkflowFactory(organization=other_org)
    run = WorkflowRunFactory(workflow=theirs)

    urls = [
        f"{BASE}{theirs.uuid}/",
        f"{BASE}{theirs.uuid}/dry-run/",
        f"{BASE}{theirs.uuid}/runs/",
        f"{BASE}{theirs.uuid}/delete/",
        f"{BASE}runs/{run.uuid}/",
        f"{BASE}runs/{run.uuid}/cancel/",
    ]

    assert [admin_client.get(url).status_code for url in urls] == [404] * len(urls)
    assert admin_client.post(f"{BASE}{theirs.uuid}/enabled/").status_code == 404


# --- the editor -----------------------------------------------------------------------------------------------------


def editor_post(**overrides):
    """What the editor posts for one condition (severity at least SEV2) and one step (a note after 5 minutes)."""
    data = {
        "name": "Major incident kickoff",
        "description": "Every major incident gets a kickoff note.",
        "trigger": "incident.declared",
        "condition_mode": "all",
        "is_enabled": "on",
        "condition_count": "1",
        "conditions-0-field": "severity",
        "conditions-0-operator": "at_least",
        "conditions-0-value": "SEV2",
        "action_count": "1",
        "actions-0-action": "post_note",
        "actions-0-p-body": "Kickoff for {{ incident.reference }}",
        "actions-0-delay": "5",
        "actions-0-enabled": "on",
        "op": "save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_new_editor_renders_for_an_admin(admin_client, severities):
    response = admin_client.get(f"{BASE}new/")

    assert response.status_code == 200
    body = response.content.decode()
    assert f'hx-post="{BASE}validate/" hx-trigger="change delay:300ms"' in body
    assert '<option value="incident.declared" selected>Incident declared</option>' in body
    assert "No condition: it runs every time the trigger fires." in body
    assert 'name="condition_count" value="0"' in body
    assert 'value="add-condition"' in body
    assert 'value="add-action"' in body
    assert "js/workflow-editor" in body
    assert "<script>" not in body


def test_create_from_the_editor(admin_client, org, severities):
    response = admin_client.post(f"{BASE}new/", editor_post())

    workflow = Workflow.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}{workflow.uuid}/"
    assert messages_of(response) == ["Workflow “Major incident kickoff” created."]
    assert (workflow.name, workflow.description, workflow.trigger, workflow.condition_mode) == (
        "Major incident kickoff",
        "Every major incident gets a kickoff note.",
        "incident.declared",
        "all",
    )
    assert workflow.conditions == [{"field": "severity", "operator": "at_least", "value": "SEV2"}]
    assert workflow.actions == [
        {
            "action": "post_note",
            "params": {"body": "Kickoff for {{ incident.reference }}"},
            "delay_seconds": 300,
            "enabled": True,
        }
    ]
    assert (workflow.is_enabled, workflow.run_in_drills) == (True, False)


def test_editor_shows_a_bad_value_next_to_its_row_and_saves_nothing(admin_client, org, severities):
    response = admin_client.post(f"{BASE}new/", editor_post(**{"conditions-0-value": "SEV9", "actions-0-p-body": ""}))

    assert response.status_code == 400
    body = response.content.decode()
    slot = body.split('id="conditions-0-errors"')[1].split("</div>")[0]
    assert text_of(slot) == 'role="alert"> SEV9 is not a severity of this organization.'
    step_slot = body.split('id="actions-0-errors"')[1].split("</div>")[0]
    assert text_of(step_slot) == 'role="alert"> Note is required.'
    assert "The workflow was not saved." in body
    assert '<option value="SEV9" selected>SEV9 (does not exist)</option>' in body
    assert Workflow.objects.filter(organization=org).exists() is False


def test_editor_refuses_a_taken_name_and_a_bad_delay(admin_client, workflow):
    response = admin_client.post(
        f"{BASE}new/", editor_post(name="major incident kickoff", **{"actions-0-delay": "soon"})
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert text_of(body.split('id="errors-name"')[1].split("</div>")[0]) == (
        'role="alert"> A workflow named “major incident kickoff” already exists.'
    )
    assert text_of(body.split('id="actions-0-errors"')[1].split("</div>")[0]) == (
        'role="alert"> The delay is a whole number of minutes.'
    )
    assert Workflow.objects.count() == 1


def test_live_validation_answers_each_error_into_its_rows_slot(admin_client, severities):
    response = admin_client.post(
        f"{BASE}validate/", editor_post(**{"conditions-0-value": "SEV9"}), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Not ready to save yet." in body
    oob = body.split('id="conditions-0-errors" hx-swap-oob="true"')[1].split("</div>")[0]
    assert text_of(oob) == 'role="alert"> SEV9 is not a severity of this organization.'
    assert 'id="actions-0-errors" hx-swap-oob="true" role="alert"></div>' in body
    assert 'id="errors-name" hx-swap-oob="true" role="alert"></div>' in body


def test_live_validation_of_a_good_form_says_ready(admin_client, workflow):
    response = admin_client.post(f"{BASE}{workflow.uuid}/validate/", editor_post(), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Everything checks out." in response.content.decode()


def test_add_condition_over_htmx_answers_the_rows_with_a_true_to_life_row(admin_client, severities):
    response = admin_client.post(
        f"{BASE}new/", editor_post(op="add-condition", condition_count="0"), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="workflow-rows"')
    assert "<html" not in body
    assert 'name="condition_count" value="1"' in body
    assert '<option value="severity" selected>Severity</option>' in body
    assert '<option value="SEV1" selected>SEV1</option>' in body


def test_row_buttons_work_without_javascript(admin_client, severities):
    two_steps = editor_post(
        action_count="2",
        **{"actions-1-action": "post_note", "actions-1-p-body": "Second", "actions-1-delay": "0"},
        op="down-action:0",
    )

    response = admin_client.post(f"{BASE}new/", two_steps)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body
    first = body.split('id="action-0"')[1].split('id="action-1"')[0]
    assert ">Second</textarea>" in first
    assert Workflow.objects.exists() is False


def test_changing_the_action_shows_its_params(admin_client, org, severities):
    IncidentRoleFactory(organization=org, name="Incident Commander", slug="incident-commander")

    response = admin_client.post(
        f"{BASE}new/", editor_post(op="refresh", **{"actions-0-action": "assign_role"}), HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert '<select name="actions-0-p-role" id="actions-0-p-role">' in body
    assert '<option value="incident-commander">Incident Commander</option>' in body
    assert '<option value="service_oncall">The on-call of the incident&#x27;s first service</option>' in body


def test_edit_saves_changes(admin_client, workflow):
    response = admin_client.post(
        f"{BASE}{workflow.uuid}/",
        editor_post(name="Kickoff", condition_count="0", run_in_drills="on", **{"actions-0-enabled": None}),
    )

    assert response.status_code == 302
    workflow.refresh_from_db()
    assert (workflow.name, workflow.conditions, workflow.run_in_drills) == ("Kickoff", [], True)
    assert workflow.actions[0]["enabled"] is False
    assert messages_of(response) == ["Workflow “Kickoff” saved."]


def test_existing_workflow_opens_in_the_editor_for_admins(admin_client, workflow):
    body = admin_client.get(f"{BASE}{workflow.uuid}/").content.decode()

    assert '<option value="at_least" selected>is at least</option>' in body
    assert '<option value="SEV2" selected>SEV2</option>' in body
    assert ">Kickoff</textarea>" in body
    assert "Post a note: “Kickoff”" in body
    assert f'href="{BASE}{workflow.uuid}/delete/"' in body


def test_members_read_a_workflow_in_words(viewer_client, workflow):
    response = viewer_client.get(f"{BASE}{workflow.uuid}/")

    assert response.status_code == 200
    body = response.content.decode()
    kv = text_of(body.split('<dl class="kv">')[1].split("</dl>")[0])
    assert kv == "When Incident declared If Severity is at least SEV2 Then Post a note: “Kickoff”"
    assert "<form" not in body.split('class="content"')[1].split("</main>")[0].replace('action="/accounts/logout/"', "")
    assert "You can read this workflow; admins of Acme change it." in body


# --- dry run ------------------------------------------------------------------------------------------------------


def test_dry_run_page_shows_each_condition_and_step(viewer_client, org, workflow, severities):
    incident = IncidentFactory(organization=org, severity=severities[2], title="Slow search")

    response = viewer_client.get(f"{BASE}{workflow.uuid}/dry-run/?incident={incident.number}")

    assert response.status_code == 200
    body = text_of(response.content.decode())
    assert f"For {incident.reference} Slow search Conditions do not hold: it would not run" in body
    assert "Does not hold Severity is at least SEV2" in body
    assert "1 Post an internal note Would run" in body


def test_dry_run_page_lists_recent_incidents_and_says_when_one_does_not_exist(viewer_client, org, workflow):
    incident = IncidentFactory(organization=org, title="Checkout down")

    listing = viewer_client.get(f"{BASE}{workflow.uuid}/dry-run/").content.decode()
    missing = viewer_client.get(f"{BASE}{workflow.uuid}/dry-run/?incident=9999")

    assert (
        f'<option value="{incident.number}">{incident.reference} · SEV2 · Investigating · Checkout down</option>'
        in listing
    )
    assert missing.status_code == 404
    assert "There is no incident 9999 in Acme." in missing.content.decode()


# --- runs -----------------------------------------------------------------------------------------------------------


def test_run_log_and_run_page(viewer_client, org, workflow, severities):
    incident = IncidentFactory(organization=org, severity=severities[0], title="Checkout down")
    run = WorkflowRunFactory(
        workflow=workflow,
        incident=incident,
        status=RunStatus.FAILED,
        matched=[{"field": "severity", "operator": "at_least", "value": "SEV2", "held": True}],
    )
    WorkflowRunStepFactory(run=run, position=1, status=StepStatus.SUCCEEDED, outcome="Posted a note on INC-1")
    WorkflowRunStepFactory(run=run, position=2, status=StepStatus.FAILED, error="Nobody is Communications Lead yet")

    log = viewer_client.get(f"{BASE}{workflow.uuid}/runs/").content.decode()
    page = viewer_client.get(f"{BASE}runs/{run.uuid}/")

    assert f'href="{BASE}runs/{run.uuid}/"' in log
    assert f"{incident.reference} Checkout down" in text_of(log)
    assert page.status_code == 200
    body = text_of(page.content.decode())
    assert "Held Severity is at least SEV2" in body
    assert "1 Post an internal note Done" in body
    assert "Posted a note on INC-1" in body
    assert "2 Post an internal note Failed" in body
    assert "Nobody is Communications Lead yet" in body
    assert "Cancel run" not in body


def test_an_admin_cancels_a_running_run_after_confirming(admin_client, workflow):
    run = WorkflowRunFactory(workflow=workflow, status=RunStatus.RUNNING)
    step = WorkflowRunStepFactory(
        run=run, position=1, status=StepStatus.PENDING, due_at=datetime.now(UTC) + timedelta(hours=1)
    )

    page = admin_client.get(f"{BASE}runs/{run.uuid}/").content.decode()
    confirm = admin_client.get(f"{BASE}runs/{run.uuid}/cancel/")
    response = admin_client.post(f"{BASE}runs/{run.uuid}/cancel/")

    assert f'href="{BASE}runs/{run.uuid}/cancel/">Cancel run</a>' in page
    assert "Cancel this run of “Major incident kickoff”?" in confirm.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}runs/{run.uuid}/"
    run.refresh_from_db()
    step.refresh_from_db()
    assert run.status == RunStatus.CANCELED
    assert step.status != StepStatus.PENDING


# --- delete ---------------------------------------------------------------------------------------------------------


def test_delete_asks_first_then_deletes_and_keeps_runs(admin_client, workflow):
    run = WorkflowRunFactory(workflow=workflow)

    confirm = admin_client.get(f"{BASE}{workflow.uuid}/delete/")
    response = admin_client.post(f"{BASE}{workflow.uuid}/delete/")

    assert "Delete the workflow “Major incident kickoff”?" in confirm.content.decode()
    assert Workflow.objects.filter(pk=workflow.pk).exists() is False
    assert response["Location"] == BASE
    assert messages_of(response) == ["Workflow “Major incident kickoff” deleted."]
    run.refresh_from_db()
    assert run.workflow_name == "Major incident kickoff"
    assert AuditEvent.objects.filter(action="workflow.deleted", target_id=str(workflow.uuid)).exists()


def test_changing_a_conditions_field_starts_it_from_that_fields_first_test_and_value(admin_client, severities):
    response = admin_client.post(
        f"{BASE}new/",
        editor_post(op="refresh", **{"conditions-0-was": "severity", "conditions-0-field": "status"}),
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    assert '<option value="status" selected>Status</option>' in body
    assert '<option value="is" selected>is</option>' in body
    assert '<option value="triage" selected>Triage</option>' in body
    assert "SEV2" not in body.split('id="condition-0"')[1].split("</li>")[0]
