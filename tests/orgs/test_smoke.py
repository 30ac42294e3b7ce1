import pytest

pytestmark = pytest.mark.django_db


def test_teams_list_with_token_shows_only_own_org(org, other_org, api_client_for):
    from tests.factories import TeamFactory

    TeamFactory(organization=org, name="Payments", slug="payments")
    TeamFactory(organization=other_org, name="Secret", slug="secret")

    response = api_client_for(org, "viewer").get("/api/v1/teams/")

    assert response.status_code == 200
    assert [t["slug"] for t in response.json()["results"]] == ["payments"]
