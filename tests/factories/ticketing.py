"""Factories of the ticketing app. Follow-ups are numbered through the org's real counter (`counter_next`), as
`follow_up_create` numbers them (FU-n)."""

from typing import Any

import factory
from factory.django import DjangoModelFactory

from orgs import actions as org_actions
from tests.factories.incidents import IncidentFactory
from tests.factories.orgs import OrganizationFactory
from ticketing.models import FollowUp


class FollowUpFactory(DjangoModelFactory[FollowUp]):
    """An open follow-up of an incident (its org); `incident=None, organization=org` for one of no incident."""

    class Meta:
        model = FollowUp

    incident = factory.SubFactory(IncidentFactory)
    organization = factory.LazyAttribute(lambda o: o.incident.organization if o.incident else OrganizationFactory())
    number = None  # allocated in _create, like follow_up_create
    title = factory.Sequence(lambda n: f"Follow-up {n}")

    @classmethod
    def _create(cls, model_class: type[FollowUp], *args: Any, **kwargs: Any) -> FollowUp:
        if kwargs.get("number") is None:
            kwargs["number"] = org_actions.counter_next(organization=kwargs["organization"], name="follow_up")
        return super()._create(model_class, *args, **kwargs)
