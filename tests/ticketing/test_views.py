"""Follow-up pages: the org's list, create/edit/status/delete, the incident page's panel and quick add; viewers
read, responders write; bad input is a 400 with nothing saved; other orgs get 404."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import TimelineEvent, TimelineKind
from ticketing import actions
from ticketing.models import FollowUp

pytestmark = pytest.mark.django_db

BASE = "/o/acme/follow-ups/"


def create(scene, title, **fields):
    return actions.follow_up_create(organization=scene.org, actor=scene.actor(), title=title, **fields)


def test_list_shows_overdue_first_with_counts(scene):
    today = timezone.now().date()
    create(scene, "Later thing", due_date=today + timedelta(days=4))
    create(scene, "Overdue thing", due_date=today - timedelta(days=2), owner=scene.responder.user)

    response = scene.client(scene.viewer).get(BASE)

    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<span class="mono muted">(FU-\d+)</span>', html) == ["FU-2", "FU-1"]
    assert 'class="fu-row is-overdue"' in html
    assert '<span class="stat-value">2</span><span class="stat-label">Open</span>' in html
    assert '<span class="stat-value">1</span><span class="stat-label">Overdue</span>' in html
    assert "Mark done" not in html  # viewers read only
    assert "New follow-up" not in html


def test_a_drill_debriefs_follow_ups_are_labelled_drill_in_the_list_and_on_their_page(scene):
    drill = scene.declare("Failover drill", is_drill=True)
    real = scene.declare("Checkout failing")
    create(scene, "Shorten the failover runbook", incident=drill)
    create(scene, "Add a canary", incident=real)

    html = scene.client(scene.viewer).get(BASE).content.decode()
    rows = dict(
        re.findall(
            r'<span class="mono muted">(FU-\d+)</span>.*?'
            r'(INC-\d+</a>(?: <span class="badge badge-drill">Drill</span>)?)',
            html,
            re.S,
        )
    )
    detail = scene.client(scene.viewer).get(f"{BASE}1/").content.decode()

    assert rows == {"FU-1": 'INC-1</a> <span class="badge badge-drill">Drill</span>', "FU-2": "INC-2</a>"}
    assert 'Failover drill</a> <span class="badge badge-drill">Drill</span>' in detail
    assert (
        '<span class="badge badge-drill">Drill</span>'
        not in scene.client(scene.viewer).get(f"{BASE}2/").content.decode()
    )


def test_empty_list_says_what_to_do(scene):
    html = scene.client(scene.responder).get(BASE).content.decode()

    assert "No follow-ups yet" in html
    assert f'href="{BASE}new/"' in html


def test_create_page_opens_a_follow_up(scene):
    incident = scene.declare()

    response = scene.client(scene.responder).post(
        f"{BASE}new/",
        {"title": "Add canary", "owner": str(scene.owner.user.uuid), "priority": "urgent", "incident": "INC-1"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{BASE}1/"
    follow_up = FollowUp.objects.get()
    assert (follow_up.title, follow_up.owner, follow_up.priority, follow_up.incident) == (
        "Add canary", scene.owner.user, "urgent", incident,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "", "priority": "medium"}, "This field is required."),
        ({"title": "x", "priority": "medium", "incident": "INC-77"}, "There is no INC-77 in this organization."),
        ({"title": "x", "priority": "medium", "incident": "abc"}, "Give an incident number, like 42 or INC-42."),
        ({"title": "x", "priority": "p0"}, "Select a valid choice. p0 is not one of the available choices."),
    ],
)
def test_create_with_bad_input_is_400_and_saves_nothing(scene, data, error):
    response = scene.client(scene.responder).post(f"{BASE}new/", data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert FollowUp.objects.exists() is False


def test_viewers_cannot_write(scene):
    follow_up = create(scene, "Fix it")
    viewer = scene.client(scene.viewer)

    answers = [
        viewer.post(f"{BASE}new/", {"title": "x", "priority": "medium"}).status_code,
        viewer.post(f"{BASE}1/edit/", {"title": "y", "priority": "low", "status": "done"}).status_code,
        viewer.post(f"{BASE}1/status/", {"status": "done"}).status_code,
        viewer.post(f"{BASE}1/delete/").status_code,
        viewer.get(f"{BASE}1/").status_code,
    ]

    assert answers == [403, 403, 403, 403, 200]
    assert FollowUp.objects.get(pk=follow_up.pk).status == "open"


def test_edit_status_and_delete(scene):
    create(scene, "Fix it")
    client = scene.client(scene.responder)

    edited = client.post(
        f"{BASE}1/edit/", {"title": "Fix it well", "priority": "low", "status": "in_progress", "due_date": "2030-02-01"}
    )
    marked = client.post(f"{BASE}1/status/", {"status": "done", "next": "/o/acme/follow-ups/?status=open"})
    confirm = client.get(f"{BASE}1/delete/")
    deleted = client.post(f"{BASE}1/delete/")

    assert (edited.status_code, edited["Location"]) == (302, f"{BASE}1/")
    assert (marked.status_code, marked["Location"]) == (302, "/o/acme/follow-ups/?status=open")
    assert "Delete FU-1?" in confirm.content.decode()
    assert (deleted.status_code, deleted["Location"]) == (302, BASE)
    assert FollowUp.objects.exists() is False


def test_status_change_never_redirects_off_site(scene):
    create(scene, "Fix it")

    response = scene.client(scene.responder).post(f"{BASE}1/status/", {"status": "done", "next": "https://evil.test/"})

    assert response["Location"] == f"{BASE}1/"


def test_incident_page_panel_lists_follow_ups_and_quick_adds_one(scene):
    incident = scene.declare()
    create(scene, "Existing one", incident=incident)
    responder = scene.client(scene.responder)

    page = responder.get(f"/o/acme/incidents/{incident.number}/").content.decode()
    added = responder.post(
        f"{BASE}incident/{incident.number}/", {"title": "Quick one", "priority": "high", "owner": ""}
    )
    viewer_page = scene.client(scene.viewer).get(f"/o/acme/incidents/{incident.number}/").content.decode()

    assert 'id="follow-ups"' in page
    assert "Existing one" in page
    assert f'action="{BASE}incident/{incident.number}/"' in page
    assert (added.status_code, added["Location"]) == (302, f"/o/acme/incidents/{incident.number}/#follow-ups")
    assert list(FollowUp.objects.order_by("number").values_list("title", "incident")) == [
        ("Existing one", incident.pk), ("Quick one", incident.pk),
    ]  # fmt: skip
    assert TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.FOLLOW_UP_ADDED).count() == 2
    assert f'action="{BASE}incident/{incident.number}/"' not in viewer_page
    assert "Existing one" in viewer_page


def test_quick_add_with_bad_input_shows_the_full_form_with_400(scene):
    incident = scene.declare()

    response = scene.client(scene.responder).post(f"{BASE}incident/{incident.number}/", {"title": "", "priority": "x"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "The follow-up was not saved." in html
    assert 'value="INC-1"' in html
    assert FollowUp.objects.exists() is False


def test_other_org_member_gets_404(scene, other_member, client_for):
    create(scene, "Acme secret")

    outsider = client_for(other_member)

    assert outsider.get(f"{BASE}1/").status_code == 404
    assert outsider.get("/o/globex/follow-ups/1/").status_code == 404
