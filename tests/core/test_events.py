"""The domain-event registry (core.events): when handlers run, what commits with what, what a failing
handler does. Real transactions (transaction=True), so on-commit means a real commit."""

import logging
from dataclasses import dataclass

import pytest
from django.db import transaction

from core import events
from orgs.models import Team
from tests.factories import OrganizationFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True, kw_only=True)
class TeamRenamed(events.DomainEvent):
    name = "test_team.renamed"
    team_id: int
    before: str
    after: str


@pytest.fixture(autouse=True)
def no_app_subscriptions():
    with events.isolated_subscriptions():
        yield


def rename(team: Team, after: str) -> TeamRenamed:
    """A stand-in action: change a row and publish, in one transaction."""
    before = team.name
    Team.objects.filter(pk=team.pk).update(name=after)
    event = TeamRenamed(organization_id=team.organization_id, team_id=team.pk, before=before, after=after)
    events.publish(event)
    return event


def rename_then_fail(team: Team, after: str, seen_inside: list[bool] | None = None) -> None:
    """The action's transaction fails after it published (a later write refused)."""
    with transaction.atomic():
        rename(team, after)
        if seen_inside is not None:
            seen_inside.append(Team.objects.filter(slug="was-payments").exists())
        raise RuntimeError("the action fails after publishing")


def test_an_in_transaction_handler_writes_with_the_change_and_rolls_back_with_it():
    org = OrganizationFactory()
    team = TeamFactory(organization=org, name="Payments", slug="payments")

    def add_audit_team(event: TeamRenamed) -> None:
        TeamFactory(organization_id=event.organization_id, name=f"was {event.before}", slug="was-payments")

    events.subscribe(TeamRenamed, add_audit_team, when="in_transaction")

    seen_inside: list[bool] = []
    with pytest.raises(RuntimeError):
        rename_then_fail(team, "Billing", seen_inside)

    assert seen_inside == [True]  # written at once, in the transaction
    assert list(Team.objects.order_by("slug").values_list("slug", "name")) == [("payments", "Payments")]

    with transaction.atomic():
        rename(team, "Billing")
    assert list(Team.objects.order_by("slug").values_list("slug", "name")) == [
        ("payments", "Billing"),
        ("was-payments", "was Payments"),
    ]


def test_a_failing_in_transaction_handler_undoes_the_change():
    team = TeamFactory(name="Payments", slug="payments")

    def refuse(event: TeamRenamed) -> None:
        raise ValueError("no renames today")

    events.subscribe(TeamRenamed, refuse, when="in_transaction")

    with pytest.raises(ValueError, match="no renames today"), transaction.atomic():
        rename(team, "Billing")

    assert Team.objects.get(pk=team.pk).name == "Payments"


def test_an_on_commit_handler_runs_once_after_commit_and_sees_the_committed_row():
    team = TeamFactory(name="Payments", slug="payments")
    seen: list[tuple[str, str]] = []

    def push(event: TeamRenamed) -> None:
        seen.append((event.after, Team.objects.get(pk=event.team_id).name))

    events.subscribe(TeamRenamed, push, when="on_commit")

    with transaction.atomic():
        rename(team, "Billing")
        assert seen == []  # not before the commit

    assert seen == [("Billing", "Billing")]


def test_an_on_commit_handler_never_runs_after_a_rollback():
    team = TeamFactory(name="Payments", slug="payments")
    seen: list[str] = []
    events.subscribe(TeamRenamed, lambda event: seen.append(event.after), when="on_commit")

    with pytest.raises(RuntimeError):
        rename_then_fail(team, "Billing")
    with transaction.atomic():
        with pytest.raises(RuntimeError):  # a savepoint rolled back inside a transaction that commits
            rename_then_fail(team, "Ledger")
        rename(team, "Treasury")

    assert seen == ["Treasury"]
    assert Team.objects.get(pk=team.pk).name == "Treasury"


def test_a_failing_on_commit_handler_is_logged_and_neither_undoes_the_write_nor_stops_the_others(caplog):
    team = TeamFactory(name="Payments", slug="payments")
    seen: list[str] = []

    def broken(event: TeamRenamed) -> None:
        raise ConnectionError("chat server down")

    events.subscribe(TeamRenamed, broken, when="on_commit")
    events.subscribe(TeamRenamed, lambda event: seen.append(event.after), when="on_commit")

    with caplog.at_level(logging.ERROR, logger="core.events"), transaction.atomic():
        rename(team, "Billing")  # no exception reaches the caller

    assert Team.objects.get(pk=team.pk).name == "Billing"
    assert seen == ["Billing"]
    [record] = [r for r in caplog.records if r.name == "core.events"]
    assert record.getMessage() == "domain event handler failed"
    assert record.event == "test_team.renamed"
    assert record.handler.endswith(
        "test_a_failing_on_commit_handler_is_logged_and_neither_undoes_the_write_nor_stops_the_others.<locals>.broken"
    )
    assert record.exc_info[0] is ConnectionError


def test_a_lower_app_subscribes_by_name_and_a_repeated_registration_runs_once():
    team = TeamFactory(name="Payments", slug="payments")
    seen: list[str] = []

    def by_name(event) -> None:
        seen.append(f"{event.before}->{event.after}")

    events.subscribe("test_team.renamed", by_name, when="in_transaction")
    events.subscribe(TeamRenamed, by_name, when="in_transaction")  # the same subscription again

    with transaction.atomic():
        rename(team, "Billing")

    assert seen == ["Payments->Billing"]
    assert [s.label for s in events.subscriptions("test_team.renamed")] == [
        "tests.core.test_events.test_a_lower_app_subscribes_by_name_and_a_repeated_registration_runs_once.<locals>.by_name"
    ]


def test_outside_a_transaction_on_commit_handlers_run_at_once():
    team = TeamFactory(name="Payments", slug="payments")
    seen: list[str] = []
    events.subscribe(TeamRenamed, lambda event: seen.append(event.after), when="on_commit")

    rename(team, "Billing")

    assert seen == ["Billing"]


def test_events_are_frozen_named_and_registered_by_name():
    event = TeamRenamed(organization_id=1, team_id=2, before="a", after="b")

    with pytest.raises(AttributeError):
        event.after = "c"  # type: ignore[misc]
    assert events.event_types()["test_team.renamed"] is TeamRenamed


def test_bad_registrations_are_refused():
    with pytest.raises(ValueError, match="when must be"):
        events.subscribe(TeamRenamed, print, when="later")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an event name"):
        events.subscribe("renamed", print, when="on_commit")
    with pytest.raises(TypeError, match="needs a name"):

        @dataclass(frozen=True, kw_only=True)
        class Nameless(events.DomainEvent):
            pass

    with pytest.raises(TypeError, match="is taken by"):

        @dataclass(frozen=True, kw_only=True)
        class Impostor(events.DomainEvent):
            name = "test_team.renamed"
