"""Paging in one direction (issue 14 §3): oncall publishes what its runs do, with these exact fields, and the apps
above follow by subscribing — alerting's `paging_status` and its one push per batch, the incident's timeline."""

import pytest
from django.utils import timezone

from alerting import actions as alerting_actions
from alerting import subscribers as alerting_subscribers
from alerting.models import AlertGroup, AlertGroupStatus, PagingStatus
from core import events
from incidents.models import TimelineEvent, TimelineKind
from oncall import subjects
from oncall.actions import escalations, manual_paging
from oncall.events import EscalationEnded, EscalationPaged, EscalationUnanswered, ManualPageSent, PagedPerson
from oncall.models import Escalation, EscalationStatus, EscalationStep
from orgs.tenancy import Actor
from tests.factories import EscalationFactory, IncidentFactory
from tests.oncall.test_escalations import escalation_of, make_integration, make_policy, people, run_due, trigger

pytestmark = pytest.mark.django_db

__all__ = ["people"]  # the fixture, shared with test_escalations


def of_type(published, kind):
    return [event for event in published if isinstance(event, kind)]


def test_a_step_publishes_escalation_paged_with_who_it_paged_and_for_what(org, people, published, enqueued):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5), (people["bo"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)

    run_due(escalation)

    assert of_type(published, EscalationPaged) == [
        EscalationPaged(
            organization_id=org.pk,
            escalation_id=escalation.pk,
            subject_kind="alert_group",
            subject_id=group.pk,
            subject_label="alert “Acme checkout 5xx”",
            incident_id=None,
            step=1,
            repeat=0,
            paged=(PagedPerson(id=people["ana"].pk, name=people["ana"].display_name),),
        )
    ]
    assert of_type(published, EscalationPaged)[0].actor == Actor.system()


def test_nobody_answering_publishes_escalation_unanswered_and_the_group_says_so(org, people, published, enqueued):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)
    run_due(escalation)  # step 1 pages Ana
    run_due(escalation)  # its wait is over: nobody answered

    assert of_type(published, EscalationUnanswered) == [
        EscalationUnanswered(
            organization_id=org.pk,
            escalation_id=escalation.pk,
            subject_kind="alert_group",
            subject_id=group.pk,
            steps_run=1,
        )
    ]
    assert escalation.status == EscalationStatus.UNANSWERED
    assert AlertGroup.objects.get(pk=group.pk).paging_status == PagingStatus.UNANSWERED


def test_acknowledging_publishes_escalation_ended_at_the_groups_request(org, people, published, enqueued):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)

    alerting_actions.alert_group_acknowledge(group=group, actor=Actor(user=people["ana"]))

    assert of_type(published, EscalationEnded) == [
        EscalationEnded(
            organization_id=org.pk,
            escalation_id=escalation.pk,
            subject_kind="alert_group",
            subject_id=group.pk,
            status=EscalationStatus.ACKNOWLEDGED,
            at_step=False,
        )
    ]
    assert AlertGroup.objects.get(pk=group.pk).paging_status == PagingStatus.STOPPED


def test_a_step_that_finds_its_group_resolved_ends_the_run_and_alerting_follows(
    org, people, published, enqueued, monkeypatch, django_capture_on_commit_callbacks
):
    pushed = []
    monkeypatch.setattr(alerting_subscribers.live, "alert_groups_broadcast", lambda group_ids: pushed.append(group_ids))
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)
    # Moved without alerting's action (as a queryset update would): the run learns it at its next step
    AlertGroup.objects.filter(pk=group.pk).update(status=AlertGroupStatus.RESOLVED)

    with django_capture_on_commit_callbacks(execute=True):
        run_due(escalation)

    assert of_type(published, EscalationEnded) == [
        EscalationEnded(
            organization_id=org.pk,
            escalation_id=escalation.pk,
            subject_kind="alert_group",
            subject_id=group.pk,
            status=EscalationStatus.RESOLVED,
            at_step=True,
        )
    ]
    assert escalation.status == EscalationStatus.RESOLVED
    assert AlertGroup.objects.get(pk=group.pk).paging_status == PagingStatus.STOPPED
    assert pushed == [[group.pk]]


def test_a_policy_left_without_steps_cancels_the_run_and_the_group_pages_nobody(org, people, published, enqueued):
    policy = make_policy(org, [(people["ana"], 5)])
    group = trigger(make_integration(org, policy))
    escalation = escalation_of(group)
    EscalationStep.objects.filter(policy=policy).delete()

    run_due(escalation)

    assert [(e.status, e.at_step) for e in of_type(published, EscalationEnded)] == [("canceled", True)]
    assert AlertGroup.objects.get(pk=group.pk).paging_status == PagingStatus.NO_POLICY


def test_a_run_whose_group_is_gone_is_canceled_at_its_next_step(org, people, published, enqueued):
    group = trigger(make_integration(org, make_policy(org, [(people["ana"], 5)])))
    escalation = escalation_of(group)
    AlertGroup.objects.filter(pk=group.pk).delete()

    run_due(escalation)

    assert escalation.status == EscalationStatus.CANCELED
    assert of_type(published, EscalationPaged) == []
    assert [e.subject_id for e in of_type(published, EscalationEnded)] == [group.pk]


def test_runs_ending_together_set_their_groups_and_push_them_once_after_the_deliveries(
    org, people, enqueued, monkeypatch, django_capture_on_commit_callbacks
):
    order = []
    monkeypatch.setattr(alerting_subscribers.live, "alert_groups_broadcast", lambda group_ids: order.append(group_ids))
    monkeypatch.setattr(escalations, "_deliver", lambda pairs: order.append("deliver"))
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    groups = [trigger(integration, key=f"k{n}") for n in range(3)]
    Escalation.objects.update(step_index=1, next_due_at=timezone.now())  # each has had its last wait

    with django_capture_on_commit_callbacks(execute=True):
        escalations.escalations_run(pairs=[])

    assert order == ["deliver", sorted(group.pk for group in groups)]
    assert {g.paging_status for g in AlertGroup.objects.filter(pk__in=[g.pk for g in groups])} == {"unanswered"}


# --- the incident's timeline -----------------------------------------------------------------------------------


def test_a_page_for_a_group_of_an_incident_is_on_the_incidents_timeline(org, people, published, enqueued):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    group = trigger(integration)
    incident = IncidentFactory(organization=org)
    alerting_actions.alert_group_attach(group=group, incident=incident, actor=Actor.system())

    run_due(escalation_of(group))

    [paged] = of_type(published, EscalationPaged)
    assert paged.incident_id == incident.pk
    entry = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.PAGED)
    assert entry.payload == {
        "targets": [people["ana"].display_name],
        "via": "escalation step 1 for alert “Acme checkout 5xx”",
        "message": "",
    }
    assert entry.actor_user is None


def test_a_page_for_a_group_of_no_incident_writes_no_timeline(org, people, enqueued):
    group = trigger(make_integration(org, make_policy(org, [(people["ana"], 5)])))

    run_due(escalation_of(group))

    assert TimelineEvent.objects.filter(kind=TimelineKind.PAGED).exists() is False


def test_manual_paging_publishes_manual_page_sent_and_the_timeline_records_it(org, owner, people, published):
    incident = IncidentFactory(organization=org)
    actor = Actor(user=owner.user)

    manual_paging.incident_page(incident=incident, actor=actor, message="Join the bridge", users=[people["bo"]])

    [sent] = of_type(published, ManualPageSent)
    assert sent == ManualPageSent(
        organization_id=org.pk,
        incident_id=incident.pk,
        page_id=sent.page_id,
        paged=(PagedPerson(id=people["bo"].pk, name=people["bo"].display_name),),
        via="",
        message="Join the bridge",
        occurred_at=sent.occurred_at,
    )
    assert sent.actor == actor
    entry = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.PAGED)
    assert (entry.payload, entry.occurred_at, entry.actor_user) == (
        {"targets": [people["bo"].display_name], "via": "", "message": "Join the bridge"},
        sent.occurred_at,
        owner.user,
    )


# --- the seams -------------------------------------------------------------------------------------------------


def test_alerting_reads_its_groups_for_a_step_and_incidents_finds_an_incident(org):
    run = EscalationFactory(alert_group__organization=org, alert_group__title="Disk full", alert_group__severity="info")
    group = AlertGroup.objects.get(pk=run.subject_id)
    incident = IncidentFactory(organization=org)

    [subject] = subjects.subjects_read("alert_group", [group.pk]).values()

    assert (subject.stopped_as, subject.subject, subject.label, subject.incident_id) == (
        None,
        "[INFO] Disk full",
        "alert “Disk full”",
        None,
    )
    assert subject.summary.startswith("Disk full\nService: ")
    assert subject.link.endswith(f"/o/{org.slug}/alerts/{group.uuid}/")
    assert subject.delivery == {"alert_group": group}
    assert subjects.subjects_read("unknown", [group.pk]) == {}
    assert subjects.incident_find(organization=org, number=incident.number) == incident
    assert subjects.incident_find(organization=org, number=incident.number + 1) is None


def test_the_escalation_events_are_subscribed_where_the_docs_say(org):
    def who(name):
        return {(s.label.split(".")[0], s.when) for s in events.subscriptions(name)}

    assert who("escalation.paged") == {("incidents", "in_transaction")}
    # workflows follows it too (the "alert group went unanswered" trigger), by name from the top layer.
    assert who("escalation.unanswered") == {("alerting", "in_transaction"), ("workflows", "in_transaction")}
    assert who("escalation.ended") == {("alerting", "in_transaction")}
    assert who("manual_page.sent") == {("incidents", "in_transaction")}


def test_the_incident_timeline_subscriber_ignores_pages_of_subjects_without_incident(org):
    event = EscalationPaged(
        organization_id=org.pk,
        escalation_id=1,
        subject_kind="alert_group",
        subject_id=1,
        subject_label="alert “x”",
        incident_id=None,
        step=1,
        repeat=0,
        paged=(),
    )
    events.publish(event)
    assert TimelineEvent.objects.exists() is False
