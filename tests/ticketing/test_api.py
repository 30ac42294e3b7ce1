"""The follow-ups API (/api/v1/follow-ups/): CRUD by per-org number, filters, roles, and clear 400s."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orgs.models import AuditEvent
from ticketing import actions
from ticketing.models import FollowUp

pytestmark = pytest.mark.django_db

URL = "/api/v1/follow-ups/"


def user_json(user):
    return {"id": str(user.uuid), "email": user.email, "full_name": user.full_name}


def test_create_returns_the_follow_up_with_its_number(scene, api_client_for):
    incident = scene.declare()
    client = api_client_for(scene.org, "responder")

    response = client.post(
        URL,
        {"title": "Alert on 5xx", "owner": "rhea@acme.test", "priority": "high", "due_date": "2030-01-15",
         "incident": "INC-1", "description": "Page at **2%**"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    follow_up = FollowUp.objects.get()
    assert body == {
        "id": str(follow_up.uuid),
        "number": 1,
        "reference": "FU-1",
        "title": "Alert on 5xx",
        "description": "Page at **2%**",
        "description_html": "<p>Page at <strong>2%</strong></p>",
        "status": "open",
        "priority": "high",
        "owner": user_json(scene.responder.user),
        "due_date": "2030-01-15",
        "is_overdue": False,
        "completed_at": None,
        "incident": incident.number,
        "retrospective": None,
        "created_by": None,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"title": ["This field is required."]}),
        ({"title": "x", "incident": 99}, {"incident": ["No incident of this organization has this number."]}),
        ({"title": "x", "owner": "owner@globex.test"}, {"owner": ["No member of this organization matches."]}),
        ({"title": "x", "status": "closed"}, {"status": ['"closed" is not a valid choice.']}),
        ({"title": "x", "due_date": "tomorrow"}, {"due_date": [
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}),
        ({"title": "   "}, {"title": ["This field may not be blank."]}),
    ],
)  # fmt: skip
def test_invalid_input_is_400_and_saves_nothing(scene, other_member, api_client_for, payload, fields):
    response = api_client_for(scene.org, "responder").post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    assert FollowUp.objects.exists() is False


def test_an_incident_of_another_org_is_400(scene, other_org, api_client_for):
    scene.declare()  # INC-1 of Acme

    response = api_client_for(other_org, "admin").post(URL, {"title": "x", "incident": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"incident": ["No incident of this organization has this number."]}
    assert FollowUp.objects.exists() is False


def test_list_filters_and_overdue_first(scene, api_client_for):
    today = timezone.now().date()
    incident = scene.declare()
    actions.follow_up_create(organization=scene.org, actor=scene.actor(), title="later", due_date=today + timedelta(3))
    actions.follow_up_create(
        organization=scene.org, actor=scene.actor(), title="late", due_date=today - timedelta(3), incident=incident
    )
    actions.follow_up_create(organization=scene.org, actor=scene.actor(), title="done", status="done")
    client = api_client_for(scene.org, "viewer")

    def titles(query=""):
        response = client.get(URL + query)
        assert response.status_code == 200
        return [row["title"] for row in response.json()["results"]]

    assert titles() == ["late", "later", "done"]
    assert titles("?status=overdue") == ["late"]
    assert titles("?status=open_any") == ["late", "later"]
    assert titles("?status=closed") == ["done"]
    assert titles(f"?incident={incident.number}") == ["late"]
    assert titles("?search=FU-1") == ["later"]
    assert client.get(URL + "?status=nope").status_code == 400


def test_patch_updates_and_delete_removes(scene, api_client_for):
    follow_up = actions.follow_up_create(organization=scene.org, actor=scene.actor(), title="Fix it")
    client = api_client_for(scene.org, "responder")

    patched = client.patch(f"{URL}1/", {"status": "done", "owner": None, "title": "Fix it now"}, format="json")
    deleted = client.delete(f"{URL}1/")

    assert patched.status_code == 200
    assert (patched.json()["status"], patched.json()["title"]) == ("done", "Fix it now")
    assert patched.json()["completed_at"] is not None
    assert deleted.status_code == 204
    assert FollowUp.objects.filter(pk=follow_up.pk).exists() is False
    assert list(AuditEvent.objects.filter(target_type="follow_up").order_by("id").values_list("action", flat=True)) == [
        "follow_up.created", "follow_up.updated", "follow_up.deleted",
    ]  # fmt: skip


def test_viewer_tokens_read_but_cannot_write(scene, api_client_for):
    actions.follow_up_create(organization=scene.org, actor=scene.actor(), title="Fix it")
    viewer = api_client_for(scene.org, "viewer")

    assert viewer.get(f"{URL}1/").status_code == 200
    assert viewer.post(URL, {"title": "x"}, format="json").status_code == 403
    assert viewer.patch(f"{URL}1/", {"status": "done"}, format="json").status_code == 403
    assert viewer.delete(f"{URL}1/").status_code == 403
    assert list(FollowUp.objects.values_list("title", "status")) == [("Fix it", "open")]


def test_another_orgs_follow_up_is_404(scene, other_org, api_client_for):
    actions.follow_up_create(organization=scene.org, actor=scene.actor(), title="Acme secret")

    response = api_client_for(other_org, "admin").get(f"{URL}1/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
