"""Factories of the alerting app. An integration's key is made and hashed as `integration_create` makes it and
kept on `integration.raw_key`, so a test can send events with it."""

from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from alerting import actions
from alerting.models import Alert, AlertAction, AlertGroup, AlertSeverity, Integration, IntegrationKind
from tests.factories.services import ServiceFactory


class IntegrationFactory(DjangoModelFactory[Integration]):
    """An inbound integration of a service (its org); writes no audit event, unlike `integration_create`."""

    class Meta:
        model = Integration

    service = factory.SubFactory(ServiceFactory)
    organization = factory.LazyAttribute(lambda o: o.service.organization)
    kind = IntegrationKind.ALERTMANAGER
    name = factory.SelfAttribute("kind")

    @classmethod
    def _create(cls, model_class: type[Integration], *args: Any, **kwargs: Any) -> Integration:
        key, prefix = actions._new_key()
        integration = super()._create(model_class, *args, key_prefix=prefix, key_hash=actions._key_hash(key), **kwargs)
        integration.raw_key = key
        return integration


class AlertGroupFactory(DjangoModelFactory[AlertGroup]):
    """A triggered group of an integration, on the integration's service."""

    class Meta:
        model = AlertGroup

    integration = factory.SubFactory(IntegrationFactory)
    organization = factory.LazyAttribute(lambda o: o.integration.organization)
    service = factory.SelfAttribute("integration.service")
    dedup_key = factory.Sequence(lambda n: f"dedup-{n}")
    title = factory.Sequence(lambda n: f"Alert {n}")
    severity = AlertSeverity.ERROR
    alert_count = 1
    first_seen = factory.LazyFunction(lambda: timezone.now())
    last_seen = factory.SelfAttribute("first_seen")


class AlertFactory(DjangoModelFactory[Alert]):
    class Meta:
        model = Alert

    group = factory.SubFactory(AlertGroupFactory)
    organization = factory.LazyAttribute(lambda o: o.group.organization)
    integration = factory.SelfAttribute("group.integration")
    action = AlertAction.TRIGGER
    dedup_key = factory.SelfAttribute("group.dedup_key")
    summary = factory.SelfAttribute("group.title")
    severity = factory.SelfAttribute("group.severity")
    received_at = factory.LazyFunction(lambda: timezone.now())
    payload = factory.LazyAttribute(lambda o: {"dedup_key": o.dedup_key, "summary": o.summary})
