"""Retrospectives: opened by hand or on resolve with sections drafted from the incident, edited, reviewed and
published through their transitions."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import events, markdown
from incidents.models import Incident, IncidentStatus
from orgs.models import User
from orgs.tenancy import Actor
from retros import drafting, selectors
from retros.actions.common import _audit, _can_write, _check_member, _lock, business_days_add, retrospective_path
from retros.actions.configuration import retro_defaults_ensure
from retros.events import RetrospectiveCreated, RetrospectivePublished, RetrospectiveStatusChanged
from retros.models import (
    RETRO_TRANSITIONS,
    RetroFactor,
    RetroReviewer,
    RetroSection,
    Retrospective,
    RetrospectiveStatus,
    RetroTemplate,
)


def retrospective_draft(*, incident: Incident) -> dict[str, str]:
    """Markdown drafts of the sections the incident's recorded data can fill (summary, impact, timeline)."""
    return drafting.draft_sections(
        incident=incident,
        events=selectors.key_events(incident=incident),
        durations=selectors.milestone_durations(incident=incident),
        services=selectors.affected_services(incident=incident),
        alert_titles=[group.title for group in incident.alert_groups.order_by("first_seen", "id")],
    )


def _open(
    *,
    incident: Incident,
    actor: Actor,
    owner: User | None,
    template: RetroTemplate | None,
    due_at: datetime | None,
    how: str,
) -> Retrospective:
    """Create the retrospective with drafted sections and record it (caller holds the incident's transaction)."""
    organization = incident.organization
    retro_defaults_ensure(organization=organization)
    if template is None:
        template = selectors.retro_template_default(organization=organization)
    policy = selectors.retro_settings_get(organization=organization)
    if due_at is None:
        due_at = business_days_add(incident.resolved_at or timezone.now(), policy.due_business_days)
    retrospective = Retrospective.objects.create(
        organization=organization,
        incident=incident,
        template=template,
        title=incident.title,
        owner=owner,
        due_at=due_at,
        created_by=actor.user,
    )
    drafts = retrospective_draft(incident=incident)
    RetroSection.objects.bulk_create(
        RetroSection(
            organization=organization,
            retrospective=retrospective,
            key=section["key"],
            title=section["title"],
            prompt=section.get("prompt", ""),
            body=drafts.get(section["key"], ""),
            body_html=markdown.render(drafts[section["key"]]) if drafts.get(section["key"]) else "",
            position=position,
        )
        for position, section in enumerate(template.sections if template else [])
    )
    events.publish(
        RetrospectiveCreated(
            organization_id=organization.pk,
            actor=actor,
            retrospective_id=retrospective.pk,
            incident_id=incident.pk,
            title=retrospective.title,
            path=retrospective_path(retrospective),
            owner=owner.display_name if owner else None,
            how=how,
        )
    )
    return retrospective


@transaction.atomic
def retrospective_create(
    *,
    incident: Incident,
    actor: Actor,
    owner: User | None = None,
    template: RetroTemplate | None = None,
    due_at: datetime | None = None,
) -> Retrospective:
    """Open the incident's retrospective by hand (one per incident), drafted from what the incident recorded."""
    incident = (
        Incident.objects.select_for_update(of=("self",)).select_related("organization", "severity").get(pk=incident.pk)
    )
    if Retrospective.objects.filter(incident=incident).exists():
        raise ValidationError({"incident": f"{incident.reference} already has a retrospective."})
    if incident.status in (IncidentStatus.DECLINED, IncidentStatus.MERGED, IncidentStatus.CANCELED):
        raise ValidationError({"incident": f"{incident.reference} was {incident.status}: it needs no retrospective."})
    if template is not None and template.organization_id != incident.organization_id:
        raise ValidationError({"template": "Choose a template of this organization."})
    owner = owner or actor.user
    _check_member(incident.organization, owner, "owner")
    return _open(incident=incident, actor=actor, owner=owner, template=template, due_at=due_at, how="by hand")


def retrospective_open_on_resolve(*, incident: Incident, before: str, actor: Actor) -> None:
    """Open a retrospective when an incident that needs one resolves (subscribed to incident.status_changed).

    Runs inside the status change's transaction (caller holds the incident's lock). Idempotent: an incident that
    reopens and resolves again keeps its one retrospective. Drills only get one if the org's policy says so.
    """
    finished = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
    if incident.status not in finished or before in finished:
        return
    if Retrospective.objects.filter(incident=incident).exists():
        return
    if not selectors.incident_needs_retrospective(incident=incident):
        return
    candidates = [selectors.incident_commander(incident=incident), actor.user, incident.declared_by]
    owner = next((user for user in candidates if user is not None and _can_write(incident.organization, user)), None)
    _open(incident=incident, actor=actor, owner=owner, template=None, due_at=None, how="on resolve")


@transaction.atomic
def retrospective_update(*, retrospective: Retrospective, actor: Actor, **fields: Any) -> Retrospective:
    """Change title, owner, due date, reviewers (list of members) or contributing factors (list of the org's)."""
    unknown = set(fields) - {"title", "owner", "due_at", "reviewers", "factors"}
    if unknown:
        raise ValueError(f"Unknown retrospective fields: {sorted(unknown)}")
    retrospective = _lock(retrospective)
    if retrospective.is_published:
        raise ValidationError({"status": "This retrospective is published: reopen it as a draft to edit it."})
    organization = retrospective.organization
    changes: dict[str, Any] = {}
    plain = []
    if "title" in fields:
        title = (fields["title"] or "").strip()
        if not title:
            raise ValidationError({"title": "Give the retrospective a title."})
        if title != retrospective.title:
            changes["title"] = {"before": retrospective.title, "after": title}
            retrospective.title = title
            plain.append("title")
    if "owner" in fields and fields["owner"] != retrospective.owner:
        _check_member(organization, fields["owner"], "owner")
        changes["owner"] = {
            "before": retrospective.owner.email if retrospective.owner else None,
            "after": fields["owner"].email if fields["owner"] else None,
        }
        retrospective.owner = fields["owner"]
        plain.append("owner")
    if "due_at" in fields and fields["due_at"] != retrospective.due_at:
        changes["due_at"] = {
            "before": retrospective.due_at.isoformat() if retrospective.due_at else None,
            "after": fields["due_at"].isoformat() if fields["due_at"] else None,
        }
        retrospective.due_at = fields["due_at"]
        retrospective.reminded_at = None  # a new due date earns new reminders
        plain += ["due_at", "reminded_at"]
    if "reviewers" in fields:
        wanted = {user.pk: user for user in fields["reviewers"] or []}
        for user in wanted.values():
            _check_member(organization, user, "reviewers")
        current = set(RetroReviewer.objects.filter(retrospective=retrospective).values_list("user_id", flat=True))
        if current != set(wanted):
            RetroReviewer.objects.filter(retrospective=retrospective).exclude(user_id__in=wanted).delete()
            RetroReviewer.objects.bulk_create(
                RetroReviewer(organization=organization, retrospective=retrospective, user=user)
                for pk, user in wanted.items()
                if pk not in current
            )
            changes["reviewers"] = sorted(user.email for user in wanted.values())
    if "factors" in fields:
        wanted_factors = {factor.pk: factor for factor in fields["factors"] or []}
        if any(f.organization_id != organization.pk for f in wanted_factors.values()):
            raise ValidationError({"factors": "Choose contributing factors of this organization."})
        current = set(RetroFactor.objects.filter(retrospective=retrospective).values_list("factor_id", flat=True))
        if current != set(wanted_factors):
            RetroFactor.objects.filter(retrospective=retrospective).exclude(factor_id__in=wanted_factors).delete()
            RetroFactor.objects.bulk_create(
                RetroFactor(organization=organization, retrospective=retrospective, factor=factor)
                for pk, factor in wanted_factors.items()
                if pk not in current
            )
            changes["factors"] = sorted(f.slug for f in wanted_factors.values())
    if not changes:
        return retrospective
    retrospective.save(update_fields=[*plain, "updated_at"])
    _audit(retrospective, actor, "retrospective.updated", changes)
    return retrospective


@transaction.atomic
def retrospective_section_update(*, retrospective: Retrospective, key: str, body: str, actor: Actor) -> RetroSection:
    """Save one section's Markdown (rendered sanitized). A published retrospective must be reopened first."""
    retrospective = _lock(retrospective)
    if retrospective.is_published:
        raise ValidationError({"body": "This retrospective is published: reopen it as a draft to edit it."})
    section = RetroSection.objects.select_for_update().filter(retrospective=retrospective, key=key).first()
    if section is None:
        raise ValidationError({"section": f"This retrospective has no section “{key}”."})
    body = (body or "").strip()
    if len(body) > 50_000:
        raise ValidationError({"body": "Keep a section under 50,000 characters."})
    if body == section.body:
        return section
    section.body = body
    section.body_html = markdown.render(body) if body else ""
    section.save(update_fields=["body", "body_html", "updated_at"])
    retrospective.save(update_fields=["updated_at"])
    _audit(retrospective, actor, "retrospective.section_edited", {"section": key, "length": len(body)})
    return section


@transaction.atomic
def retrospective_transition(*, retrospective: Retrospective, status: str, actor: Actor) -> Retrospective:
    """Move draft → in review → published (or publish a draft directly; reopen a published one as a draft).

    Publishing needs an owner and a written summary; it stamps `published_at` (analytics: on time or late).
    """
    retrospective = _lock(retrospective)
    if status == retrospective.status:
        return retrospective
    allowed = [str(s) for s in RETRO_TRANSITIONS[RetrospectiveStatus(retrospective.status)]]
    if status not in allowed:
        label = RetrospectiveStatus(retrospective.status).label.lower()
        raise ValidationError({"status": f"Cannot move from {label} to {status}. Allowed next: {', '.join(allowed)}."})
    if status in (RetrospectiveStatus.IN_REVIEW, RetrospectiveStatus.PUBLISHED) and retrospective.owner is None:
        raise ValidationError({"owner": "Give the retrospective an owner first."})
    if status == RetrospectiveStatus.PUBLISHED:
        summary = RetroSection.objects.filter(retrospective=retrospective, key="summary").first()
        if summary is not None and not summary.body.strip():
            raise ValidationError({"status": "Write the summary before publishing."})
    now = timezone.now()
    before = retrospective.status
    retrospective.status = status
    fields = ["status", "updated_at"]
    if status == RetrospectiveStatus.IN_REVIEW:
        retrospective.submitted_at = now
        fields.append("submitted_at")
    elif status == RetrospectiveStatus.PUBLISHED:
        retrospective.published_at = now
        retrospective.published_by = actor.user
        retrospective.published_count += 1
        fields += ["published_at", "published_by", "published_count"]
    elif before == RetrospectiveStatus.PUBLISHED:
        retrospective.published_at = None
        retrospective.published_by = None
        fields += ["published_at", "published_by"]
    retrospective.save(update_fields=fields)
    action = {
        RetrospectiveStatus.IN_REVIEW: "submitted for review",
        RetrospectiveStatus.PUBLISHED: "published",
        RetrospectiveStatus.DRAFT: "reopened as a draft" if before == RetrospectiveStatus.PUBLISHED else "sent back",
    }[RetrospectiveStatus(status)]
    events.publish(
        RetrospectiveStatusChanged(
            organization_id=retrospective.organization_id,
            actor=actor,
            retrospective_id=retrospective.pk,
            incident_id=retrospective.incident_id,
            title=retrospective.title,
            path=retrospective_path(retrospective),
            before=before,
            after=status,
            action=action,
        )
    )
    if status == RetrospectiveStatus.PUBLISHED:
        events.publish(
            RetrospectivePublished(
                organization_id=retrospective.organization_id,
                actor=actor,
                retrospective_id=retrospective.pk,
                incident_id=retrospective.incident_id,
                title=retrospective.title,
                path=retrospective_path(retrospective),
                published_count=retrospective.published_count,
            )
        )
    return retrospective
