"""The retros API: retrospectives by incident number (drafts for responder tokens, published for viewers),
editing sections/details/milestones all or nothing, the workflow actions, the policy, templates and factors."""

import pytest

from incidents.models import Incident
from retros import actions
from retros.models import ContributingFactor, RetroSection, RetroSettings, Retrospective, RetroTemplate

pytestmark = pytest.mark.django_db

URL = "/api/v1/retrospectives/"


def test_detail_by_incident_number_with_sections_durations_and_action_items(scene, api_client_for):
    incident = scene.declare()
    retrospective = scene.retro(incident)

    response = api_client_for(scene.org, "responder").get(f"{URL}{incident.number}/")

    body = response.json()
    assert response.status_code == 200
    assert (body["id"], body["incident"], body["reference"], body["status"]) == (
        str(retrospective.uuid), 1, "INC-1", "draft",
    )  # fmt: skip
    assert body["owner"]["email"] == "rhea@acme.test"
    assert body["template"] == "standard"
    assert [s["key"] for s in body["sections"]][:3] == ["summary", "customer_impact", "timeline"]
    assert set(body["durations"]) == {"time_to_detect", "time_to_acknowledge", "time_to_mitigate", "time_to_resolve"}
    assert body["durations"]["time_to_resolve"] is None
    assert body["action_items"] == []


def test_viewer_tokens_see_published_retros_only(scene, api_client_for):
    scene.retro(scene.declare("Draft"))
    published = scene.retro(scene.declare("Published"))
    actions.retrospective_transition(retrospective=published, status="published", actor=scene.actor())
    viewer = api_client_for(scene.org, "viewer")

    listing = viewer.get(URL).json()["results"]

    assert [row["title"] for row in listing] == ["Published"]
    assert viewer.get(f"{URL}1/").status_code == 404
    assert viewer.get(f"{URL}2/").status_code == 200
    assert viewer.post(f"{URL}2/reopen/").status_code == 403


def test_patch_edits_sections_factors_reviewers_and_milestones(scene, api_client_for):
    incident = scene.resolve(scene.declare(sev="SEV1"))
    client = api_client_for(scene.org, "responder")

    response = client.patch(
        f"{URL}{incident.number}/",
        {
            "title": "Checkout outage",
            "sections": {"lessons": "Canaries *matter*"},
            "contributing_factors": ["change"],
            "reviewers": ["owner@acme.test"],
            "started_at": "2025-03-03T09:00:00Z",
            "resolved_at": "2025-03-03T10:00:00Z",
            "reason": "From the dashboards",
        },
        format="json",
    )

    body = response.json()
    assert response.status_code == 200
    assert body["title"] == "Checkout outage"
    assert body["contributing_factors"] == ["change"]
    assert [r["email"] for r in body["reviewers"]] == ["owner@acme.test"]
    assert next(s for s in body["sections"] if s["key"] == "lessons")["body_html"] == "<p>Canaries <em>matter</em></p>"
    assert body["durations"]["time_to_resolve"] == 3600
    assert Incident.objects.get(pk=incident.pk).resolved_at.isoformat() == "2025-03-03T10:00:00+00:00"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"started_at": "2025-03-03T09:00:00Z"}, {"reason": ["Say why the times change (it goes in the timeline)."]}),
        (
            {"contributing_factors": ["globex-only"]},
            {"contributing_factors": ["Object with slug=globex-only does not exist."]},
        ),
        ({"sections": {"nope": "x"}, "title": "Changed"}, {"section": ["This retrospective has no section “nope”."]}),
        ({"owner": "owner@globex.test"}, {"owner": ["No member of this organization matches."]}),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
    ],
)  # fmt: skip
def test_invalid_patches_are_400_and_change_nothing(scene, other_org, other_member, api_client_for, payload, fields):
    actions.contributing_factor_create(organization=other_org, actor=scene.actor(), name="Globex only")
    retrospective = scene.retro()
    before = (
        list(Retrospective.objects.values()),
        list(RetroSection.objects.order_by("pk").values("key", "body")),
        list(Incident.objects.values()),
    )

    response = api_client_for(scene.org, "responder").patch(f"{URL}1/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    assert (
        list(Retrospective.objects.values()),
        list(RetroSection.objects.order_by("pk").values("key", "body")),
        list(Incident.objects.values()),
    ) == before
    assert retrospective.factors.exists() is False


def test_workflow_actions(scene, api_client_for):
    scene.retro()
    client = api_client_for(scene.org, "responder")

    submitted = client.post(f"{URL}1/submit-for-review/")
    published = client.post(f"{URL}1/publish/")
    refused = client.post(f"{URL}1/submit-for-review/")
    reopened = client.post(f"{URL}1/reopen/")

    assert (submitted.status_code, submitted.json()["status"]) == (200, "in_review")
    assert (published.status_code, published.json()["status"]) == (200, "published")
    assert published.json()["published_at"] is not None
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "status": ["Cannot move from published to in_review. Allowed next: draft."]
    }
    assert (reopened.json()["status"], reopened.json()["published_at"]) == ("draft", None)


def test_create_by_hand_once_per_incident(scene, api_client_for):
    scene.declare()
    scene.declare("Second")
    client = api_client_for(scene.org, "responder")

    created = client.post(URL, {"incident": "INC-1", "owner": "rhea@acme.test"}, format="json")
    again = client.post(URL, {"incident": 1, "owner": "rhea@acme.test"}, format="json")
    missing = client.post(URL, {"incident": 42, "owner": "rhea@acme.test"}, format="json")
    ownerless = client.post(URL, {"incident": 2}, format="json")  # a token is nobody: the owner stays empty

    assert created.status_code == 201
    assert created.json()["owner"]["email"] == "rhea@acme.test"
    assert again.status_code == 400
    assert again.json()["error"]["fields"] == {"incident": ["INC-1 already has a retrospective."]}
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {"incident": ["No incident of this organization has this number."]}
    assert (ownerless.status_code, ownerless.json()["owner"]) == (201, None)
    assert Retrospective.objects.count() == 2


def test_policy_reads_for_everyone_and_changes_for_admins(scene, api_client_for):
    viewer = api_client_for(scene.org, "viewer")
    responder = api_client_for(scene.org, "responder")
    admin = api_client_for(scene.org, "admin")

    read = viewer.get(f"{URL}settings/")
    refused = responder.patch(f"{URL}settings/", {"due_business_days": 2}, format="json")
    bad = admin.patch(f"{URL}settings/", {"due_business_days": 0}, format="json")
    changed = admin.patch(f"{URL}settings/", {"due_business_days": 2, "include_drills": True}, format="json")

    assert read.json() == {
        "severity_rank_max": 3,
        "include_major": True,
        "include_drills": False,
        "due_business_days": 5,
        "default_template": "standard",
    }
    assert refused.status_code == 403
    assert bad.status_code == 400
    assert changed.json()["due_business_days"] == 2
    assert RetroSettings.objects.get(organization=scene.org).include_drills is True


def test_templates_and_factors_crud_for_admin_tokens(scene, api_client_for):
    admin = api_client_for(scene.org, "admin")
    responder = api_client_for(scene.org, "responder")

    template = admin.post(
        "/api/v1/retro-templates/",
        {"name": "Short", "sections": [{"title": "What happened", "prompt": "Brief"}], "is_default": True},
        format="json",
    )
    invalid = admin.post("/api/v1/retro-templates/", {"name": "Bad", "sections": []}, format="json")
    refused = responder.post("/api/v1/contributing-factors/", {"name": "Vendor"}, format="json")
    factor = admin.post("/api/v1/contributing-factors/", {"name": "Vendor bug"}, format="json")
    renamed = admin.patch("/api/v1/contributing-factors/vendor-bug/", {"name": "Vendor defect"}, format="json")
    delete_default = admin.delete("/api/v1/retro-templates/short/")

    assert template.status_code == 201
    assert template.json()["sections"] == [{"key": "what_happened", "title": "What happened", "prompt": "Brief"}]
    assert invalid.status_code == 400
    assert invalid.json()["error"]["fields"] == {"sections": ["Give the template at least one section."]}
    assert refused.status_code == 403
    assert factor.json()["slug"] == "vendor-bug"
    assert renamed.json()["name"] == "Vendor defect"
    assert delete_default.status_code == 400
    assert list(RetroTemplate.objects.filter(is_default=True).values_list("slug", flat=True)) == ["short"]
    assert ContributingFactor.objects.filter(slug="vendor-bug", name="Vendor defect").exists() is True


def test_another_orgs_retro_is_404(scene, other_org, api_client_for):
    scene.retro()

    response = api_client_for(other_org, "admin").get(f"{URL}1/")

    assert response.status_code == 404
