"""The seeded "Declaration process": every new org gets it exactly once (organization.created), organizations that
existed before get it from migration 0002, and its definition is valid for the org's defaults."""

import importlib

import pytest
from django.apps import apps as django_apps

from orgs import actions as org_actions
from orgs.models import AuditEvent, Organization
from orgs.tenancy import Actor
from tests.factories import OrganizationFactory, UserFactory, WorkflowFactory
from workflows.actions import seed
from workflows.models import Workflow
from workflows.validation import workflow_validate

pytestmark = pytest.mark.django_db


def new_org(slug: str = "initech") -> Organization:
    owner = UserFactory()
    return org_actions.organization_create(name=slug.title(), slug=slug, owner=owner, actor=Actor(user=owner))


def test_a_new_org_gets_the_declaration_process_once():
    organization = new_org()
    workflow = Workflow.objects.get(organization=organization)
    assert workflow.name == "Declaration process"
    assert workflow.seed_key == "declaration-process"
    assert workflow.trigger == "incident.declared"
    assert workflow.conditions == [{"field": "severity_major", "operator": "is", "value": True}]
    assert [(a["action"], a["enabled"]) for a in workflow.actions] == [
        ("assign_role", True),
        ("add_tasks", True),
        ("post_status_update", True),
        ("page", True),
        ("publish_status_page", False),
    ]
    assert workflow.actions[0]["params"] == {"role": "incident-commander", "to": {"kind": "service_oncall"}}
    assert workflow.actions[3]["params"]["target"] == {"kind": "role", "role": "communications-lead"}
    assert workflow.actions[2]["params"]["message"] == (
        "{{ incident.reference }} declared ({{ incident.severity }}): {{ incident.title }}. "
        "Commander: {{ commander }}. Next update in 30 minutes."
    )
    assert workflow.is_enabled
    assert not workflow.run_in_drills
    # Part of the new org like its default severities and roles: not audited as someone's change.
    assert AuditEvent.objects.filter(organization=organization, action="workflow.created").count() == 0
    assert seed.declaration_process_ensure(organization=organization) is None
    assert Workflow.objects.filter(organization=organization).count() == 1


def test_an_org_that_deleted_or_renamed_it_does_not_get_a_second():
    organization = new_org()
    Workflow.objects.filter(organization=organization).update(name="Our process")
    assert seed.declaration_process_ensure(organization=organization) is None
    assert Workflow.objects.filter(organization=organization).count() == 1


def test_the_seeded_definition_is_valid_in_a_new_org():
    """Every enabled step validates against the org's defaults (roles, severities); the status page step waits,
    disabled, for a page to publish to."""
    organization = new_org()
    workflow = Workflow.objects.get(organization=organization)
    cleaned = workflow_validate(
        organization=organization,
        data={
            "trigger": workflow.trigger,
            "condition_mode": workflow.condition_mode,
            "conditions": workflow.conditions,
            "actions": workflow.actions,
        },
    )
    assert cleaned["conditions"] == workflow.conditions
    assert [a["action"] for a in cleaned["actions"]] == [a["action"] for a in workflow.actions]


def test_migration_0002_seeds_existing_orgs_that_lack_it():
    migration = importlib.import_module("workflows.migrations.0002_seed_declaration_process")
    bare = OrganizationFactory(slug="bare")
    seeded = new_org("seeded")
    named = OrganizationFactory(slug="named")
    WorkflowFactory(organization=named, name="declaration process")
    migration.seed(django_apps, None)
    assert Workflow.objects.filter(organization=bare, seed_key="declaration-process").count() == 1
    assert Workflow.objects.filter(organization=seeded).count() == 1
    assert list(Workflow.objects.filter(organization=named).values_list("name", flat=True)) == ["declaration process"]
    copy = Workflow.objects.get(organization=bare)
    fields = seed.definition()
    for field in ("name", "description", "trigger", "condition_mode", "conditions", "actions", "is_enabled"):
        assert getattr(copy, field) == fields[field], field
    migration.seed(django_apps, None)  # twice: nothing more
    assert Workflow.objects.filter(organization=bare).count() == 1


def test_the_demo_shows_the_process_and_reminder_runs_once():
    from incidents import actions as incident_actions
    from incidents.models import Severity, TimelineEvent, TimelineKind
    from workflows import demo
    from workflows.models import RunStatus, WorkflowRun

    organization = new_org("demo")
    owner = organization.memberships.get().user
    incident = incident_actions.incident_declare(
        organization=organization,
        actor=Actor(user=owner),
        title="Search slow",
        severity=Severity.objects.get(organization=organization, name="SEV3"),
    )
    incident_actions.incident_transition(incident=incident, status="resolved", actor=Actor(user=owner))
    demo.seed_demo(organization=organization)
    demo.seed_demo(organization=organization)
    assert Workflow.objects.filter(organization=organization).count() == 2
    run = WorkflowRun.objects.get(workflow__name="Resolution reminder")
    assert run.status == RunStatus.COMPLETED
    note = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.NOTE)
    assert note.body == f"INC-{incident.number} is resolved. Book the retrospective within 5 working days."


def test_declaring_a_major_incident_starts_the_declaration_process_and_a_minor_one_does_not(enqueued):
    from incidents import actions as incident_actions
    from incidents.models import Severity
    from workflows.models import WorkflowRun

    organization = new_org("umbrella")
    owner = organization.memberships.get().user

    def declare(severity):
        return incident_actions.incident_declare(
            organization=organization,
            actor=Actor(user=owner),
            title=f"{severity} incident",
            severity=Severity.objects.get(organization=organization, name=severity),
        )

    declare("SEV3")
    assert not WorkflowRun.objects.filter(organization=organization).exists()
    incident = declare("SEV1")
    run = WorkflowRun.objects.get(organization=organization)
    assert (run.workflow_name, run.incident, run.event_key) == (
        "Declaration process",
        incident,
        f"incident:{incident.pk}:declared",
    )
    assert list(run.steps.order_by("position").values_list("action", "status")) == [
        ("assign_role", "pending"),
        ("add_tasks", "pending"),
        ("post_status_update", "pending"),
        ("page", "pending"),
        ("publish_status_page", "skipped"),
    ]
    assert run.matched == [{"field": "severity_major", "operator": "is", "value": True, "held": True}]
