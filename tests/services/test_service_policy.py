"""A service's escalation policy: set in the editor and the API (same org only, audited), shown on the
service page with who is on call now, and the hygiene page's "nobody would be paged" section."""

import pytest
from django.core.exceptions import ValidationError

from oncall.actions import policies as policy_actions
from oncall.models import StepTargetKind
from orgs.models import AuditEvent, MembershipRole
from orgs.tenancy import Actor
from services import actions
from services.models import Service
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


@pytest.fixture
def ana(org):
    return MembershipFactory(organization=org, user__email="ana@acme.test", user__full_name="Ana Lima").user


def policy_for(organization, user, name="Payments escalation"):
    return policy_actions.policy_create(
        organization=organization,
        actor=SYSTEM,
        name=name,
        steps=[{"wait_minutes": 5, "targets": [{"kind": StepTargetKind.USER, "user": user}]}],
    )


def test_the_editor_sets_the_policy_and_the_audit_log_records_it(org, ana, member_client):
    policy = policy_for(org, ana)
    ledger = actions.service_create(organization=org, actor=SYSTEM, name="Ledger")

    response = member_client.post(
        f"/o/acme/services/{ledger.slug}/edit/",
        {"name": "Ledger", "slug": "ledger", "tier": "3", "lifecycle": "production", "health": "operational",
         "escalation_policy": policy.slug},
    )  # fmt: skip

    assert response.status_code == 302
    assert Service.objects.get(pk=ledger.pk).escalation_policy == policy
    assert AuditEvent.objects.for_org(org).get(action="service.updated").changes == {
        "escalation_policy": {"before": None, "after": "payments-escalation"}
    }


def test_the_editor_refuses_a_policy_of_another_org(org, other_org, other_member, member_client):
    theirs = policy_for(other_org, other_member.user)
    ledger = actions.service_create(organization=org, actor=SYSTEM, name="Ledger")

    response = member_client.post(
        f"/o/acme/services/{ledger.slug}/edit/",
        {"name": "Ledger", "slug": "ledger", "tier": "3", "lifecycle": "production", "health": "operational",
         "escalation_policy": theirs.slug},
    )  # fmt: skip

    assert response.status_code == 400
    assert Service.objects.get(pk=ledger.pk).escalation_policy_id is None


def test_the_action_refuses_a_policy_of_another_org(org, other_org, other_member):
    theirs = policy_for(other_org, other_member.user)

    with pytest.raises(ValidationError) as raised:
        actions.service_create(organization=org, actor=SYSTEM, name="Ledger", escalation_policy=theirs)

    assert raised.value.message_dict == {"escalation_policy": ["Choose an escalation policy of this organization."]}
    assert Service.objects.for_org(org).exists() is False


def test_the_service_page_says_who_is_on_call_now(org, ana, member_client):
    policy = policy_for(org, ana)
    actions.service_create(organization=org, actor=SYSTEM, name="Ledger", escalation_policy=policy)
    actions.service_create(organization=org, actor=SYSTEM, name="Orphan")

    ledger = member_client.get("/o/acme/services/ledger/")
    orphan = member_client.get("/o/acme/services/orphan/")

    assert [user.email for user in ledger.context["oncall_now"]] == ["ana@acme.test"]
    assert "Payments escalation</strong></a> — now: <strong>Ana Lima</strong>" in ledger.text
    assert "No escalation policy" in orphan.text
    assert "?focus=escalation_policy#id_escalation_policy" in orphan.text


def test_api_sets_and_clears_the_policy_by_slug(org, ana, api_client):
    policy_for(org, ana)

    created = api_client.post(
        "/api/v1/services/", {"name": "Ledger", "escalation_policy": "payments-escalation"}, format="json"
    )
    cleared = api_client.patch("/api/v1/services/ledger/", {"escalation_policy": None}, format="json")

    assert created.status_code == 201
    assert created.json()["escalation_policy"] == "payments-escalation"
    assert cleared.json()["escalation_policy"] is None
    assert Service.objects.get().escalation_policy_id is None


def test_api_refuses_a_policy_of_another_org(org, other_org, other_member, api_client):
    policy_for(other_org, other_member.user, name="Globex escalation")

    response = api_client.post(
        "/api/v1/services/", {"name": "Ledger", "escalation_policy": "globex-escalation"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "escalation_policy": ["Object with slug=globex-escalation does not exist."]
    }
    assert Service.objects.exists() is False


def test_hygiene_lists_services_nobody_would_be_paged_for(org, ana, member_client):
    # Given a service with a working policy, one with none, and one whose policy reaches an empty team
    working = policy_for(org, ana)
    ghosts = TeamFactory(organization=org, name="Ghosts", slug="ghosts")
    hollow = policy_actions.policy_create(
        organization=org,
        actor=SYSTEM,
        name="Hollow",
        steps=[{"wait_minutes": 5, "targets": [{"kind": StepTargetKind.TEAM, "team": ghosts}]}],
    )
    actions.service_create(organization=org, actor=SYSTEM, name="Fine", escalation_policy=working)
    actions.service_create(organization=org, actor=SYSTEM, name="Orphan", tier=1)
    actions.service_create(organization=org, actor=SYSTEM, name="Hollow svc", tier=2, escalation_policy=hollow)

    response = member_client.get("/o/acme/services/hygiene/")

    assert response.status_code == 200
    assert [(s.slug, s.paging_gap) for s in response.context["unpaged"]] == [
        ("orphan", "no_policy"),
        ("hollow-svc", "unreachable"),
    ]
    assert "Services nobody would be paged for" in response.text
    assert "reaches nobody now" in response.text


def test_hygiene_fix_links_show_only_to_people_who_may_edit(org, client_for):
    actions.service_create(organization=org, actor=SYSTEM, name="Orphan")
    viewer = client_for(MembershipFactory(organization=org, role=MembershipRole.VIEWER))

    response = viewer.get("/o/acme/services/hygiene/")

    assert [s.slug for s in response.context["unpaged"]] == ["orphan"]
    assert "Choose policy" not in response.text
