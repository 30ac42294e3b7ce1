"""Retrospective pages: list, editor (sections, details, workflow, milestones, action items), published and print
views, the incident page's panel, and the settings pages; drafts for responders, published for every member."""

import re

import pytest

from incidents.models import Incident, TimelineEvent, TimelineKind
from orgs.models import AuditEvent
from retros import actions
from retros.models import ContributingFactor, RetroFactor, RetroSection, RetroSettings, Retrospective, RetroTemplate
from ticketing.models import FollowUp

pytestmark = pytest.mark.django_db

BASE = "/o/acme/retros/"


def publish(scene, retrospective):
    return actions.retrospective_transition(retrospective=retrospective, status="published", actor=scene.actor())


def test_viewers_read_published_retros_only(scene):
    draft = scene.retro(scene.declare("Draft one"))
    published = publish(scene, scene.retro(scene.declare("Published one")))
    viewer = scene.client(scene.viewer)

    listing = viewer.get(BASE).content.decode()
    draft_page = viewer.get(f"{BASE}{draft.incident.number}/")
    published_page = viewer.get(f"{BASE}{published.incident.number}/")
    printable = viewer.get(f"{BASE}{published.incident.number}/print/")

    assert "Published one" in listing
    assert "Draft one" not in listing
    assert draft_page.status_code == 404
    assert published_page.status_code == 200
    assert "<textarea" not in published_page.content.decode()  # read view
    assert printable.status_code == 200
    assert "<h2>Timeline</h2>" in printable.content.decode()


def test_list_shows_unfinished_first_and_filters(scene):
    scene.retro(scene.declare("Alpha"))
    beta = scene.retro(scene.declare("Beta"))
    change = ContributingFactor.objects.get(organization=scene.org, slug="change")
    actions.retrospective_update(retrospective=beta, actor=scene.actor(), factors=[change])
    publish(scene, beta)
    client = scene.client(scene.responder)

    def titles(query=""):
        html = client.get(BASE + query).content.decode()
        return re.findall(r'<span class="mono muted">INC-\d+</span> (\w+)</a>', html)

    assert titles() == ["Alpha", "Beta"]
    assert titles("?status=published") == ["Beta"]
    assert titles("?factor=change") == ["Beta"]


def test_editor_saves_a_section_with_htmx_and_without(scene):
    retrospective = scene.retro()
    client = scene.client(scene.responder)
    url = f"{BASE}1/sections/"

    htmx = client.post(url, {"section": "lessons", "body": "Use **canaries**"}, HTTP_HX_REQUEST="true")
    plain = client.post(url, {"section": "what_went_well", "body": "Alerts fired"})

    assert htmx.status_code == 200
    assert '<section class="card retro-section" id="section-lessons">' in htmx.content.decode()
    assert "<strong>canaries</strong>" in htmx.content.decode()
    assert (plain.status_code, plain["Location"]) == (302, f"{BASE}1/#section-what_went_well")
    bodies = dict(RetroSection.objects.filter(retrospective=retrospective).values_list("key", "body"))
    assert (bodies["lessons"], bodies["what_went_well"]) == ("Use **canaries**", "Alerts fired")


def test_section_posts_that_cannot_apply_are_400_and_change_nothing(scene):
    retrospective = scene.retro()
    client = scene.client(scene.responder)
    before = list(RetroSection.objects.filter(retrospective=retrospective).values_list("key", "body"))

    unknown = client.post(f"{BASE}1/sections/", {"section": "nope", "body": "x"})
    publish(scene, retrospective)
    locked = client.post(f"{BASE}1/sections/", {"section": "lessons", "body": "x"})

    assert unknown.status_code == 400
    assert "This retrospective has no section “nope”." in unknown.content.decode()
    assert locked.status_code == 400
    assert "reopen it as a draft to edit it" in locked.content.decode()
    assert list(RetroSection.objects.filter(retrospective=retrospective).values_list("key", "body")) == before


def test_viewers_cannot_write_anything(scene):
    incident = scene.declare()
    retrospective = publish(scene, scene.retro(incident))
    viewer = scene.client(scene.viewer)
    other = scene.declare("Another")

    answers = [
        viewer.post(f"{BASE}1/sections/", {"section": "lessons", "body": "x"}).status_code,
        viewer.post(f"{BASE}1/transition/", {"status": "draft"}).status_code,
        viewer.post(f"{BASE}1/details/", {"title": "x"}).status_code,
        viewer.post(f"{BASE}1/action-items/", {"title": "x", "priority": "low"}).status_code,
        viewer.post(f"{BASE}1/milestones/", {"reason": "x"}).status_code,
        viewer.post(f"{BASE}{other.number}/create/").status_code,
        viewer.post(f"{BASE}settings/", {"severity_rank_max": 1, "due_business_days": 2}).status_code,
        viewer.get(f"{BASE}settings/templates/new/").status_code,
    ]

    assert answers == [403] * 8
    assert Retrospective.objects.get(pk=retrospective.pk).status == "published"
    assert Retrospective.objects.count() == 1
    assert FollowUp.objects.exists() is False


def test_workflow_buttons_move_the_status(scene):
    scene.retro()
    client = scene.client(scene.responder)

    page = client.get(f"{BASE}1/").content.decode()
    submitted = client.post(f"{BASE}1/transition/", {"status": "in_review"})
    illegal = client.post(f"{BASE}1/transition/", {"status": "in_review"})
    published = client.post(f"{BASE}1/transition/", {"status": "published"})
    bad = client.post(f"{BASE}1/transition/", {"status": "in_review"})

    assert ">Submit for review</button>" in page
    assert ">Publish</button>" in page
    assert (submitted.status_code, submitted["Location"]) == (302, f"{BASE}1/")
    assert illegal.status_code == 302  # same status: a no-op
    assert published.status_code == 302
    assert bad.status_code == 400
    assert "Cannot move from published to in_review. Allowed next: draft." in bad.content.decode()
    assert Retrospective.objects.get().status == "published"


def test_details_form_sets_owner_reviewers_factors_and_due_date(scene):
    retrospective = scene.retro()

    response = scene.client(scene.responder).post(
        f"{BASE}1/details/",
        {
            "title": "Checkout outage",
            "owner": str(scene.owner.user.uuid),
            "due_at": "2030-01-10T12:00",
            "reviewers": [str(scene.admin.user.uuid)],
            "factors": ["change", "monitoring-gap"],
        },
    )

    retrospective.refresh_from_db()
    assert response.status_code == 302
    assert (retrospective.title, retrospective.owner) == ("Checkout outage", scene.owner.user)
    assert retrospective.due_at.isoformat() == "2030-01-10T12:00:00+00:00"
    assert list(retrospective.reviewers.values_list("email", flat=True)) == ["ada@acme.test"]
    assert sorted(RetroFactor.objects.values_list("factor__slug", flat=True)) == ["change", "monitoring-gap"]


def test_details_with_another_orgs_person_is_400(scene, other_member):
    retrospective = scene.retro()

    response = scene.client(scene.responder).post(
        f"{BASE}1/details/", {"title": "x", "owner": str(other_member.user.uuid)}
    )

    assert response.status_code == 400
    assert Retrospective.objects.get(pk=retrospective.pk).title == "Checkout failing"


def test_milestones_edited_in_the_retro_edit_the_incident_with_an_audit_trail(scene):
    incident = scene.resolve(scene.declare(sev="SEV1"))  # the hook opens the retro
    client = scene.client(scene.responder)
    fields = {
        "started_at": "2025-03-03T09:00",
        "detected_at": "2025-03-03T09:04",
        "declared_at": "2025-03-03T09:05",
        "acknowledged_at": "2025-03-03T09:10",
        "identified_at": "2025-03-03T09:20",
        "mitigated_at": "2025-03-03T09:45",
        "resolved_at": "2025-03-03T10:30",
    }

    refused = client.post(f"{BASE}1/milestones/", {**fields, "reason": ""})
    saved = client.post(f"{BASE}1/milestones/", {**fields, "reason": "Dashboards show 09:00"})
    page = client.get(f"{BASE}1/").content.decode()

    assert refused.status_code == 400
    assert (saved.status_code, saved["Location"]) == (302, f"{BASE}1/#milestones")
    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.started_at.isoformat(), fresh.resolved_at.isoformat()) == (
        "2025-03-03T09:00:00+00:00",
        "2025-03-03T10:30:00+00:00",
    )
    event = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.MILESTONE_CHANGED)
    assert event.payload["reason"] == "Dashboards show 09:00"
    assert AuditEvent.objects.filter(action="incident.milestone_changed", target_id="1").count() == 1
    assert '<span class="stat-value">1h 30m</span><span class="stat-label">Time to resolve</span>' in page


def test_action_items_become_follow_ups_of_the_incident(scene):
    retrospective = scene.retro()

    response = scene.client(scene.responder).post(
        f"{BASE}1/action-items/", {"title": "Add canary", "priority": "high", "owner": str(scene.owner.user.uuid)}
    )
    empty = scene.client(scene.responder).post(f"{BASE}1/action-items/", {"title": "", "priority": "high"})

    follow_up = FollowUp.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"{BASE}1/#action-items")
    assert (follow_up.retrospective, follow_up.incident, follow_up.owner) == (
        retrospective, retrospective.incident, scene.owner.user,
    )  # fmt: skip
    assert empty.status_code == 400
    assert FollowUp.objects.count() == 1
    assert "Add canary" in scene.client(scene.responder).get(f"{BASE}1/").content.decode()


def test_incident_panel_offers_to_start_one_and_links_it_afterwards(scene):
    incident = scene.declare(sev="SEV4")
    client = scene.client(scene.responder)

    before = client.get(f"/o/acme/incidents/{incident.number}/").content.decode()
    created = client.post(f"{BASE}{incident.number}/create/")
    again = client.post(f"{BASE}{incident.number}/create/")
    after = client.get(f"/o/acme/incidents/{incident.number}/").content.decode()
    viewer = scene.client(scene.viewer).get(f"/o/acme/incidents/{incident.number}/").content.decode()

    assert "SEV4 incidents need no retrospective under the org's policy" in before
    assert ">Start the retrospective</button>" in before
    assert (created.status_code, created["Location"]) == (302, f"{BASE}{incident.number}/")
    assert again["Location"] == f"/o/acme/incidents/{incident.number}/#retrospective"
    assert Retrospective.objects.filter(incident=incident).count() == 1
    assert ">Open the editor</a>" in after
    assert "Every member can read it once it is published." in viewer
    assert "Start the retrospective" not in viewer


def test_settings_page_saves_the_policy_for_admins(scene):
    admin = scene.client(scene.admin)

    page = admin.get(f"{BASE}settings/").content.decode()
    bad = admin.post(f"{BASE}settings/", {"severity_rank_max": 1, "due_business_days": 0})
    saved = admin.post(f"{BASE}settings/", {"severity_rank_max": 1, "due_business_days": 3, "include_major": "on"})
    readonly = scene.client(scene.viewer).get(f"{BASE}settings/").content.decode()

    assert "Standard retrospective" in page
    assert bad.status_code == 400
    assert (saved.status_code, saved["Location"]) == (302, f"{BASE}settings/#policy")
    policy = RetroSettings.objects.get(organization=scene.org)
    assert (policy.severity_rank_max, policy.due_business_days, policy.include_major) == (1, 3, True)
    assert "You can read these settings" in readonly


def test_templates_and_factors_are_managed_by_admins(scene):
    admin = scene.client(scene.admin)

    created = admin.post(
        f"{BASE}settings/templates/new/", {"name": "Short", "sections": "What happened: in brief\nNext steps"}
    )
    duplicate = admin.post(f"{BASE}settings/templates/new/", {"name": "Dup", "sections": "Same\nsame"})
    factor = admin.post(f"{BASE}settings/factors/new/", {"name": "Vendor bug"})
    deleted = admin.post(f"{BASE}settings/factors/vendor-bug/delete/")
    default_delete = admin.post(f"{BASE}settings/templates/standard/delete/")

    assert created.status_code == 302
    assert RetroTemplate.objects.get(slug="short").sections == [
        {"key": "what_happened", "title": "What happened", "prompt": "in brief"},
        {"key": "next_steps", "title": "Next steps", "prompt": ""},
    ]
    assert duplicate.status_code == 400
    assert "Two sections are called “same”" in duplicate.content.decode()
    assert factor.status_code == 302
    assert deleted.status_code == 302
    assert ContributingFactor.objects.filter(slug="vendor-bug").exists() is False
    assert default_delete.status_code == 400
    assert RetroTemplate.objects.filter(slug="standard").exists() is True


def test_another_orgs_member_gets_404(scene, other_member, client_for):
    publish(scene, scene.retro())
    outsider = client_for(other_member)

    assert outsider.get(f"{BASE}1/").status_code == 404
    assert outsider.get("/o/globex/retros/1/").status_code == 404
