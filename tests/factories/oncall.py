"""Factories of the oncall app: schedules (layers, members, overrides), feed profiles, escalation policies (steps,
targets) and escalation runs. Ordered children take the next free position of their parent."""

import secrets
from datetime import time, timedelta
from typing import Any

import factory
from django.db.models import Model
from django.utils import timezone
from factory.django import DjangoModelFactory

from oncall.models import (
    Escalation,
    EscalationPolicy,
    EscalationStep,
    EscalationStepTarget,
    OncallProfile,
    RotationKind,
    Schedule,
    ScheduleLayer,
    ScheduleLayerMember,
    ScheduleOverride,
    StepTargetKind,
)
from tests.factories.alerting import AlertGroupFactory
from tests.factories.orgs import OrganizationFactory, UserFactory


def _next_position(model: type[Model], **parent: Any) -> int:
    """The position after the parent's last child (0 for the first)."""
    positions = model.objects.filter(**parent).values_list("position", flat=True)
    return max(positions, default=-1) + 1


class ScheduleFactory(DjangoModelFactory[Schedule]):
    class Meta:
        model = Schedule

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Schedule {n}")
    slug = factory.Sequence(lambda n: f"schedule-{n}")
    time_zone = "UTC"


class ScheduleLayerFactory(DjangoModelFactory[ScheduleLayer]):
    """A weekly layer starting today, handing off at 09:00 in the schedule's zone."""

    class Meta:
        model = ScheduleLayer

    schedule = factory.SubFactory(ScheduleFactory)
    organization = factory.LazyAttribute(lambda o: o.schedule.organization)
    name = factory.Sequence(lambda n: f"Layer {n}")
    position = factory.LazyAttribute(lambda o: _next_position(ScheduleLayer, schedule=o.schedule))
    rotation = RotationKind.WEEKLY
    handoff_time = time(9, 0)
    start_date = factory.LazyFunction(lambda: timezone.now().date())


class ScheduleLayerMemberFactory(DjangoModelFactory[ScheduleLayerMember]):
    class Meta:
        model = ScheduleLayerMember

    layer = factory.SubFactory(ScheduleLayerFactory)
    organization = factory.LazyAttribute(lambda o: o.layer.organization)
    user = factory.SubFactory(UserFactory)
    position = factory.LazyAttribute(lambda o: _next_position(ScheduleLayerMember, layer=o.layer))


class ScheduleOverrideFactory(DjangoModelFactory[ScheduleOverride]):
    """`user` on call for the next hour, covering everyone."""

    class Meta:
        model = ScheduleOverride

    schedule = factory.SubFactory(ScheduleFactory)
    organization = factory.LazyAttribute(lambda o: o.schedule.organization)
    user = factory.SubFactory(UserFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now())
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))


class OncallProfileFactory(DjangoModelFactory[OncallProfile]):
    """A member's feed profile with a nonce made as `feed_regenerate` makes it."""

    class Meta:
        model = OncallProfile

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    feed_nonce = factory.LazyFunction(lambda: secrets.token_urlsafe(24))


class EscalationPolicyFactory(DjangoModelFactory[EscalationPolicy]):
    class Meta:
        model = EscalationPolicy

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Policy {n}")
    slug = factory.Sequence(lambda n: f"policy-{n}")


class EscalationStepFactory(DjangoModelFactory[EscalationStep]):
    class Meta:
        model = EscalationStep

    policy = factory.SubFactory(EscalationPolicyFactory)
    organization = factory.LazyAttribute(lambda o: o.policy.organization)
    position = factory.LazyAttribute(lambda o: _next_position(EscalationStep, policy=o.policy))
    wait_minutes = 5


class EscalationStepTargetFactory(DjangoModelFactory[EscalationStepTarget]):
    """A step target; one person by default (pass kind with schedule= or team= for the others)."""

    class Meta:
        model = EscalationStepTarget

    step = factory.SubFactory(EscalationStepFactory)
    organization = factory.LazyAttribute(lambda o: o.step.organization)
    kind = StepTargetKind.USER
    user = factory.Maybe(
        factory.LazyAttribute(lambda o: o.kind == StepTargetKind.USER), factory.SubFactory(UserFactory), None
    )


class EscalationFactory(DjangoModelFactory[Escalation]):
    """An active run of a policy (of the group's org) for an alert group, its first step due now. The run names
    its group by subject kind and id (no foreign key); `alert_group` picks the group."""

    class Meta:
        model = Escalation
        exclude = ("alert_group",)

    alert_group = factory.SubFactory(AlertGroupFactory)
    organization = factory.LazyAttribute(lambda o: o.alert_group.organization)
    subject_kind = "alert_group"
    subject_id = factory.SelfAttribute("alert_group.pk")
    policy = factory.SubFactory(EscalationPolicyFactory, organization=factory.SelfAttribute("..organization"))
    started_at = factory.LazyFunction(lambda: timezone.now())
    next_due_at = factory.SelfAttribute("started_at")
