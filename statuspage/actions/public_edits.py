"""An admin's edits of a public incident: its public title and impact (which then stop following the incident)
and the components it affects. Audited in the same transaction. Creating public incidents from external status
updates is statuspage.actions.public_incidents' (subscribers of `status_update.posted`)."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from orgs import actions as org_actions
from orgs.tenancy import Actor
from statuspage.models import Component, PublicIncident, PublicIncidentComponent, PublicIncidentImpact


@transaction.atomic
def public_incident_edit(
    *,
    public_incident: PublicIncident,
    actor: Actor,
    title: str | None = None,
    impact: str | None = None,
    components: Iterable[Component] | None = None,
) -> PublicIncident:
    """Set the public title and/or impact (marked overridden, so the incident's own no longer replace them) and/or
    the affected components (of the same page)."""
    public_incident = PublicIncident.objects.select_for_update().get(pk=public_incident.pk)
    changes: dict[str, Any] = {}
    update_fields = []
    if title is not None:
        if not title.strip():
            raise ValidationError({"title": "The public title cannot be empty."})
        if title.strip() != public_incident.title:
            changes["title"] = {"before": public_incident.title, "after": title.strip()}
            public_incident.title = title.strip()
            update_fields.append("title")
        if not public_incident.title_overridden:
            public_incident.title_overridden = True
            update_fields.append("title_overridden")
    if impact is not None:
        if impact not in PublicIncidentImpact.values:
            raise ValidationError({"impact": f"Choose one of {', '.join(PublicIncidentImpact.values)}."})
        if impact != public_incident.impact:
            changes["impact"] = {"before": public_incident.impact, "after": impact}
            public_incident.impact = impact
            update_fields.append("impact")
        if not public_incident.impact_overridden:
            public_incident.impact_overridden = True
            update_fields.append("impact_overridden")
    if components is not None:
        components = list(dict.fromkeys(components))
        if any(component.page_id != public_incident.page_id for component in components):
            raise ValidationError({"components": "Choose components of this incident's status page."})
        before = sorted(public_incident.components.values_list("name", flat=True))
        after = sorted(component.name for component in components)
        current = set(public_incident.component_links.values_list("component_id", flat=True))
        if current != {component.pk for component in components}:
            PublicIncidentComponent.objects.filter(public_incident=public_incident).delete()
            PublicIncidentComponent.objects.bulk_create(
                PublicIncidentComponent(
                    organization=public_incident.organization, public_incident=public_incident, component=component
                )
                for component in components
            )
            changes["components"] = {"before": before, "after": after}
    if update_fields:
        public_incident.save(update_fields=[*update_fields, "updated_at"])
    if changes:
        org_actions.audit_record(
            organization=public_incident.organization,
            actor=actor,
            action="public_incident.edited",
            target_type="public_incident",
            target_id=str(public_incident.uuid),
            target_label=public_incident.title,
            changes=changes,
        )
    return public_incident
