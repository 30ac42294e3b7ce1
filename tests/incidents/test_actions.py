"""Domain rules of incidents/actions/: lifecycle, milestones, declaration, roles, tasks, notes, status
updates, service health, and the timeline + audit + live push that every write leaves behind."""

import inspect
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from core import events
from incidents import actions, defaults, live
from incidents.models import (
    MILESTONES,
    Incident,
    IncidentRole,
    IncidentService,
    IncidentStatus,
    IncidentTask,
    IncidentType,
    RoleAssignment,
    Severity,
    StatusUpdate,
    StatusUpdateVisibility,
    TimelineEvent,
    TimelineKind,
)
from orgs import live as org_live
from orgs.models import AuditEvent, Membership, MembershipRole, Organization, OrgCounter
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service, ServiceHealth
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
S = IncidentStatus
ALL_STATUSES = list(IncidentStatus.values)
# DESIGN.md, written out by hand so the test does not share the code's derivation of the rules.
ALLOWED = {
    S.TRIAGE: ["investigating", "identified", "monitoring", "resolved", "closed", "declined", "merged", "canceled"],
    S.INVESTIGATING: ["identified", "monitoring", "resolved", "closed"],
    S.IDENTIFIED: ["monitoring", "resolved", "closed"],
    S.MONITORING: ["resolved", "closed"],
    S.RESOLVED: ["investigating", "closed"],
    S.CLOSED: [],
    S.DECLINED: [],
    S.MERGED: [],
    S.CANCELED: [],
}
ALLOWED_PAIRS = [(source, target) for source in ALL_STATUSES for target in ALLOWED[source]]
ILLEGAL_PAIRS = [
    (source, target)
    for source in ALL_STATUSES
    for target in ALL_STATUSES
    if target != source and target not in ALLOWED[source]
]
COMMANDER_CHECKLIST = defaults.ROLES[0][4]


class Clock:
    """A frozen timezone.now that tests move forward explicitly."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock(T0)
    monkeypatch.setattr("django.utils.timezone.now", lambda: frozen.now)
    return frozen


@pytest.fixture(autouse=True)
def org_defaults(org: Organization, other_org: Organization) -> None:
    actions.organization_defaults_ensure(organization=org)
    actions.organization_defaults_ensure(organization=other_org)


@pytest.fixture
def actor(owner: Membership) -> Actor:
    return Actor(user=owner.user)


@pytest.fixture
def responder(org: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(org, MembershipRole.RESPONDER, email="rita@acme.test")


@pytest.fixture
def outsider(other_org: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(other_org, MembershipRole.OWNER, email="olga@globex.test")


@pytest.fixture
def api(org: Organization) -> Service:
    return service_actions.service_create(organization=org, actor=SYSTEM, name="API")


@pytest.fixture
def web(org: Organization) -> Service:
    return service_actions.service_create(organization=org, actor=SYSTEM, name="Web")


def severity(organization: Organization, name: str) -> Severity:
    return Severity.objects.for_org(organization).get(name=name)


def role(organization: Organization, slug: str) -> IncidentRole:
    return IncidentRole.objects.for_org(organization).get(slug=slug)


def row(incident: Incident) -> dict[str, Any]:
    """The incident's stored row."""
    return Incident.objects.filter(pk=incident.pk).values().get()


def milestones(incident: Incident) -> dict[str, datetime | None]:
    return {field: value for field, value in row(incident).items() if field in MILESTONES}


def timeline(incident: Incident) -> list[tuple[str, dict]]:
    """(kind, payload) of the incident's events, oldest first."""
    return list(TimelineEvent.objects.filter(incident=incident).order_by("id").values_list("kind", "payload"))


def kinds(incident: Incident) -> list[str]:
    return [kind for kind, _ in timeline(incident)]


def incident_audit(organization: Organization) -> list[tuple[str, str, dict]]:
    """(action, target_id, changes) of the org's incident.* audit events, oldest first."""
    return list(
        AuditEvent.objects.for_org(organization)
        .filter(action__startswith="incident.")
        .order_by("id")
        .values_list("action", "target_id", "changes")
    )


def health(service: Service) -> str:
    return Service.objects.values_list("health", flat=True).get(pk=service.pk)


def error_dict(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def with_status(incident: Incident, status: str) -> Incident:
    """Put an incident into `status` directly (the table tests start from every status)."""
    Incident.objects.filter(pk=incident.pk).update(status=status)
    return Incident.objects.get(pk=incident.pk)


# --- transitions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), ALLOWED_PAIRS)
def test_allowed_transition_moves_and_records_one_event(org, actor, source, target):
    incident = IncidentFactory(organization=org, status=source)
    # Merging needs the incident it merges into; that one records the merge on its own timeline.
    into = IncidentFactory(organization=org) if target == S.MERGED else None
    expected = {"from": source, "to": target, **({"into": into.reference} if into else {})}
    events_before = len(timeline(incident))
    audit_before = len(incident_audit(org))

    with events.isolated_subscriptions():  # other apps' reactions (a retrospective on resolve) have their own tests
        moved = actions.incident_transition(incident=incident, status=target, actor=actor, merged_into=into)

    assert moved.status == target
    assert row(incident)["status"] == target
    assert timeline(incident)[events_before:] == [("status_changed", expected)]
    merged_in = (
        [
            (
                "incident.incident_merged",
                str(into.number),
                {"incident": incident.reference, "title": incident.title, "number": incident.number},
            )
        ]
        if into
        else []
    )
    assert incident_audit(org)[audit_before:] == [
        ("incident.status_changed", str(incident.number), expected),
        *merged_in,
    ]


@pytest.mark.parametrize(("source", "target"), ILLEGAL_PAIRS)
def test_illegal_transition_is_refused_naming_the_allowed_ones_and_changes_nothing(org, actor, source, target):
    incident = IncidentFactory(organization=org, status=source)
    before = row(incident)
    events_before = timeline(incident)
    audit_before = incident_audit(org)

    with pytest.raises(ValidationError) as excinfo:
        actions.incident_transition(incident=incident, status=target, actor=actor)

    allowed = ", ".join(ALLOWED[source]) if ALLOWED[source] else "none (this incident is finished)"
    assert error_dict(excinfo) == {"status": [f"Cannot move from {source} to {target}. Allowed next: {allowed}."]}
    assert row(incident) == before
    assert timeline(incident) == events_before
    assert incident_audit(org) == audit_before


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_moving_to_the_current_status_is_a_no_op(org, actor, status):
    incident = IncidentFactory(organization=org, status=status)
    before = row(incident)
    events_before = timeline(incident)

    same = actions.incident_transition(incident=incident, status=status, actor=actor)

    assert same.status == status
    assert row(incident) == before
    assert timeline(incident) == events_before


def test_an_unknown_status_is_refused(org, actor):
    incident = IncidentFactory(organization=org)

    with pytest.raises(ValidationError) as excinfo:
        actions.incident_transition(incident=incident, status="exploded", actor=actor)

    assert error_dict(excinfo) == {
        "status": [
            "Cannot move from investigating to exploded. Allowed next: identified, monitoring, resolved, closed."
        ]
    }
    assert row(incident)["status"] == "investigating"


# --- milestones --------------------------------------------------------------------------------------


def test_declaration_stamps_declared_detected_acknowledged_and_started(org, actor, clock):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )

    assert milestones(incident) == {
        "started_at": T0,
        "detected_at": T0,
        "declared_at": T0,
        "acknowledged_at": T0,
        "identified_at": None,
        "mitigated_at": None,
        "resolved_at": None,
        "closed_at": None,
    }


def test_a_system_declaration_is_not_acknowledged_until_a_person_moves_it(org, actor, clock):
    incident = actions.incident_declare(
        organization=org,
        actor=SYSTEM,
        title="Checkout is down",
        severity=severity(org, "SEV2"),
        status=S.TRIAGE,
    )
    assert milestones(incident)["acknowledged_at"] is None

    clock.advance(minutes=4)
    actions.incident_transition(incident=incident, status=S.INVESTIGATING, actor=actor)

    assert milestones(incident)["acknowledged_at"] == T0 + timedelta(minutes=4)
    assert RoleAssignment.objects.filter(incident=incident).exists() is False


def test_started_at_given_at_declaration_is_kept(org, actor, clock):
    incident = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV2"),
        started_at=T0 - timedelta(minutes=12),
    )

    assert milestones(incident)["started_at"] == T0 - timedelta(minutes=12)
    assert milestones(incident)["declared_at"] == T0


def test_each_transition_stamps_its_milestone_once_and_reopening_clears_resolved(org, actor, clock):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )

    identified = clock.advance(minutes=10)
    actions.incident_transition(incident=incident, status=S.IDENTIFIED, actor=actor)
    mitigated = clock.advance(minutes=10)
    actions.incident_transition(incident=incident, status=S.MONITORING, actor=actor)
    first_resolved = clock.advance(minutes=10)
    actions.incident_transition(incident=incident, status=S.RESOLVED, actor=actor)
    assert milestones(incident)["resolved_at"] == first_resolved

    clock.advance(minutes=10)
    actions.incident_transition(incident=incident, status=S.INVESTIGATING, actor=actor)
    assert milestones(incident)["resolved_at"] is None

    clock.advance(minutes=10)
    actions.incident_transition(incident=incident, status=S.MONITORING, actor=actor)
    resolved = clock.advance(minutes=10)
    actions.incident_transition(incident=incident, status=S.RESOLVED, actor=actor)
    closed = clock.advance(minutes=10)
    actions.incident_transition(incident=incident, status=S.CLOSED, actor=actor)

    assert milestones(incident) == {
        "started_at": T0,
        "detected_at": T0,
        "declared_at": T0,
        "acknowledged_at": T0,
        "identified_at": identified,
        "mitigated_at": mitigated,
        "resolved_at": resolved,
        "closed_at": closed,
    }


def test_skipping_forward_stamps_the_skipped_milestones(org, actor, clock):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )

    resolved = clock.advance(minutes=30)
    actions.incident_transition(incident=incident, status=S.RESOLVED, actor=actor)

    assert milestones(incident) == {
        "started_at": T0,
        "detected_at": T0,
        "declared_at": T0,
        "acknowledged_at": T0,
        "identified_at": resolved,
        "mitigated_at": resolved,
        "resolved_at": resolved,
        "closed_at": None,
    }


def test_triage_straight_to_closed_stamps_every_milestone(org, actor, clock):
    incident = IncidentFactory(organization=org, status=S.TRIAGE)

    closed = clock.advance(minutes=3)
    actions.incident_transition(incident=incident, status=S.CLOSED, actor=actor)

    assert milestones(incident) == {
        "started_at": T0,
        "detected_at": T0,
        "declared_at": T0,
        "acknowledged_at": closed,
        "identified_at": closed,
        "mitigated_at": closed,
        "resolved_at": closed,
        "closed_at": closed,
    }


@pytest.mark.parametrize("target", [S.DECLINED, S.MERGED, S.CANCELED])
def test_declining_merging_or_canceling_stamps_no_milestone(org, actor, clock, target):
    incident = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV2"),
        status=S.TRIAGE,
    )

    into = (
        actions.incident_declare(
            organization=org,
            actor=actor,
            title="Checkout is down",
            severity=severity(org, "SEV2"),
        )
        if target == S.MERGED
        else None
    )

    clock.advance(minutes=3)
    actions.incident_transition(incident=incident, status=target, actor=actor, merged_into=into)

    assert milestones(incident) == {
        "started_at": T0,
        "detected_at": T0,
        "declared_at": T0,
        "acknowledged_at": T0,
        "identified_at": None,
        "mitigated_at": None,
        "resolved_at": None,
        "closed_at": None,
    }


@pytest.mark.parametrize("reason", ["", "   "])
def test_milestone_edit_needs_a_reason(org, actor, clock, reason):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )
    clock.advance(hours=1)

    with pytest.raises(ValidationError) as excinfo:
        actions.incident_milestones_update(
            incident=incident, actor=actor, reason=reason, started_at=T0 - timedelta(minutes=5)
        )

    assert error_dict(excinfo) == {"reason": ["Say why the times change (it goes in the timeline)."]}
    assert milestones(incident)["started_at"] == T0
    assert kinds(incident) == ["declared", "role_assigned"]


def test_milestone_edit_records_before_after_and_reason_in_timeline_and_audit(org, actor, clock):
    incident = IncidentFactory(organization=org)
    clock.advance(minutes=10)
    actions.incident_transition(incident=incident, status=S.IDENTIFIED, actor=actor)
    clock.advance(hours=1)
    earlier = T0 - timedelta(minutes=25)
    identified = T0 + timedelta(minutes=7)

    actions.incident_milestones_update(
        incident=incident,
        actor=actor,
        reason="  Error rate rose before the page  ",
        started_at=earlier,
        identified_at=identified,
    )

    assert milestones(incident)["started_at"] == earlier
    assert milestones(incident)["identified_at"] == identified
    payload = {
        "changes": {
            "started_at": {"before": T0.isoformat(), "after": earlier.isoformat()},
            "identified_at": {"before": (T0 + timedelta(minutes=10)).isoformat(), "after": identified.isoformat()},
        },
        "reason": "Error rate rose before the page",
    }
    assert timeline(incident)[-1] == ("milestone_changed", payload)
    assert incident_audit(org)[-1] == ("incident.milestone_changed", str(incident.number), payload)


def test_milestone_edit_to_the_same_times_writes_nothing(org, actor, clock):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )

    actions.incident_milestones_update(incident=incident, actor=actor, reason="Checked", started_at=T0)

    assert kinds(incident) == ["declared", "role_assigned"]


@pytest.mark.parametrize(
    "edit",
    [
        {"started_at": T0 + timedelta(minutes=20)},
        {"identified_at": T0 - timedelta(minutes=1)},
    ],
    ids=["started-after-identified", "identified-before-started"],
)
def test_started_at_may_never_be_later_than_another_milestone(org, actor, clock, edit):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )
    clock.advance(minutes=10)
    actions.incident_transition(incident=incident, status=S.IDENTIFIED, actor=actor)
    clock.advance(hours=1)
    before = row(incident)

    with pytest.raises(ValidationError) as excinfo:
        actions.incident_milestones_update(incident=incident, actor=actor, reason="Fix times", **edit)

    later = "detected, declared, acknowledged, identified" if "started_at" in edit else "identified"
    assert error_dict(excinfo) == {"started_at": [f"Impact cannot start after {later}."]}
    assert row(incident) == before
    assert kinds(incident) == ["declared", "role_assigned", "status_changed"]


def test_milestones_cannot_be_in_the_future(org, actor, clock):
    incident = IncidentFactory(organization=org)
    before = row(incident)

    with pytest.raises(ValidationError) as excinfo:
        actions.incident_milestones_update(
            incident=incident, actor=actor, reason="Typo", identified_at=T0 + timedelta(seconds=1)
        )

    assert error_dict(excinfo) == {"identified_at": ["Milestones cannot be in the future."]}
    assert row(incident) == before


@pytest.mark.parametrize("field", ["started_at", "declared_at"])
def test_started_and_declared_cannot_be_emptied(org, actor, clock, field):
    incident = IncidentFactory(organization=org)

    with pytest.raises(ValidationError) as excinfo:
        actions.incident_milestones_update(incident=incident, actor=actor, reason="Unknown", **{field: None})

    assert error_dict(excinfo) == {field: ["This milestone cannot be empty."]}
    assert milestones(incident)[field] == T0


# --- declaring -----------------------------------------------------------------------------------


def test_numbers_are_per_org_and_independent(org, other_org, actor, outsider):
    other_actor = Actor(user=outsider.user)

    numbers = [
        (incident.organization.slug, incident.number, incident.reference)
        for incident in [
            actions.incident_declare(
                organization=org,
                actor=actor,
                title="Checkout is down",
                severity=severity(org, "SEV2"),
            ),
            actions.incident_declare(
                organization=other_org,
                actor=other_actor,
                title="Checkout is down",
                severity=severity(other_org, "SEV2"),
            ),
            actions.incident_declare(
                organization=org,
                actor=actor,
                title="Checkout is down",
                severity=severity(org, "SEV2"),
            ),
            actions.incident_declare(
                organization=org,
                actor=actor,
                title="Checkout is down",
                severity=severity(org, "SEV2"),
            ),
            actions.incident_declare(
                organization=other_org,
                actor=other_actor,
                title="Checkout is down",
                severity=severity(other_org, "SEV2"),
            ),
        ]
    ]

    assert numbers == [
        ("acme", 1, "INC-1"),
        ("globex", 1, "INC-1"),
        ("acme", 2, "INC-2"),
        ("acme", 3, "INC-3"),
        ("globex", 2, "INC-2"),
    ]


def test_declare_records_the_incident_its_services_and_the_declared_event(org, actor, api, web, clock):
    incident = actions.incident_declare(
        organization=org,
        actor=actor,
        title="  Payments failing  ",
        severity=severity(org, "SEV1"),
        services=[web, api],
        summary="5xx",
    )

    assert row(incident) | {"id": None, "uuid": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "uuid": None,
        "created_at": None,
        "updated_at": None,
        "organization_id": org.pk,
        "number": 1,
        "title": "Payments failing",
        "severity_id": severity(org, "SEV1").pk,
        "incident_type_id": None,
        "status": "investigating",
        "summary": "5xx",
        "customer_impact": "",
        "is_drill": False,
        "declared_by_id": actor.user.pk,
        "merged_into_id": None,
        **dict.fromkeys(MILESTONES),
        "started_at": T0,
        "detected_at": T0,
        "declared_at": T0,
        "acknowledged_at": T0,
    }
    assert sorted(IncidentService.objects.filter(incident=incident).values_list("service__slug", flat=True)) == [
        "api",
        "web",
    ]
    assert timeline(incident)[0] == (
        "declared",
        {
            "title": "Payments failing",
            "severity": "SEV1",
            "type": None,
            "status": "investigating",
            "is_drill": False,
            "services": ["api", "web"],
        },
    )
    assert incident_audit(org)[0][:2] == ("incident.declared", "1")


@pytest.mark.parametrize("title", ["", "   "])
def test_declare_needs_a_title(org, actor, title):
    with pytest.raises(ValidationError) as excinfo:
        actions.incident_declare(organization=org, actor=actor, title=title, severity=severity(org, "SEV2"))

    assert error_dict(excinfo) == {"title": ["Give the incident a short title."]}
    assert Incident.objects.exists() is False
    assert OrgCounter.objects.filter(organization=org).exists() is False
    assert (
        actions.incident_declare(
            organization=org,
            actor=actor,
            title="Checkout is down",
            severity=severity(org, "SEV2"),
        ).number
        == 1
    )


def test_declare_refuses_another_orgs_severity(org, other_org, actor):
    with pytest.raises(ValidationError) as excinfo:
        actions.incident_declare(organization=org, actor=actor, title="Down", severity=severity(other_org, "SEV1"))

    assert error_dict(excinfo) == {"severity": ["Choose a severity of this organization."]}
    assert Incident.objects.exists() is False


def test_declare_refuses_another_orgs_services(org, other_org, actor, api):
    foreign = service_actions.service_create(organization=other_org, actor=SYSTEM, name="Ledger")

    with pytest.raises(ValidationError) as excinfo:
        actions.incident_declare(
            organization=org,
            actor=actor,
            title="Checkout is down",
            severity=severity(org, "SEV2"),
            services=[api, foreign],
        )

    assert error_dict(excinfo) == {"services": ["Services must belong to this organization."]}
    assert Incident.objects.exists() is False
    assert IncidentService.objects.exists() is False
    assert health(foreign) == ServiceHealth.OPERATIONAL


def test_declare_refuses_a_start_in_the_future(org, actor, clock):
    with pytest.raises(ValidationError) as excinfo:
        actions.incident_declare(
            organization=org,
            actor=actor,
            title="Checkout is down",
            severity=severity(org, "SEV2"),
            started_at=T0 + timedelta(minutes=1),
        )

    assert error_dict(excinfo) == {"started_at": ["The impact cannot start in the future."]}
    assert Incident.objects.exists() is False


def test_declare_refuses_a_status_other_than_triage_or_investigating(org, actor):
    with pytest.raises(ValidationError) as excinfo:
        actions.incident_declare(
            organization=org,
            actor=actor,
            title="Checkout is down",
            severity=severity(org, "SEV2"),
            status=S.RESOLVED,
        )

    assert error_dict(excinfo) == {"status": ["A new incident starts in triage or investigating."]}
    assert Incident.objects.exists() is False


def test_declarer_becomes_incident_commander_with_the_checklist_as_tasks(org, owner, actor, clock):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )

    commander_role = role(org, "incident-commander")
    assert list(RoleAssignment.objects.filter(incident=incident).values_list("role", "user", "assigned_by")) == [
        (commander_role.pk, owner.user.pk, owner.user.pk)
    ]
    assert list(
        IncidentTask.objects.filter(incident=incident).order_by("id").values_list("title", "assignee", "role")
    ) == [(item, owner.user.pk, commander_role.pk) for item in COMMANDER_CHECKLIST]
    assert kinds(incident) == ["declared", "role_assigned"]
    assert timeline(incident)[1][1] == {"role": "Incident Commander", "user": owner.user.display_name, "previous": None}


def test_declare_with_another_member_as_commander(org, owner, actor, responder):
    incident = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV2"),
        commander=responder.user,
    )

    assert list(RoleAssignment.objects.filter(incident=incident).values_list("role__slug", "user", "assigned_by")) == [
        ("incident-commander", responder.user.pk, owner.user.pk)
    ]
    assert set(IncidentTask.objects.filter(incident=incident).values_list("assignee", flat=True)) == {responder.user.pk}
    assert row(incident)["declared_by_id"] == owner.user.pk


def test_declare_refuses_a_commander_who_is_not_a_member(org, actor, outsider):
    with pytest.raises(ValidationError) as excinfo:
        actions.incident_declare(
            organization=org,
            actor=actor,
            title="Checkout is down",
            severity=severity(org, "SEV2"),
            commander=outsider.user,
        )

    assert error_dict(excinfo) == {"commander": ["Choose a member of this organization."]}
    assert Incident.objects.exists() is False
    assert RoleAssignment.objects.exists() is False


def test_drill_flag_is_stored_and_no_action_can_change_it(org, actor):
    drill = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV2"),
        is_drill=True,
    )

    with pytest.raises(ValueError, match="Unknown incident fields"):
        actions.incident_update(incident=drill, actor=actor, is_drill=False)

    takes_is_drill = {
        name
        for name, function in inspect.getmembers(actions, inspect.isfunction)
        if function.__module__.startswith(f"{actions.__name__}.")
        and "is_drill" in inspect.signature(function).parameters
    }
    assert takes_is_drill == {"incident_declare"}
    assert Incident._meta.get_field("is_drill").editable is False
    assert row(drill)["is_drill"] is True
    assert timeline(drill)[0][1]["is_drill"] is True


def test_changing_the_type_records_it_and_adds_the_new_checklist_items_not_already_tasks(org, other_org, actor):
    security = IncidentType.objects.create(
        organization=org, name="Security", slug="security", checklist=["Rotate credentials", "Tell legal"]
    )
    data_loss = IncidentType.objects.create(
        organization=org, name="Data loss", slug="data-loss", checklist=["Tell legal", "Restore from backup"]
    )
    theirs = IncidentType.objects.create(organization=other_org, name="Globex", slug="globex")
    incident = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV2"),
        incident_type=security,
    )

    actions.incident_update(incident=incident, actor=actor, incident_type=data_loss)
    actions.incident_update(incident=incident, actor=actor, incident_type=data_loss)  # no change: no event
    actions.incident_update(incident=incident, actor=actor, incident_type=None)
    with pytest.raises(ValidationError) as refused:
        actions.incident_update(incident=incident, actor=actor, incident_type=theirs)

    incident.refresh_from_db()
    assert incident.incident_type is None
    assert refused.value.message_dict == {"incident_type": ["Choose an incident type of this organization."]}
    changes = TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.FIELDS_CHANGED).order_by("pk")
    assert [e.payload for e in changes] == [
        {"incident_type": {"before": "Security", "after": "Data loss", "tasks_added": 1}},
        {"incident_type": {"before": "Data loss", "after": None, "tasks_added": 0}},
    ]
    titles = list(IncidentTask.objects.filter(incident=incident).order_by("pk").values_list("title", flat=True))
    checklists = {"Rotate credentials", "Tell legal", "Restore from backup"}
    assert [t for t in titles if t in checklists] == ["Rotate credentials", "Tell legal", "Restore from backup"]


# --- roles --------------------------------------------------------------------------------------------


def test_handover_releases_the_previous_holder_and_moves_open_tasks(org, owner, actor, responder, clock):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )
    commander_role = role(org, "incident-commander")
    done = IncidentTask.objects.filter(incident=incident).order_by("id").first()
    actions.task_complete(task=done, actor=actor)

    handed_over = clock.advance(minutes=20)
    assignment = actions.role_assign(incident=incident, role=commander_role, user=responder.user, actor=actor)

    assert assignment.user == responder.user
    assert list(
        RoleAssignment.objects.filter(incident=incident)
        .order_by("assigned_at")
        .values_list("user", "assigned_at", "released_at")
    ) == [(owner.user.pk, T0, handed_over), (responder.user.pk, handed_over, None)]
    assert list(
        IncidentTask.objects.filter(incident=incident).order_by("id").values_list("title", "assignee", "completed_at")
    ) == [
        (COMMANDER_CHECKLIST[0], owner.user.pk, T0),
        *[(item, responder.user.pk, None) for item in COMMANDER_CHECKLIST[1:]],
    ]
    assert timeline(incident)[-1] == (
        "role_assigned",
        {"role": "Incident Commander", "user": responder.user.display_name, "previous": owner.user.display_name},
    )


def test_assigning_the_current_holder_again_is_a_no_op(org, owner, actor):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )
    commander_role = role(org, "incident-commander")
    audit_before = incident_audit(org)

    again = actions.role_assign(incident=incident, role=commander_role, user=owner.user, actor=actor)

    assert again == RoleAssignment.objects.get(incident=incident)
    assert IncidentTask.objects.filter(incident=incident).count() == len(COMMANDER_CHECKLIST)
    assert kinds(incident) == ["declared", "role_assigned"]
    assert incident_audit(org) == audit_before


def test_release_leaves_the_role_empty_and_keeps_history(org, owner, actor, responder, clock):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )
    commander_role = role(org, "incident-commander")

    released = clock.advance(minutes=5)
    actions.role_release(incident=incident, role=commander_role, actor=actor)
    actions.role_release(incident=incident, role=commander_role, actor=actor)

    assert list(RoleAssignment.objects.filter(incident=incident).values_list("user", "released_at")) == [
        (owner.user.pk, released)
    ]
    assert timeline(incident)[-1] == ("role_released", {"role": "Incident Commander", "user": owner.user.display_name})
    assert kinds(incident).count("role_released") == 1

    clock.advance(minutes=5)
    actions.role_assign(incident=incident, role=commander_role, user=responder.user, actor=actor)

    assert IncidentTask.objects.filter(incident=incident).count() == len(COMMANDER_CHECKLIST)
    assert set(IncidentTask.objects.filter(incident=incident).values_list("assignee", flat=True)) == {responder.user.pk}
    assert timeline(incident)[-1][1]["previous"] is None


def test_assigning_a_second_role_creates_its_checklist(org, actor, responder):
    incident = IncidentFactory(organization=org)
    comms = role(org, "communications-lead")

    actions.role_assign(incident=incident, role=comms, user=responder.user, actor=actor)

    assert list(
        IncidentTask.objects.filter(incident=incident, role=comms).order_by("id").values_list("title", "assignee")
    ) == [(item, responder.user.pk) for item in comms.checklist]


def test_role_of_another_org_or_a_non_member_is_refused(org, other_org, actor, outsider):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )

    with pytest.raises(ValidationError) as foreign_role:
        actions.role_assign(incident=incident, role=role(other_org, "scribe"), user=actor.user, actor=actor)
    with pytest.raises(ValidationError) as foreign_user:
        actions.role_assign(incident=incident, role=role(org, "scribe"), user=outsider.user, actor=actor)

    assert error_dict(foreign_role) == {"role": ["Choose a role of this organization."]}
    assert error_dict(foreign_user) == {"user": ["Choose a member of this organization."]}
    assert RoleAssignment.objects.filter(incident=incident).count() == 1
    assert kinds(incident) == ["declared", "role_assigned"]


# --- tasks, notes, pins ----------------------------------------------------------------------------


def test_task_add_complete_and_reopen_are_idempotent(org, actor, responder, clock):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )

    task = actions.task_add(incident=incident, title="  Roll back deploy 42 ", actor=actor, assignee=responder.user)
    done_at = clock.advance(minutes=3)
    actions.task_complete(task=task, actor=actor)
    actions.task_complete(task=task, actor=actor)
    task.refresh_from_db()
    assert (task.title, task.assignee, task.completed_at, task.completed_by) == (
        "Roll back deploy 42",
        responder.user,
        done_at,
        actor.user,
    )

    actions.task_complete(task=task, actor=actor, completed=False)
    actions.task_complete(task=task, actor=actor, completed=False)
    task.refresh_from_db()

    assert (task.completed_at, task.completed_by) == (None, None)
    assert timeline(incident)[2:] == [
        ("task_added", {"task": "Roll back deploy 42", "assignee": responder.user.display_name}),
        ("task_completed", {"task": "Roll back deploy 42"}),
        ("task_reopened", {"task": "Roll back deploy 42"}),
    ]


def test_task_assign_records_the_handover_and_is_a_no_op_when_unchanged(org, owner, actor, responder):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )
    task = actions.task_add(incident=incident, title="Check queues", actor=actor, assignee=owner.user)

    actions.task_assign(task=task, assignee=responder.user, actor=actor)
    actions.task_assign(task=task, assignee=responder.user, actor=actor)
    actions.task_assign(task=task, assignee=None, actor=actor)

    assert IncidentTask.objects.get(pk=task.pk).assignee is None
    assert timeline(incident)[3:] == [
        (
            "task_assigned",
            {"task": "Check queues", "assignee": responder.user.display_name, "previous": owner.user.display_name},
        ),
        ("task_assigned", {"task": "Check queues", "assignee": None, "previous": responder.user.display_name}),
    ]
    assert [action for action, _, _ in incident_audit(org)][-2:] == ["incident.task_assigned"] * 2


def test_task_assign_refuses_a_non_member(org, owner, actor, outsider):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )
    task = IncidentTask.objects.filter(incident=incident).first()

    with pytest.raises(ValidationError) as excinfo:
        actions.task_assign(task=task, assignee=outsider.user, actor=actor)

    assert error_dict(excinfo) == {"assignee": ["Choose a member of this organization."]}
    assert IncidentTask.objects.get(pk=task.pk).assignee == owner.user
    assert kinds(incident) == ["declared", "role_assigned"]


def test_task_needs_a_title_and_a_member_assignee(org, actor, outsider):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )

    with pytest.raises(ValidationError) as no_title:
        actions.task_add(incident=incident, title="  ", actor=actor)
    with pytest.raises(ValidationError) as foreign:
        actions.task_add(incident=incident, title="Check", actor=actor, assignee=outsider.user)

    assert error_dict(no_title) == {"title": ["Describe the task."]}
    assert error_dict(foreign) == {"assignee": ["Choose a member of this organization."]}
    assert IncidentTask.objects.filter(incident=incident).count() == len(COMMANDER_CHECKLIST)


def test_note_is_markdown_rendered(org, actor):
    incident = IncidentFactory(organization=org)

    note = actions.note_add(
        incident=incident, body="  Rolled back **deploy 42**, see [graph](https://g.test/x)\n", actor=actor
    )

    assert note.kind == TimelineKind.NOTE
    assert note.body == "Rolled back **deploy 42**, see [graph](https://g.test/x)"
    assert note.body_html == (
        '<p>Rolled back <strong>deploy 42</strong>, see <a href="https://g.test/x" '
        'rel="noopener noreferrer nofollow">graph</a></p>'
    )


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        '<a href="JaVaScRiPt:alert(1)" onclick="alert(1)">y</a> <SCRIPT>alert(1)</SCRIPT>',
    ],
)
def test_note_html_is_sanitized(org, actor, body):
    incident = IncidentFactory(organization=org)

    note = actions.note_add(incident=incident, body=body, actor=actor)

    html = TimelineEvent.objects.get(pk=note.pk).body_html.lower()
    assert "<script" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "javascript:" not in html
    assert TimelineEvent.objects.get(pk=note.pk).body == body


def test_empty_note_is_refused(org, actor):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )

    with pytest.raises(ValidationError) as excinfo:
        actions.note_add(incident=incident, body=" \n ", actor=actor)

    assert error_dict(excinfo) == {"body": ["Write something first."]}
    assert kinds(incident) == ["declared", "role_assigned"]


def test_pin_and_unpin_are_idempotent_and_audited(org, actor):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )
    note = actions.note_add(incident=incident, body="Decision: fail over to eu-west", actor=actor)
    audit_before = incident_audit(org)

    actions.timeline_event_pin(event=note, pinned=True, actor=actor)
    actions.timeline_event_pin(event=note, pinned=True, actor=actor)
    assert TimelineEvent.objects.get(pk=note.pk).is_pinned is True
    actions.timeline_event_pin(event=note, pinned=False, actor=actor)
    actions.timeline_event_pin(event=note, pinned=False, actor=actor)

    assert TimelineEvent.objects.get(pk=note.pk).is_pinned is False
    assert incident_audit(org)[len(audit_before) :] == [
        ("incident.event_pinned", "1", {"event": note.pk}),
        ("incident.event_unpinned", "1", {"event": note.pk}),
    ]
    assert kinds(incident) == ["declared", "role_assigned", "note"]


# --- status updates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("visibility", StatusUpdateVisibility.values)
def test_status_update_is_stored_and_on_the_timeline(org, actor, visibility):
    incident = IncidentFactory(organization=org)

    update = actions.status_update_post(
        incident=incident, message="  We are rolling back.  ", actor=actor, visibility=visibility
    )

    assert StatusUpdate.objects.filter(incident=incident).values_list(
        "message", "status", "visibility", "author"
    ).get() == ("We are rolling back.", "investigating", visibility, actor.user.pk)
    assert update.status == "investigating"
    assert timeline(incident)[-1] == ("status_update", {"visibility": visibility, "status": "investigating"})
    assert TimelineEvent.objects.filter(incident=incident).order_by("id").last().body == "We are rolling back."
    assert row(incident)["status"] == "investigating"


def test_status_update_with_a_status_also_transitions(org, actor, clock):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )
    mitigated = clock.advance(minutes=15)

    update = actions.status_update_post(incident=incident, message="Fix deployed.", actor=actor, status=S.MONITORING)

    assert update.status == "monitoring"
    assert row(incident)["status"] == "monitoring"
    assert milestones(incident)["mitigated_at"] == mitigated
    assert timeline(incident)[2:] == [
        ("status_changed", {"from": "investigating", "to": "monitoring"}),
        ("status_update", {"visibility": "internal", "status": "monitoring"}),
    ]
    assert [action for action, _, _ in incident_audit(org)][2:] == ["incident.status_changed", "incident.status_update"]


def test_status_update_with_an_illegal_status_saves_nothing(org, actor):
    incident = with_status(
        actions.incident_declare(
            organization=org,
            actor=actor,
            title="Checkout is down",
            severity=severity(org, "SEV2"),
        ),
        S.CLOSED,
    )

    with pytest.raises(ValidationError) as excinfo:
        actions.status_update_post(incident=incident, message="Back again", actor=actor, status=S.INVESTIGATING)

    assert error_dict(excinfo) == {
        "status": ["Cannot move from closed to investigating. Allowed next: none (this incident is finished)."]
    }
    assert StatusUpdate.objects.exists() is False
    assert kinds(incident) == ["declared", "role_assigned"]


def test_status_update_records_the_current_status_even_from_a_stale_incident(org, actor):
    incident = IncidentFactory(organization=org)
    stale = Incident.objects.get(pk=incident.pk)
    actions.incident_transition(incident=incident, status=S.IDENTIFIED, actor=actor)

    update = actions.status_update_post(incident=stale, message="Cause found", actor=actor)
    with pytest.raises(ValidationError):
        actions.status_update_post(incident=stale, message="Back to square one", actor=actor, status=S.INVESTIGATING)

    assert update.status == "identified"
    assert timeline(incident)[-1] == ("status_update", {"visibility": "internal", "status": "identified"})
    assert list(StatusUpdate.objects.values_list("status", flat=True)) == ["identified"]
    assert row(incident)["status"] == "identified"


def test_drills_cannot_post_external_updates(org, actor):
    drill = IncidentFactory(organization=org, is_drill=True)

    with pytest.raises(ValidationError) as excinfo:
        actions.status_update_post(
            incident=drill, message="Customers: all good", actor=actor, visibility=StatusUpdateVisibility.EXTERNAL
        )
    internal = actions.status_update_post(incident=drill, message="Drill: rolling back", actor=actor)

    assert error_dict(excinfo) == {"visibility": ["Drills never publish external updates."]}
    assert list(StatusUpdate.objects.values_list("pk", "visibility")) == [(internal.pk, "internal")]


@pytest.mark.parametrize(
    ("message", "visibility", "errors"),
    [
        (" ", "internal", {"message": ["Write the update."]}),
        ("Hi", "public", {"visibility": ["Choose internal or external."]}),
    ],
)
def test_status_update_needs_a_message_and_a_known_visibility(org, actor, message, visibility, errors):
    incident = IncidentFactory(organization=org)

    with pytest.raises(ValidationError) as excinfo:
        actions.status_update_post(incident=incident, message=message, actor=actor, visibility=visibility)

    assert error_dict(excinfo) == errors
    assert StatusUpdate.objects.exists() is False


# --- one timeline event + one audit event per write, in one transaction -----------------------------


@pytest.fixture
def scene(org, owner, actor, responder, api, web) -> SimpleNamespace:
    """An open SEV2 incident on `api` with its commander, plus one completed task."""
    incident = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV2"),
        services=[api],
    )
    completed = actions.task_add(incident=incident, title="Page the database team", actor=actor)
    actions.task_complete(task=completed, actor=actor)
    return SimpleNamespace(
        incident=incident,
        actor=actor,
        responder=responder,
        web=web,
        sev1=severity(org, "SEV1"),
        commander_role=role(org, "incident-commander"),
        comms=role(org, "communications-lead"),
        open_task=IncidentTask.objects.filter(incident=incident, completed_at=None).order_by("id").first(),
        completed_task=completed,
    )


WRITES: list[tuple[str, str, Callable[[SimpleNamespace], object]]] = [
    (
        "transition",
        "status_changed",
        lambda s: actions.incident_transition(incident=s.incident, status=S.IDENTIFIED, actor=s.actor),
    ),
    (
        "severity",
        "severity_changed",
        lambda s: actions.incident_update(incident=s.incident, actor=s.actor, severity=s.sev1),
    ),
    (
        "fields",
        "fields_changed",
        lambda s: actions.incident_update(incident=s.incident, actor=s.actor, title="EU only"),
    ),
    (
        "services",
        "services_changed",
        lambda s: actions.incident_update(incident=s.incident, actor=s.actor, services=[s.web]),
    ),
    (
        "milestones",
        "milestone_changed",
        lambda s: actions.incident_milestones_update(
            incident=s.incident, actor=s.actor, reason="Earlier", started_at=s.incident.started_at - timedelta(hours=1)
        ),
    ),
    (
        "role_assign",
        "role_assigned",
        lambda s: actions.role_assign(incident=s.incident, role=s.comms, user=s.responder.user, actor=s.actor),
    ),
    (
        "role_release",
        "role_released",
        lambda s: actions.role_release(incident=s.incident, role=s.commander_role, actor=s.actor),
    ),
    ("task_add", "task_added", lambda s: actions.task_add(incident=s.incident, title="Check queues", actor=s.actor)),
    ("task_complete", "task_completed", lambda s: actions.task_complete(task=s.open_task, actor=s.actor)),
    (
        "task_reopen",
        "task_reopened",
        lambda s: actions.task_complete(task=s.completed_task, actor=s.actor, completed=False),
    ),
    (
        "task_assign",
        "task_assigned",
        lambda s: actions.task_assign(task=s.open_task, assignee=s.responder.user, actor=s.actor),
    ),
    ("note", "note", lambda s: actions.note_add(incident=s.incident, body="Looking at the LB", actor=s.actor)),
    (
        "status_update",
        "status_update",
        lambda s: actions.status_update_post(incident=s.incident, message="Rolling back", actor=s.actor),
    ),
]


def everything(incident: Incident) -> dict[str, list]:
    """Every row an incident write can touch, to prove a failed write left no trace."""
    return {
        "incident": [row(incident)],
        "services": list(IncidentService.objects.filter(incident=incident).values()),
        "roles": list(RoleAssignment.objects.filter(incident=incident).order_by("id").values()),
        "tasks": list(IncidentTask.objects.filter(incident=incident).order_by("id").values()),
        "updates": list(StatusUpdate.objects.filter(incident=incident).values()),
        "timeline": list(TimelineEvent.objects.filter(incident=incident).order_by("id").values()),
        "audit": list(AuditEvent.objects.for_org(incident.organization).order_by("id").values()),
        "health": list(Service.objects.for_org(incident.organization).order_by("slug").values_list("slug", "health")),
    }


@pytest.mark.parametrize(("write", "kind"), [(write, kind) for _, kind, write in WRITES], ids=[w[0] for w in WRITES])
def test_every_write_leaves_exactly_one_timeline_event_and_one_audit_event(org, scene, write, kind):
    events_before = TimelineEvent.objects.filter(incident=scene.incident).count()
    audit_before = len(incident_audit(org))

    write(scene)

    new_events = list(
        TimelineEvent.objects.filter(incident=scene.incident).order_by("id").values_list("kind", "organization")
    )[events_before:]
    assert new_events == [(kind, org.pk)]
    assert [action for action, _, _ in incident_audit(org)][audit_before:] == [f"incident.{kind}"]


@pytest.mark.parametrize("failing", ["timeline", "audit"])
@pytest.mark.parametrize("write", [write for _, _, write in WRITES], ids=[w[0] for w in WRITES])
def test_a_failing_timeline_or_audit_write_rolls_the_whole_change_back(monkeypatch, scene, write, failing):
    before = everything(scene.incident)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"{failing} is down")

    if failing == "timeline":
        monkeypatch.setattr(TimelineEvent.objects, "create", boom)
    else:
        monkeypatch.setattr("incidents.actions.timeline.org_actions.audit_record", boom)

    with pytest.raises(RuntimeError, match=f"{failing} is down"):
        write(scene)

    monkeypatch.undo()
    assert everything(scene.incident) == before


def test_a_failing_timeline_write_leaves_no_declared_incident(monkeypatch, org, actor, api):
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("timeline is down")

    monkeypatch.setattr(TimelineEvent.objects, "create", boom)

    with pytest.raises(RuntimeError, match="timeline is down"):
        actions.incident_declare(
            organization=org,
            actor=actor,
            title="Checkout is down",
            severity=severity(org, "SEV1"),
            services=[api],
        )

    monkeypatch.undo()
    assert Incident.objects.exists() is False
    assert IncidentService.objects.exists() is False
    assert AuditEvent.objects.filter(action__startswith="incident.").exists() is False
    assert health(api) == ServiceHealth.OPERATIONAL
    assert (
        actions.incident_declare(
            organization=org,
            actor=actor,
            title="Checkout is down",
            severity=severity(org, "SEV2"),
        ).number
        == 1
    )


# --- service health -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sev", "expected"),
    [
        ("SEV1", ServiceHealth.MAJOR_OUTAGE),
        ("SEV2", ServiceHealth.PARTIAL_OUTAGE),
        ("SEV3", ServiceHealth.DEGRADED_PERFORMANCE),
        ("SEV4", ServiceHealth.DEGRADED_PERFORMANCE),
        ("SEV5", ServiceHealth.DEGRADED_PERFORMANCE),
    ],
)
def test_an_open_incident_sets_its_services_health_by_severity(org, actor, api, web, sev, expected):
    actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, sev),
        services=[api, web],
    )

    assert (health(api), health(web)) == (expected, expected)


def test_worst_open_incident_wins_and_resolving_the_last_one_restores_operational(org, actor, api, web):
    minor = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV3"),
        services=[api],
    )
    assert (health(api), health(web)) == ("degraded_performance", "operational")

    major = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV1"),
        services=[api, web],
    )
    assert (health(api), health(web)) == ("major_outage", "major_outage")

    actions.incident_update(incident=major, actor=actor, severity=severity(org, "SEV2"))
    assert (health(api), health(web)) == ("partial_outage", "partial_outage")

    actions.incident_transition(incident=major, status=S.RESOLVED, actor=actor)
    assert (health(api), health(web)) == ("degraded_performance", "operational")

    actions.incident_transition(incident=minor, status=S.MONITORING, actor=actor)
    assert health(api) == "degraded_performance"

    actions.incident_transition(incident=minor, status=S.RESOLVED, actor=actor)
    assert (health(api), health(web)) == ("operational", "operational")

    actions.incident_transition(incident=major, status=S.INVESTIGATING, actor=actor)
    assert (health(api), health(web)) == ("partial_outage", "partial_outage")


def test_removing_a_service_from_an_incident_restores_its_health(org, actor, api, web):
    incident = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV1"),
        services=[api, web],
    )

    actions.incident_update(incident=incident, actor=actor, services=[web])

    assert (health(api), health(web)) == ("operational", "major_outage")


def test_health_follows_the_database_not_a_stale_service_object(org, actor, api):
    first = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV1"),
        services=[api],
    )
    loaded_during_outage = Service.objects.get(pk=api.pk)
    actions.incident_transition(incident=first, status=S.RESOLVED, actor=actor)
    assert health(api) == "operational"

    actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV1"),
        services=[loaded_during_outage],
    )

    assert health(api) == "major_outage"


def test_drills_never_change_service_health(org, actor, api, web):
    drill = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV1"),
        services=[api],
        is_drill=True,
    )
    assert health(api) == "operational"

    actions.incident_update(incident=drill, actor=actor, services=[api, web], severity=severity(org, "SEV2"))
    actions.incident_transition(incident=drill, status=S.RESOLVED, actor=actor)
    assert (health(api), health(web)) == ("operational", "operational")

    real = actions.incident_declare(
        organization=org,
        actor=actor,
        title="Checkout is down",
        severity=severity(org, "SEV3"),
        services=[api],
    )
    actions.incident_transition(incident=drill, status=S.INVESTIGATING, actor=actor)
    assert health(api) == "degraded_performance"

    actions.incident_transition(incident=real, status=S.RESOLVED, actor=actor)
    assert health(api) == "operational"
    assert AuditEvent.objects.filter(action="service.updated", target_id="web").exists() is False


# --- live push after commit ---------------------------------------------------------------------------


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict]]:
    messages: list[tuple[str, dict]] = []
    monkeypatch.setattr(live, "_send", lambda group, message: messages.append((group, message)))
    return messages


def test_a_note_is_pushed_to_the_incident_group_after_commit(org, actor, sent, django_capture_on_commit_callbacks):
    incident = IncidentFactory(organization=org)

    with django_capture_on_commit_callbacks(execute=True):
        note = actions.note_add(incident=incident, body="Rolled back **deploy 42**", actor=actor)
        assert sent == []

    [(group, message)] = sent
    assert group == f"incident.{incident.pk}"
    assert (message["type"], message["event_id"]) == ("timeline.event", note.pk)
    assert "Rolled back <strong>deploy 42</strong>" in message["html"]
    assert 'hx-swap-oob="afterbegin"' in message["html"]
    assert f'data-event-id="{note.pk}"' in message["html"]


def test_nothing_is_pushed_when_the_transaction_rolls_back(org, actor, sent, django_capture_on_commit_callbacks):
    incident = actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, "SEV2")
    )

    def request_that_fails_after_the_note() -> None:
        with transaction.atomic():
            actions.note_add(incident=incident, body="Never committed", actor=actor)
            raise RuntimeError("the request failed later")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        request_that_fails_after_the_note()

    assert callbacks == []
    assert sent == []
    assert kinds(incident) == ["declared", "role_assigned"]


def test_declaring_pushes_its_events_and_a_list_row(org, actor, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = actions.incident_declare(
            organization=org,
            actor=actor,
            title="Search is slow",
            severity=severity(org, "SEV2"),
        )

    assert [(group, message["type"]) for group, message in sent] == [
        (f"incident.{incident.pk}", "timeline.event"),
        (f"incident.{incident.pk}", "timeline.event"),
        (f"org.{org.pk}.incidents", "incident.row"),
    ]
    assert 'id="incident-row-1"' in sent[2][1]["html"]
    assert "Search is slow" in sent[2][1]["html"]


def test_a_failing_push_does_not_fail_the_write(monkeypatch, org, actor, django_capture_on_commit_callbacks):
    incident = IncidentFactory(organization=org)

    class BrokenLayer:
        async def group_send(self, group: str, message: dict) -> None:
            raise ConnectionError("redis is down")

    monkeypatch.setattr(org_live, "get_channel_layer", BrokenLayer)

    with django_capture_on_commit_callbacks(execute=True):
        note = actions.note_add(incident=incident, body="Still saved", actor=actor)

    assert TimelineEvent.objects.get(pk=note.pk).body == "Still saved"
