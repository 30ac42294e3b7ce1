"""An org's retro configuration: its defaults and policy (which incidents need a retrospective, when it is
due), its retro templates and its contributing factor taxonomy."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from orgs import actions as org_actions
from orgs.models import Organization
from orgs.tenancy import Actor
from retros import defaults
from retros.models import ContributingFactor, RetroFactor, RetroSettings, RetroTemplate

SETTINGS_FIELDS = ("severity_rank_max", "include_major", "include_drills", "due_business_days")


MAX_SECTIONS = 20


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
