"""Factories of the statuspage app. Child rows take their organization from their parent; an org's first page is
its default page (the one at /status/<org-slug>/). `SubscriberFactory(token="...")` sets the secret whose SHA-256
is stored (the raw token is not kept on the row)."""

import hashlib
import secrets
from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from statuspage.models import (
    Audience,
    AudienceKind,
    Component,
    ComponentGroup,
    Maintenance,
    MaintenanceComponent,
    MaintenanceUpdate,
    PublicIncident,
    PublicIncidentComponent,
    PublicUpdate,
    PublicUpdateComponent,
    StakeholderDelivery,
    StakeholderTemplate,
    StakeholderUpdate,
    StatusPage,
    StatusPageViewer,
    Subscriber,
    SubscriberComponent,
    SubscriberNotice,
    SubscriberNoticeKind,
)
from tests.factories.incidents import IncidentFactory
from tests.factories.orgs import OrganizationFactory, UserFactory


class StatusPageFactory(DjangoModelFactory[StatusPage]):
    class Meta:
        model = StatusPage

    organization = factory.SubFactory(OrganizationFactory)
    slug = factory.Sequence(lambda n: f"status-{n}")
    title = factory.Sequence(lambda n: f"Status {n}")
    is_default = factory.LazyAttribute(
        lambda o: not StatusPage.objects.filter(organization=o.organization, is_default=True).exists()
    )


class StatusPageViewerFactory(DjangoModelFactory[StatusPageViewer]):
    class Meta:
        model = StatusPageViewer

    page = factory.SubFactory(StatusPageFactory)
    organization = factory.LazyAttribute(lambda o: o.page.organization)
    user = factory.SubFactory(UserFactory)


class ComponentGroupFactory(DjangoModelFactory[ComponentGroup]):
    class Meta:
        model = ComponentGroup

    page = factory.SubFactory(StatusPageFactory)
    organization = factory.LazyAttribute(lambda o: o.page.organization)
    name = factory.Sequence(lambda n: f"Group {n}")
    position = factory.Sequence(lambda n: n)


class ComponentFactory(DjangoModelFactory[Component]):
    """A component of no service unless `service=` is given (its status then follows the service's health)."""

    class Meta:
        model = Component

    page = factory.SubFactory(StatusPageFactory)
    organization = factory.LazyAttribute(lambda o: o.page.organization)
    name = factory.Sequence(lambda n: f"Component {n}")
    position = factory.Sequence(lambda n: n)


class PublicIncidentFactory(DjangoModelFactory[PublicIncident]):
    class Meta:
        model = PublicIncident

    page = factory.SubFactory(StatusPageFactory)
    organization = factory.LazyAttribute(lambda o: o.page.organization)
    incident = factory.SubFactory(IncidentFactory, organization=factory.SelfAttribute("..organization"))
    title = factory.LazyAttribute(lambda o: o.incident.title)
    started_at = factory.LazyFunction(lambda: timezone.now())


class PublicIncidentComponentFactory(DjangoModelFactory[PublicIncidentComponent]):
    class Meta:
        model = PublicIncidentComponent

    public_incident = factory.SubFactory(PublicIncidentFactory)
    organization = factory.LazyAttribute(lambda o: o.public_incident.organization)
    component = factory.SubFactory(ComponentFactory, page=factory.SelfAttribute("..public_incident.page"))


class PublicUpdateFactory(DjangoModelFactory[PublicUpdate]):
    class Meta:
        model = PublicUpdate

    public_incident = factory.SubFactory(PublicIncidentFactory)
    organization = factory.LazyAttribute(lambda o: o.public_incident.organization)
    status = factory.LazyAttribute(lambda o: o.public_incident.status)
    body = "We are looking into it."
    display_at = factory.LazyFunction(lambda: timezone.now())


class PublicUpdateComponentFactory(DjangoModelFactory[PublicUpdateComponent]):
    class Meta:
        model = PublicUpdateComponent

    public_update = factory.SubFactory(PublicUpdateFactory)
    organization = factory.LazyAttribute(lambda o: o.public_update.organization)
    component = factory.SubFactory(ComponentFactory, page=factory.SelfAttribute("..public_update.public_incident.page"))


class MaintenanceFactory(DjangoModelFactory[Maintenance]):
    """A maintenance scheduled for tomorrow, two hours long."""

    class Meta:
        model = Maintenance

    page = factory.SubFactory(StatusPageFactory)
    organization = factory.LazyAttribute(lambda o: o.page.organization)
    title = factory.Sequence(lambda n: f"Maintenance {n}")
    body = "Database upgrade."
    scheduled_for = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    scheduled_until = factory.LazyAttribute(lambda o: o.scheduled_for + timedelta(hours=2))


class MaintenanceComponentFactory(DjangoModelFactory[MaintenanceComponent]):
    class Meta:
        model = MaintenanceComponent

    maintenance = factory.SubFactory(MaintenanceFactory)
    organization = factory.LazyAttribute(lambda o: o.maintenance.organization)
    component = factory.SubFactory(ComponentFactory, page=factory.SelfAttribute("..maintenance.page"))


class MaintenanceUpdateFactory(DjangoModelFactory[MaintenanceUpdate]):
    class Meta:
        model = MaintenanceUpdate

    maintenance = factory.SubFactory(MaintenanceFactory)
    organization = factory.LazyAttribute(lambda o: o.maintenance.organization)
    status = factory.LazyAttribute(lambda o: o.maintenance.status)
    body = "Scheduled."


class SubscriberFactory(DjangoModelFactory[Subscriber]):
    """An unconfirmed subscriber unless `confirmed_at=` is given."""

    class Meta:
        model = Subscriber

    class Params:
        token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))

    page = factory.SubFactory(StatusPageFactory)
    organization = factory.LazyAttribute(lambda o: o.page.organization)
    email = factory.Sequence(lambda n: f"subscriber{n}@example.test")
    token_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.token.encode()).hexdigest())


class SubscriberComponentFactory(DjangoModelFactory[SubscriberComponent]):
    class Meta:
        model = SubscriberComponent

    subscriber = factory.SubFactory(SubscriberFactory)
    organization = factory.LazyAttribute(lambda o: o.subscriber.organization)
    component = factory.SubFactory(ComponentFactory, page=factory.SelfAttribute("..subscriber.page"))


class SubscriberNoticeFactory(DjangoModelFactory[SubscriberNotice]):
    class Meta:
        model = SubscriberNotice

    subscriber = factory.SubFactory(SubscriberFactory)
    organization = factory.LazyAttribute(lambda o: o.subscriber.organization)
    kind = SubscriberNoticeKind.CONFIRM
    subject = "Confirm your subscription"
    idempotency_key = factory.Sequence(lambda n: f"notice-{n}")


class AudienceFactory(DjangoModelFactory[Audience]):
    """An email-list audience unless `kind=`/`webhook_url=` say otherwise."""

    class Meta:
        model = Audience

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Audience {n}")
    kind = AudienceKind.EMAIL
    emails = "exec@example.test\nsupport@example.test"


class StakeholderTemplateFactory(DjangoModelFactory[StakeholderTemplate]):
    class Meta:
        model = StakeholderTemplate

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Template {n}")
    body = "{incident.number} {incident.title} is {incident.status}: {message}"


class StakeholderUpdateFactory(DjangoModelFactory[StakeholderUpdate]):
    class Meta:
        model = StakeholderUpdate

    incident = factory.SubFactory(IncidentFactory)
    organization = factory.LazyAttribute(lambda o: o.incident.organization)
    message = "Checkout is degraded; we are on it."


class StakeholderDeliveryFactory(DjangoModelFactory[StakeholderDelivery]):
    class Meta:
        model = StakeholderDelivery

    update = factory.SubFactory(StakeholderUpdateFactory)
    organization = factory.LazyAttribute(lambda o: o.update.organization)
    audience = factory.SubFactory(AudienceFactory, organization=factory.SelfAttribute("..organization"))
