"""The escalation engine: start, one step at a time with tokens, stop, unanswered, silence, sweeper."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from alerting import actions as alerting_actions
from alerting.events import InboundEvent
from alerting.models import AlertGroup, PagingStatus
from notifications.models import ContactKind, ContactMethod, Notification, NotificationRule
from oncall import tasks
from oncall.actions import escalations
from oncall.models import Escalation, EscalationPolicy, EscalationStatus, EscalationStep, EscalationStepTarget
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from services import actions as service_actions

pytestmark = pytest.mark.django_db

STEP_TASK = "oncall.tasks.escalation_step"
STEPS_TASK = "oncall.tasks.escalation_steps"
DUE_TASK = "oncall.tasks.escalations_due"


@pytest.fixture
def people(org, make_member):
    """Ana and Bo, responders of Acme, each reachable by a verified webhook right away."""
    found = {}
    for name in ("ana", "bo"):
        membership = make_member(org, MembershipRole.RESPONDER, email=f"{name}@acme.test", full_name=name.title())
        method = ContactMethod.objects.create(
            organization=org,
            user=membership.user,
            kind=ContactKind.WEBHOOK,
            address=f"https://hooks.acme.test/{name}",
            verified_at=timezone.now(),
        )
        NotificationRule.objects.create(organization=org, user=membership.user, contact_method=method)
        found[name] = membership.user
    return found


def make_policy(org, steps, repeat_count=0, name="Acme paging"):
    policy = EscalationPolicy.objects.create(
        organization=org, name=name, slug=name.lower().replace(" ", "-"), repeat_count=repeat_count
    )
    for position, (user, wait) in enumerate(steps):
        step = EscalationStep.objects.create(organization=org, policy=policy, position=position, wait_minutes=wait)
        EscalationStepTarget.objects.create(organization=org, step=step, kind="user", user=user)
    return policy


def make_integration(org, policy):
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Acme Checkout")
    service.escalation_policy = policy
    service.save(update_fields=["escalation_policy"])
    integration, _ = alerting_actions.integration_create(
        organization=org, actor=Actor.system(), service=service, name="Acme Prometheus", kind="webhook"
    )
    return integration


def trigger(integration, key="checkout-5xx", action="trigger"):
    event = InboundEvent(action=action, dedup_key=key, summary="Acme checkout 5xx", severity="critical")
    return alerting_actions.alert_ingest(integration=integration, event=event).group


def escalation_of(group: AlertGroup) -> Escalation:
    return Escalation.objects.get(subject_kind="alert_group", subject_id=group.pk, status=EscalationStatus.ACTIVE)


def run_due(escalation: Escalation) -> None:
    """Make the escalation's step due now and run its current task, as the worker would."""
    Escalation.objects.filter(pk=escalation.pk).update(next_due_at=timezone.now())
    escalation.refresh_from_db()
    escalations.escalation_step_run(escalation_id=escalation.pk, token=str(escalation.task_token))
    escalation.refresh_from_db()


def paged(group: AlertGroup) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(alert_group=group).order_by("pk")
    return [(n.user.email, n.status) for n in rows]


def test_a_new_group_starts_its_services_policy_with_step_one_due_now(
    org, people, enqueued, django_capture_on_commit_callbacks
):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))

    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalation_of(trigger(integration))

    assert escalation.status == EscalationStatus.ACTIVE
    assert (escalation.step_index, escalation.repeat, escalation.steps_run) == (0, 0, 0)
    assert AlertGroup.objects.get(pk=escalation.subject_id).paging_status == PagingStatus.PAGING
    assert enqueued.calls == [(DUE_TASK, (), {})]  # step 1 is due now: the due-steps runner is sent
    assert enqueued.options == [{}]


def test_a_service_without_policy_pages_nobody_and_says_so(org, enqueued):
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Acme Orphan")
    integration, _ = alerting_actions.integration_create(
        organization=org, actor=Actor.system(), service=service, name="Acme Orphan hook", kind="webhook"
    )
    group = trigger(integration)

    assert AlertGroup.objects.get(pk=group.pk).paging_status == PagingStatus.NO_POLICY
    assert Escalation.objects.exists() is False


@override_settings(ESCALATION_MINUTE_SECONDS=60)
def test_a_step_pages_its_people_then_schedules_the_next_after_its_wait(org, people, enqueued):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5), (people["bo"], 10)]))
    group = trigger(integration)
    escalation = escalation_of(group)
    first_token = escalation.task_token

    before = timezone.now()
    run_due(escalation)

    assert paged(group) == [("ana@acme.test", "pending")]
    assert (escalation.step_index, escalation.steps_run) == (1, 1)
    assert escalation.task_token != first_token
    assert before + timedelta(minutes=5) <= escalation.next_due_at <= timezone.now() + timedelta(minutes=5)


def test_a_stale_or_duplicate_token_does_nothing(org, people):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5), (people["bo"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)
    stale = str(escalation.task_token)
    run_due(escalation)

    escalations.escalation_step_run(escalation_id=escalation.pk, token=stale)  # the same message again
    escalation.refresh_from_db()

    assert paged(group) == [("ana@acme.test", "pending")]
    assert (escalation.step_index, escalation.steps_run) == (1, 1)


def test_a_task_that_arrives_early_waits_for_its_due_time(org, people, enqueued, django_capture_on_commit_callbacks):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)
    due = timezone.now() + timedelta(minutes=3)
    Escalation.objects.filter(pk=escalation.pk).update(next_due_at=due)

    with django_capture_on_commit_callbacks(execute=True):
        escalations.escalation_step_run(escalation_id=escalation.pk, token=str(escalation.task_token))

    escalation.refresh_from_db()
    assert paged(group) == []
    assert escalation.steps_run == 0
    assert enqueued.calls[-1] == (STEP_TASK, (escalation.pk, str(escalation.task_token)), {})
    assert enqueued.options[-1] == {"eta": due}


def test_acknowledge_stops_the_run_and_cancels_pages_not_sent_yet(org, people):
    # Ana also wants a chat message if the page is still open 5 minutes later
    chat = ContactMethod.objects.create(
        organization=org,
        user=people["ana"],
        kind=ContactKind.CHAT,
        address="https://chat.acme.test/ana",
        verified_at=timezone.now(),
    )
    NotificationRule.objects.create(organization=org, user=people["ana"], contact_method=chat, delay_minutes=5)
    integration = make_integration(org, make_policy(org, [(people["ana"], 5), (people["bo"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)
    run_due(escalation)
    token = str(escalation.task_token)

    alerting_actions.alert_group_acknowledge(group=group, actor=Actor(user=people["ana"]))
    escalations.escalation_step_run(escalation_id=escalation.pk, token=token)

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert escalation.next_due_at is None
    assert sorted(Notification.objects.filter(alert_group=group).values_list("status", flat=True)) == [
        "canceled",
        "canceled",
    ]
    assert AlertGroup.objects.get(pk=group.pk).paging_status == PagingStatus.STOPPED


def test_source_acknowledge_stops_the_run_as_acknowledged(org, people):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)

    trigger(integration, action="acknowledge")

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED


def test_resolve_stops_the_run_and_the_next_trigger_starts_a_new_one(org, people):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    first = trigger(integration)

    trigger(integration, action="resolve")
    second = trigger(integration)

    assert list(Escalation.objects.order_by("pk").values_list("subject_id", "status")) == [
        (first.pk, EscalationStatus.RESOLVED),
        (second.pk, EscalationStatus.ACTIVE),
    ]


def test_after_every_pass_and_the_last_wait_the_group_is_unanswered(org, people):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5), (people["bo"], 5)], repeat_count=1))
    group = trigger(integration)
    escalation = escalation_of(group)

    for _ in range(4):
        run_due(escalation)
    assert escalation.status == EscalationStatus.ACTIVE
    run_due(escalation)

    assert [email for email, _ in paged(group)] == ["ana@acme.test", "bo@acme.test", "ana@acme.test", "bo@acme.test"]
    assert (escalation.status, escalation.steps_run, escalation.repeat) == (EscalationStatus.UNANSWERED, 4, 1)
    assert AlertGroup.objects.get(pk=group.pk).paging_status == PagingStatus.UNANSWERED


def test_a_silenced_group_is_paged_when_the_silence_ends(org, people):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)
    until = timezone.now() + timedelta(minutes=30)
    alerting_actions.alert_group_silence(group=group, until=until, actor=Actor.system())

    run_due(escalation)

    assert paged(group) == []
    assert (escalation.next_due_at, escalation.steps_run, escalation.status) == (until, 0, EscalationStatus.ACTIVE)


@override_settings(ONCALL_SWEEP_GRACE_SECONDS=2, ONCALL_SWEEP_BATCH=2, ONCALL_SWEEP_REDRIVE_SECONDS=30)
def test_the_sweeper_resends_every_overdue_step_once_in_bounded_batches(
    org, people, enqueued, django_capture_on_commit_callbacks
):
    policy = make_policy(org, [(people["ana"], 5)])
    integration = make_integration(org, policy)
    now = timezone.now()
    overdue = []
    for n in range(5):
        escalation = escalation_of(trigger(integration, key=f"overdue-{n}"))
        Escalation.objects.filter(pk=escalation.pk).update(next_due_at=now - timedelta(seconds=10))
        overdue.append(escalation)
    recent = escalation_of(trigger(integration, key="recent"))
    Escalation.objects.filter(pk=recent.pk).update(next_due_at=now - timedelta(seconds=1))
    stopped = escalation_of(trigger(integration, key="stopped"))
    Escalation.objects.filter(pk=stopped.pk).update(status=EscalationStatus.ACKNOWLEDGED, next_due_at=None)
    enqueued.calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        count = escalations.escalations_sweep(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        again = escalations.escalations_sweep(now=now + timedelta(seconds=0.5))

    # Each overdue step's task went out once more with its current token (whichever copy runs first
    # does the step); within the re-send interval nothing is sent again.
    assert (count, again) == (5, 0)
    assert enqueued.rows(STEP_TASK, STEPS_TASK) == sorted((e.pk, str(e.task_token)) for e in overdue)
    assert [len(args[0]) for args in enqueued.messages(STEPS_TASK)] == [2, 2]  # a message per batch, then one
    assert len(enqueued.messages(STEP_TASK)) == 1
    assert (
        list(Escalation.objects.filter(pk__in=[e.pk for e in overdue]).values_list("redriven_at", flat=True))
        == [now] * 5
    )


@override_settings(ONCALL_SWEEP_GRACE_SECONDS=2, ONCALL_SWEEP_REDRIVE_SECONDS=30)
def test_a_resent_step_still_not_run_after_the_interval_is_sent_again(org, people, enqueued):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    escalation = escalation_of(trigger(integration))
    now = timezone.now()
    Escalation.objects.filter(pk=escalation.pk).update(
        next_due_at=now - timedelta(minutes=2), redriven_at=now - timedelta(seconds=31)
    )

    assert escalations.escalations_sweep(now=now) == 1


def test_a_duplicate_of_a_resent_task_does_nothing_once_the_step_ran(org, people):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5), (people["bo"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)
    token = str(escalation.task_token)

    escalations.escalation_step_run(escalation_id=escalation.pk, token=token)  # the original message
    escalations.escalation_step_run(escalation_id=escalation.pk, token=token)  # the sweeper's copy

    escalation.refresh_from_db()
    assert paged(group) == [("ana@acme.test", "pending")]
    assert (escalation.steps_run, escalation.redriven_at) == (1, None)


def test_the_step_task_runs_the_action(org, people):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    group = trigger(integration)
    escalation = escalation_of(group)

    tasks.escalation_step(escalation.pk, str(escalation.task_token))

    assert paged(group) == [("ana@acme.test", "pending")]


@override_settings(ONCALL_SWEEP_GRACE_SECONDS=2, ONCALL_SWEEP_MAX_BACKLOG=1000)
def test_the_sweeper_sends_no_copies_while_the_queue_holds_a_backlog(org, people, enqueued, monkeypatch):
    # Given an overdue step, while 5,000 messages wait in the critical queue (a burst being worked off)
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    escalation = escalation_of(trigger(integration))
    Escalation.objects.filter(pk=escalation.pk).update(next_due_at=timezone.now() - timedelta(minutes=1))
    monkeypatch.setattr(escalations, "queue_backlog", lambda queue: 5000)
    enqueued.calls.clear()

    # Then the step is taken as waiting in line, not lost: no copy is sent and nothing is stamped
    assert escalations.escalations_sweep() == 0
    assert enqueued.calls == []
    assert Escalation.objects.get(pk=escalation.pk).redriven_at is None


# --- The due-steps runner: one pending message for a storm of steps due now --------------------------------


@pytest.fixture
def redis_broker(redis_url):
    """The broker is this machine's Redis (the flag that says "a runner is pending" lives next to the queue)."""
    from core.broker import broker_redis

    client = broker_redis()
    assert client is not None, "REDIS_URL is set, so the broker is Redis"
    return client


def test_a_storm_of_new_groups_sends_one_due_steps_message_while_it_is_pending(
    org, people, enqueued, redis_broker, django_capture_on_commit_callbacks
):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))

    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            trigger(integration, key=f"storm-{n}")

    assert enqueued.names == [DUE_TASK]
    assert redis_broker.ttl(escalations._due_flag()) in range(1, escalations.DUE_FLAG_SECONDS + 1)


def test_once_the_runner_has_started_the_next_new_group_sends_another(
    org, people, enqueued, redis_broker, django_capture_on_commit_callbacks
):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    with django_capture_on_commit_callbacks(execute=True):
        first = trigger(integration, key="first")

    assert escalations.escalations_due_run() == 1  # the pending message runs: flag cleared, then due steps
    with django_capture_on_commit_callbacks(execute=True):
        second = trigger(integration, key="second")

    assert enqueued.names == [DUE_TASK, DUE_TASK]
    assert paged(first) == [("ana@acme.test", "pending")]
    assert paged(second) == []  # its step waits for the second message


def test_without_a_redis_broker_every_new_group_sends_the_runner(
    org, people, enqueued, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(escalations, "broker_redis", lambda: None)
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))

    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            trigger(integration, key=f"storm-{n}")

    assert enqueued.names == [DUE_TASK] * 3


@override_settings(ONCALL_STEP_BATCH=2)
def test_the_runner_takes_a_batch_and_a_full_batch_sends_the_next_runner_at_once(org, people, enqueued, monkeypatch):
    monkeypatch.setattr(escalations, "broker_redis", lambda: None)
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    groups = [trigger(integration, key=f"storm-{n}") for n in range(5)]
    enqueued.calls.clear()

    runs = []
    while not runs or runs[-1]:
        runs.append(escalations.escalations_due_run())

    # Batches of two, oldest first; each full batch sent the next runner before running its own steps
    assert runs == [2, 2, 1, 0]
    assert enqueued.names.count(DUE_TASK) == 2
    assert [paged(g) for g in groups] == [[("ana@acme.test", "pending")]] * 5
    assert sorted(Escalation.objects.values_list("steps_run", flat=True)) == [1] * 5


def test_the_due_steps_task_runs_the_action(org, people):
    integration = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    group = trigger(integration)

    assert tasks.escalations_due() == 1
    assert paged(group) == [("ana@acme.test", "pending")]
