"""Shared scene of the retros tests: an org with default severities, members of every role, and an incident."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from incidents import actions as incident_actions
from incidents.models import Incident, IncidentRole, Severity
from orgs.models import Membership, MembershipRole, Organization
from orgs.tenancy import Actor
from retros import actions


@dataclass
class Scene:
    org: Organization
    owner: Membership
    admin: Membership
    responder: Membership
    viewer: Membership
    clients: Any

    def actor(self, member: Membership | None = None) -> Actor:
        return Actor(user=(member or self.responder).user)

    def client(self, member: Membership) -> Client:
        return self.clients(member)

    def declare(self, title: str = "Checkout failing", sev: str = "SEV2", **fields: Any) -> Incident:
        severity = Severity.objects.for_org(self.org).get(name=sev)
        return incident_actions.incident_declare(
            organization=self.org, actor=self.actor(), title=title, severity=severity, **fields
        )

    def resolve(self, incident: Incident, member: Membership | None = None) -> Incident:
        return incident_actions.incident_transition(incident=incident, status="resolved", actor=self.actor(member))

    def retro(self, incident: Incident | None = None) -> Any:
        incident = incident or self.declare()
        return actions.retrospective_create(incident=incident, actor=self.actor())


@pytest.fixture
def scene(org, owner, make_member, client_for) -> Scene:
    incident_actions.organization_defaults_ensure(organization=org)
    actions.retro_defaults_ensure(organization=org)
    admin = make_member(org, MembershipRole.ADMIN, email="ada@acme.test")
    responder = make_member(org, MembershipRole.RESPONDER, email="rhea@acme.test")
    responder.user.full_name = "Rhea Responder"
    responder.user.save(update_fields=["full_name"])
    viewer = make_member(org, MembershipRole.VIEWER, email="vic@acme.test")
    return Scene(org, owner, admin, responder, viewer, client_for)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def commander_role(org: Organization) -> IncidentRole:
    return IncidentRole.objects.for_org(org).get(is_commander=True)
