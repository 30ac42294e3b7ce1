"""Writes of the retros app: retrospectives, their sections and contributing factors, the org's retro policy,
templates and factor taxonomy, and the owners' reminder emails."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core import events, markdown
from incidents.models import Incident, IncidentStatus
from orgs import actions as org_actions
from orgs.models import Membership, MembershipRole, Organization, User
from orgs.tenancy import Actor
from retros import defaults, drafting, selectors
from retros.events import RetrospectiveCreated, RetrospectiveStatusChanged
from retros.models import (
    RETRO_TRANSITIONS,
    ContributingFactor,
    RetroFactor,
    RetroReviewer,
    RetroSection,
    RetroSettings,
    Retrospective,
    RetrospectiveStatus,
    RetroTemplate,
)

logger = logging.getLogger(__name__)

SETTINGS_FIELDS = ("severity_rank_max", "include_major", "include_drills", "due_business_days")
MAX_SECTIONS = 20


# --- helpers ---------------------------------------------------------------------------------------


def business_days_add(start: datetime, days: int) -> datetime:
    """`start` moved forward by `days` working days (Monday to Friday), keeping the time of day."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def retrospective_path(retrospective: Retrospective) -> str:
    return reverse(
        "retros:retrospective-detail",
        kwargs={"org_slug": retrospective.incident.organization.slug, "number": retrospective.incident.number},
    )


def _check_member(organization: Organization, user: User | None, field: str) -> None:
    """Owners and reviewers read drafts, so they must be responders or more (viewers read published ones only)."""
    if user is None:
        return
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership is None:
        raise ValidationError({field: "Choose a member of this organization."})
    if not membership.has_role(MembershipRole.RESPONDER):
        raise ValidationError({field: f"{user.display_name} is a viewer: viewers cannot read drafts."})


def _can_write(organization: Organization, user: User) -> bool:
    membership = Membership.objects.filter(organization=organization, user=user).first()
    return membership is not None and membership.has_role(MembershipRole.RESPONDER)


def _audit(retrospective: Retrospective, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    org_actions.audit_record(
        organization=retrospective.organization,
        actor=actor,
        action=action,
        target_type="retrospective",
        target_id=str(retrospective.incident.number),
        target_label=f"{retrospective.incident.reference} {retrospective.title}",
        changes=changes,
    )


def _lock(retrospective: Retrospective) -> Retrospective:
    return (
        Retrospective.objects.select_for_update(of=("self",))
        .select_related("organization", "incident__organization", "owner")
        .get(pk=retrospective.pk)
    )


# --- org defaults and policy -----------------------------------------------------------------------


@transaction.atomic
def retro_defaults_ensure(*, organization: Organization) -> None:
    """Give the org the default template and factor taxonomy if it has none (idempotent)."""
    if not RetroTemplate.objects.for_org(organization).exists():
        RetroTemplate.objects.create(
            organization=organization,
            name=defaults.DEFAULT_TEMPLATE_NAME,
            slug=defaults.DEFAULT_TEMPLATE_SLUG,
            description="The eight classic sections of a blameless postmortem.",
            sections=[{"key": k, "title": t, "prompt": p} for k, t, p in defaults.DEFAULT_SECTIONS],
            is_default=True,
        )
    if not ContributingFactor.objects.for_org(organization).exists():
        ContributingFactor.objects.bulk_create(
            ContributingFactor(organization=organization, name=name, slug=slug, description=description)
            for name, slug, description in defaults.FACTORS
        )


@transaction.atomic
def retro_settings_update(*, organization: Organization, actor: Actor, **fields: Any) -> RetroSettings:
    """Change which incidents need a retrospective and how many business days it is due after resolve."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Unknown retro settings: {sorted(unknown)}")
    if "due_business_days" in fields and not 1 <= fields["due_business_days"] <= 60:
        raise ValidationError({"due_business_days": "Choose between 1 and 60 business days."})
    if "severity_rank_max" in fields and not 0 <= fields["severity_rank_max"] <= 99:
        raise ValidationError({"severity_rank_max": "Choose a rank between 0 (none) and 99."})
    policy, _ = RetroSettings.objects.select_for_update().get_or_create(organization=organization)
    changes = {
        name: {"before": getattr(policy, name), "after": value}
        for name, value in fields.items()
        if getattr(policy, name) != value
    }
    if not changes:
        return policy
    for name in changes:
        setattr(policy, name, fields[name])
    policy.save(update_fields=[*changes, "updated_at"])
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="retro_settings.updated",
        target_type="retro_settings",
        target_label="Retrospective policy",
        changes=changes,
    )
    return policy


# --- templates ------------------------------------------------------------------------------------


def sections_clean(sections: Any) -> list[dict[str, str]]:
    """Validate a template's sections: 1-20 of {title, prompt?, key?}; keys default to the title, unique."""
    if not isinstance(sections, list) or not sections:
        raise ValidationError({"sections": "Give the template at least one section."})
    if len(sections) > MAX_SECTIONS:
        raise ValidationError({"sections": f"Keep it to {MAX_SECTIONS} sections or fewer."})
    cleaned, keys = [], set()
    for index, section in enumerate(sections, start=1):
        if not isinstance(section, dict):
            raise ValidationError({"sections": f"Section {index} must be an object with a title and a prompt."})
        title = str(section.get("title") or "").strip()
        prompt = str(section.get("prompt") or "").strip()
        if not title or len(title) > 100:
            raise ValidationError({"sections": f"Section {index} needs a title of at most 100 characters."})
        if len(prompt) > 500:
            raise ValidationError({"sections": f"The prompt of “{title}” is longer than 500 characters."})
        key = slugify(str(section.get("key") or title)).replace("-", "_")[:64]
        if not key:
            raise ValidationError({"sections": f"Section “{title}” needs a title with letters or digits."})
        if key in keys:
            raise ValidationError({"sections": f"Two sections are called “{title}”: each needs its own title."})
        keys.add(key)
        cleaned.append({"key": key, "title": title, "prompt": prompt})
    return cleaned


def _template_slug(organization: Organization, slug: str, name: str, exclude_pk: int | None = None) -> str:
    slug = slugify(slug or name)[:64]
    if not slug:
        raise ValidationError({"slug": "Give a slug with letters or digits."})
    clash = RetroTemplate.objects.for_org(organization).filter(slug=slug)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"slug": f"Another template already uses “{slug}”."})
    return slug


def _make_default(template: RetroTemplate) -> None:
    RetroTemplate.objects.for_org(template.organization).exclude(pk=template.pk).filter(is_default=True).update(
        is_default=False, updated_at=timezone.now()
    )


@transaction.atomic
def retro_template_create(
    *,
    organization: Organization,
    actor: Actor,
    name: str,
    sections: list[dict[str, str]] | None = None,
    slug: str = "",
    description: str = "",
    is_default: bool = False,
) -> RetroTemplate:
    """Add a template; without sections it copies the default ones. `is_default` moves the default flag to it."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the template."})
    if sections is None:
        sections = [{"key": k, "title": t, "prompt": p} for k, t, p in defaults.DEFAULT_SECTIONS]
    sections = sections_clean(sections)
    slug = _template_slug(organization, slug, name)
    if not RetroTemplate.objects.for_org(organization).exists():
        is_default = True
    template = RetroTemplate(
        organization=organization, name=name, slug=slug, description=description.strip(), sections=sections
    )
    if is_default:
        template.is_default = True
        RetroTemplate.objects.for_org(organization).filter(is_default=True).update(is_default=False)
    template.save()
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="retro_template.created",
        target=template,
        changes={"name": name, "slug": slug, "sections": [s["title"] for s in sections]},
    )
    return template


@transaction.atomic
def retro_template_update(*, template: RetroTemplate, actor: Actor, **fields: Any) -> RetroTemplate:
    """Rename, re-describe, change the sections (new retros only) or make it the default."""
    unknown = set(fields) - {"name", "slug", "description", "sections", "is_default"}
    if unknown:
        raise ValueError(f"Unknown template fields: {sorted(unknown)}")
    template = RetroTemplate.objects.select_for_update().get(pk=template.pk)
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError({"name": "Name the template."})
    if "slug" in fields:
        fields["slug"] = _template_slug(template.organization, fields["slug"], template.name, exclude_pk=template.pk)
    if "sections" in fields:
        fields["sections"] = sections_clean(fields["sections"])
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    if fields.get("is_default") is False and template.is_default:
        raise ValidationError({"is_default": "Make another template the default instead."})
    changes = {k: {"before": getattr(template, k), "after": v} for k, v in fields.items() if getattr(template, k) != v}
    if not changes:
        return template
    if fields.get("is_default"):
        _make_default(template)
    for name in changes:
        setattr(template, name, fields[name])
    template.save(update_fields=[*changes, "updated_at"])
    org_actions.audit_record(
        organization=template.organization,
        actor=actor,
        action="retro_template.updated",
        target=template,
        changes={k: v for k, v in changes.items() if k != "sections"}
        | ({"sections": "changed"} if "sections" in changes else {}),
    )
    return template


@transaction.atomic
def retro_template_delete(*, template: RetroTemplate, actor: Actor) -> None:
    """Delete a template that is not the default (retros written from it keep their sections)."""
    template = RetroTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_default:
        raise ValidationError({"is_default": "The default template cannot be deleted: make another one the default."})
    org_actions.audit_record(
        organization=template.organization, actor=actor, action="retro_template.deleted", target=template
    )
    template.delete()


# --- contributing factors -------------------------------------------------------------------------


def _factor_check(organization: Organization, name: str, slug: str, exclude_pk: int | None = None) -> None:
    others = ContributingFactor.objects.for_org(organization)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if others.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a factor called “{name}”."})
    if others.filter(slug=slug).exists():
        raise ValidationError({"slug": f"Another factor already uses “{slug}”."})


@transaction.atomic
def contributing_factor_create(
    *, organization: Organization, actor: Actor, name: str, slug: str = "", description: str = ""
) -> ContributingFactor:
    """Add a tag to the org's contributing-factor taxonomy."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the factor."})
    slug = slugify(slug or name)[:64]
    if not slug:
        raise ValidationError({"slug": "Give a slug with letters or digits."})
    _factor_check(organization, name, slug)
    factor = ContributingFactor.objects.create(
        organization=organization, name=name, slug=slug, description=(description or "").strip()
    )
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="contributing_factor.created",
        target=factor,
        changes={"name": name, "slug": slug},
    )
    return factor


@transaction.atomic
def contributing_factor_update(*, factor: ContributingFactor, actor: Actor, **fields: Any) -> ContributingFactor:
    """Rename or re-describe a factor; retros tagged with it follow."""
    unknown = set(fields) - {"name", "slug", "description"}
    if unknown:
        raise ValueError(f"Unknown factor fields: {sorted(unknown)}")
    factor = ContributingFactor.objects.select_for_update().get(pk=factor.pk)
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError({"name": "Name the factor."})
    if "slug" in fields:
        fields["slug"] = slugify(fields["slug"] or fields.get("name") or factor.name)[:64]
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    _factor_check(factor.organization, fields.get("name", factor.name), fields.get("slug", factor.slug), factor.pk)
    changes = {k: {"before": getattr(factor, k), "after": v} for k, v in fields.items() if getattr(factor, k) != v}
    if not changes:
        return factor
    for name in changes:
        setattr(factor, name, fields[name])
    factor.save(update_fields=[*changes, "updated_at"])
    org_actions.audit_record(
        organization=factor.organization,
        actor=actor,
        action="contributing_factor.updated",
        target=factor,
        changes=changes,
    )
    return factor


@transaction.atomic
def contributing_factor_delete(*, factor: ContributingFactor, actor: Actor) -> None:
    """Remove a factor from the taxonomy and from every retrospective tagged with it."""
    factor = ContributingFactor.objects.select_for_update().get(pk=factor.pk)
    used = RetroFactor.objects.filter(factor=factor).count()
    org_actions.audit_record(
        organization=factor.organization,
        actor=actor,
        action="contributing_factor.deleted",
        target=factor,
        changes={"retrospectives": used},
    )
    factor.delete()


# --- retrospectives ---------------------------------------------------------------------------------


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
        fields += ["published_at", "published_by"]
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
    return retrospective


# --- reminders ---------------------------------------------------------------------------------------


def retrospective_reminders_send(*, now: datetime | None = None) -> int:
    """Email owners of unpublished retros due within a day or overdue; returns how many were sent.

    Idempotent through `reminded_at`: one "due soon" and one "overdue" email per due date at most. Each row is
    stamped only if it still needs it (conditional update), and the email goes out after, outside any lock.
    """
    now = now or timezone.now()
    sent = 0
    for retrospective in selectors.retrospectives_to_remind(now=now):
        overdue = retrospective.due_at < now
        claim = Retrospective.objects.filter(pk=retrospective.pk, reminded_at=retrospective.reminded_at).exclude(
            status=RetrospectiveStatus.PUBLISHED
        )
        if not claim.update(reminded_at=now):
            continue  # another worker took it, or it was published meanwhile
        incident = retrospective.incident
        url = settings.SITE_URL + retrospective_path(retrospective)
        due = retrospective.due_at.strftime("%Y-%m-%d %H:%M UTC")
        subject = (
            f"Overdue: retrospective of {incident.reference}"
            if overdue
            else f"Due soon: retrospective of {incident.reference}"
        )
        body = (
            f"The retrospective of {incident.reference} ({retrospective.title}) in {retrospective.organization.name} "
            f"{'was due' if overdue else 'is due'} {due}. It is {retrospective.get_status_display().lower()}.\n\n"
            f"Open it: {url}\n"
        )
        try:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[retrospective.owner.email])
        except OSError:
            logger.exception("Reminder for retrospective %s not sent", retrospective.pk)
            Retrospective.objects.filter(pk=retrospective.pk, reminded_at=now).update(
                reminded_at=retrospective.reminded_at
            )
            continue
        sent += 1
    return sent
