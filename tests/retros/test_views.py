"""Retrospective pages: list, editor (sections, details, workflow, milestones, action items), published and print
views, the incident page's panel, and the settings pages; drafts for responders, published for every member."""

import json
import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest

from incidents.models import Incident, TimelineEvent, TimelineKind
from orgs.models import AuditEvent
from retros import actions, editing
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


class EditorForm(HTMLParser):
    """What a browser would send for the editor form (#retro-editor): its own fields and those that name it in
    their form attribute (the details in the side column)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.inside = False
        self.textarea: str | None = None
        self.select: str | None = None
        self.first_option: str | None = None

    def add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attr = dict(attrs)
        if tag == "form":
            self.inside = attr.get("id") == "retro-editor"
            return
        if tag == "option":
            if self.select:  # an option of one of our selects
                if self.first_option is None:
                    self.first_option = attr.get("value") or ""
                if "selected" in attr:
                    self.add(self.select, attr.get("value") or "")
            return
        name = attr.get("name")
        if not name or not (self.inside or attr.get("form") == "retro-editor"):
            return
        if tag == "input" and (attr.get("type") not in ("checkbox", "radio") or "checked" in attr):
            self.add(name, attr.get("value") or "")
        elif tag == "textarea":
            self.textarea = name
            self.add(name, "")
        elif tag == "select":
            self.select, self.first_option = name, None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            if self.select not in self.data:  # nothing selected: a browser sends the first option
                self.add(self.select, self.first_option or "")
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.data[self.textarea][-1] += data.removeprefix("\n") if not self.data[self.textarea][-1] else data


def editor_page(client, number: int = 1) -> dict[str, Any]:
    """The editor page's form as a browser would send it untouched (base, sections, details)."""
    parser = EditorForm()
    parser.feed(client.get(f"{BASE}{number}/").content.decode())
    return {name: values if name in ("reviewers", "factors") else values[0] for name, values in parser.data.items()}


def bodies(retrospective) -> dict[str, str]:
    return dict(RetroSection.objects.filter(retrospective=retrospective).values_list("key", "body"))


def test_one_save_keeps_every_section_typed_and_the_details(scene):
    retrospective = scene.retro()
    client = scene.client(scene.responder)
    form = editor_page(client)

    response = client.post(
        f"{BASE}1/edit/",
        {
            **form,
            "section-what_went_well": "Alerts fired within a minute",
            "section-lessons": "Use **canaries**\r\nfor payments",
            "title": "Checkout outage",
            "owner": str(scene.owner.user.uuid),
            "due_at": "2030-01-10T12:00",
            "reviewers": [str(scene.admin.user.uuid)],
            "factors": ["change", "monitoring-gap"],
        },
    )
    page = client.get(f"{BASE}1/").content.decode()

    assert (response.status_code, response["Location"]) == (302, f"{BASE}1/")
    saved = bodies(retrospective)
    assert (saved["what_went_well"], saved["lessons"]) == (
        "Alerts fired within a minute",
        "Use **canaries**\nfor payments",
    )
    assert "Alerts fired within a minute</textarea>" in page
    assert "Saved: What went well, Lessons, Title, Owner, Due date, Reviewers, Contributing factors." in page
    retrospective.refresh_from_db()
    assert (retrospective.title, retrospective.owner) == ("Checkout outage", scene.owner.user)
    assert retrospective.due_at.isoformat() == "2030-01-10T12:00:00+00:00"
    assert list(retrospective.reviewers.values_list("email", flat=True)) == ["ada@acme.test"]
    assert sorted(RetroFactor.objects.values_list("factor__slug", flat=True)) == ["change", "monitoring-gap"]


def test_an_htmx_save_answers_with_the_outcome_only_and_the_new_base(scene):
    retrospective = scene.retro()
    client = scene.client(scene.responder)
    form = editor_page(client)

    response = client.post(f"{BASE}1/edit/", {**form, "section-lessons": "Use **canaries**"}, HTTP_HX_REQUEST="true")
    again = client.post(f"{BASE}1/edit/", {**form, "section-lessons": "Use **canaries**"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<textarea" not in html  # what is typed stays in the browser's fields
    assert re.search(r'id="retro-save-status"[^>]*data-outcome="saved"[^>]*>Saved: Lessons\.', html)
    assert '<details class="retro-preview" id="preview-lessons" hx-swap-oob="true"><summary>' in html
    assert "Use <strong>canaries</strong>" in html
    new_base = json.loads(unescape(re.search(r'id="retro-base" value="([^"]*)"', html).group(1)))
    assert new_base == editing.retrospective_fingerprints(retrospective=retrospective)
    assert new_base["section-lessons"] != json.loads(form["base"])["section-lessons"]
    # The same text sent again with the old base: already stored, so nothing to save and no conflict.
    assert again.status_code == 200
    assert "Nothing to save: no changes since the last save." in again.content.decode()
    assert bodies(retrospective)["lessons"] == "Use **canaries**"


def test_a_refused_save_changes_nothing_and_gives_back_everything_typed(scene):
    retrospective = scene.retro()
    client = scene.client(scene.responder)
    form = editor_page(client)
    before = bodies(retrospective)

    response = client.post(
        f"{BASE}1/edit/",
        {**form, "title": "", "section-what_went_well": "Paging worked", "section-lessons": "x" * 50_001},
    )
    htmx = client.post(f"{BASE}1/edit/", {**form, "title": "", "section-lessons": "Lesson one"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 400
    assert ">Paging worked</textarea>" in html
    assert "x" * 50_001 + "</textarea>" in html
    assert "Ensure this value has at most 50000 characters (it has 50001)." in html
    assert "This field is required." in html
    assert htmx.status_code == 400
    assert "Title: This field is required." in htmx.content.decode()
    assert 'data-outcome="refused"' in htmx.content.decode()
    assert bodies(retrospective) == before
    assert Retrospective.objects.get(pk=retrospective.pk).title == "Checkout failing"


def test_a_second_persons_save_never_silently_overwrites_the_first(scene):
    retrospective = scene.retro()
    rhea, ada = scene.client(scene.responder), scene.client(scene.admin)
    rhea_form, ada_form = editor_page(rhea), editor_page(ada)  # both open the editor

    # Rhea saves the summary and lessons first.
    rhea.post(f"{BASE}1/edit/", {**rhea_form, "section-summary": "Rhea's summary", "section-lessons": "Rhea's lesson"})
    # Ada, on her stale page, wrote lessons too, and what went well.
    refused = ada.post(
        f"{BASE}1/edit/",
        {**ada_form, "section-lessons": "Ada's lesson", "section-what_went_well": "Ada: paging worked"},
        HTTP_HX_REQUEST="true",
    )

    html = refused.content.decode()
    assert refused.status_code == 409
    assert bodies(retrospective)["lessons"] == "Rhea's lesson"
    assert bodies(retrospective)["what_went_well"] == ""  # all or nothing
    assert "Rhea Responder saved this section at" in html
    assert '<pre class="retro-theirs">Rhea&#x27;s lesson</pre>' in html
    assert "Not saved: someone else saved lessons meanwhile." in html
    assert 'id="conflict-summary" class="retro-slot" hx-swap-oob="true"></div>' in html  # she left it alone

    # Having seen Rhea's version, Ada saves again with the base she was given: her text wins, Rhea's summary stays.
    base = unescape(re.search(r'id="retro-base" value="([^"]*)"', html).group(1))
    saved = ada.post(
        f"{BASE}1/edit/",
        {**ada_form, "base": base, "section-lessons": "Ada's lesson", "section-what_went_well": "Ada: paging worked"},
    )

    assert saved.status_code == 302
    assert {k: v for k, v in bodies(retrospective).items() if k in ("summary", "lessons", "what_went_well")} == {
        "summary": "Rhea's summary",
        "lessons": "Ada's lesson",
        "what_went_well": "Ada: paging worked",
    }


def test_a_save_on_a_page_without_javascript_shows_the_conflict_with_the_typed_text(scene):
    retrospective = scene.retro()
    rhea, ada = scene.client(scene.responder), scene.client(scene.admin)
    ada_form = editor_page(ada)
    actions.retrospective_update(retrospective=retrospective, actor=scene.actor(), title="Rhea's title")

    response = ada.post(f"{BASE}1/edit/", {**ada_form, "title": "Ada's title", "section-lessons": "Ada's lesson"})

    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this retrospective meanwhile" in html
    assert "changed the title at" in html
    assert "Now: <strong>Rhea&#x27;s title</strong>" in html
    assert 'value="Ada&#x27;s title"' in html
    assert ">Ada&#x27;s lesson</textarea>" in html
    assert bodies(retrospective)["lessons"] == ""
    assert rhea.get(f"{BASE}1/").status_code == 200


def test_a_save_after_publishing_is_refused_and_keeps_the_text(scene):
    retrospective = scene.retro()
    client = scene.client(scene.responder)
    form = editor_page(client)
    publish(scene, retrospective)
    before = bodies(retrospective)

    response = client.post(f"{BASE}1/edit/", {**form, "section-lessons": "Late lesson"})

    assert response.status_code == 400
    assert "reopen it as a draft to edit it" in response.content.decode()
    assert ">Late lesson</textarea>" in response.content.decode()
    assert bodies(retrospective) == before


def test_a_made_up_base_is_400_and_saves_nothing(scene):
    retrospective = scene.retro()
    client = scene.client(scene.responder)
    form = editor_page(client)

    response = client.post(f"{BASE}1/edit/", {**form, "base": "[1, 2]", "section-lessons": "x"})

    assert response.status_code == 400
    assert "This page is out of date" in response.content.decode()
    assert bodies(retrospective)["lessons"] == ""


def test_viewers_cannot_write_anything(scene):
    incident = scene.declare()
    retrospective = publish(scene, scene.retro(incident))
    viewer = scene.client(scene.viewer)
    other = scene.declare("Another")

    answers = [
        viewer.post(f"{BASE}1/edit/", {"section-lessons": "x", "title": "x"}).status_code,
        viewer.post(f"{BASE}1/transition/", {"status": "draft"}).status_code,
        viewer.post(f"{BASE}1/action-items/", {"title": "x", "priority": "low"}).status_code,
        viewer.post(f"{BASE}1/milestones/", {"reason": "x"}).status_code,
        viewer.post(f"{BASE}{other.number}/create/").status_code,
        viewer.post(f"{BASE}settings/", {"severity_rank_max": 1, "due_business_days": 2}).status_code,
        viewer.get(f"{BASE}settings/templates/new/").status_code,
    ]

    assert answers == [403] * 7
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


def test_details_with_another_orgs_person_is_400(scene, other_member):
    retrospective = scene.retro()
    client = scene.client(scene.responder)

    response = client.post(
        f"{BASE}1/edit/", {**editor_page(client), "title": "x", "owner": str(other_member.user.uuid)}
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
    assert (follow_up.source, follow_up.is_action_item, follow_up.incident, follow_up.owner) == (
        "retrospective", True, retrospective.incident, scene.owner.user,
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
