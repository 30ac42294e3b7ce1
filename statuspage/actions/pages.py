"""Writes of an org's status pages (admin-only, audited in the same transaction, each publishing
`status_page.changed`): create, update (the viewer allow-list included), delete, the logo, and removing a
subscriber. One page per org is the default (shown at /status/<org-slug>/): the first page becomes it, making
another page the default moves the mark, and the default page cannot be deleted while other pages exist."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core import events
from core.text import slug_from
from core.timefmt import validate_time_zone
from orgs import actions as org_actions
from orgs.models import Membership, Organization, User
from orgs.tenancy import Actor
from statuspage import rules
from statuspage.events import StatusPageChanged
from statuspage.models import LOGO_MAX_BYTES, LogoContentType, StatusPage, StatusPageViewer, Subscriber

PAGE_FIELDS = ("title", "slug", "description", "time_zone", "is_public", "is_default", "custom_domain")
SLUG_MAX_LENGTH = 50
# The first bytes of each accepted image type: the type is what the bytes are, not what the upload says.
LOGO_SIGNATURES = {
    LogoContentType.PNG: (b"\x89PNG\r\n\x1a\n",),
    LogoContentType.JPEG: (b"\xff\xd8\xff",),
}


def _audit(page: StatusPage, actor: Actor, action: str, changes: dict[str, Any] | None = None) -> None:
    org_actions.audit_record(
        organization=page.organization,
        actor=actor,
        action=action,
        target_type="status_page",
        target_id=str(page.uuid),
        target_label=page.title,
        changes=changes,
    )


def _publish(page: StatusPage, actor: Actor, change: str, fields: Iterable[str] = ()) -> None:
    events.publish(
        StatusPageChanged(
            organization_id=page.organization_id,
            actor=actor,
            change=change,
            page_id=page.pk,
            slug=page.slug,
            fields=tuple(fields),
        )
    )


def _check(*, organization: Organization, fields: dict[str, Any], exclude_pk: int | None) -> None:
    if "title" in fields and not fields["title"].strip():
        raise ValidationError({"title": "Give the page a title (what visitors see at the top)."})
    if "slug" in fields:
        if not fields["slug"]:
            raise ValidationError({"slug": "The slug cannot be empty."})
        if fields["slug"] in rules.RESERVED_PAGE_SLUGS:
            raise ValidationError(
                {"slug": f"{fields['slug']} is a path of the status page itself; choose another slug."}
            )
        if StatusPage.objects.for_org(organization).filter(slug=fields["slug"]).exclude(pk=exclude_pk).exists():
            raise ValidationError({"slug": f"Another status page already uses the slug {fields['slug']}."})
    if "time_zone" in fields:
        try:
            validate_time_zone(fields["time_zone"])
        except ValidationError as exc:
            raise ValidationError({"time_zone": exc.messages}) from exc


def _viewers_check(organization: Organization, viewers: Iterable[User]) -> list[User]:
    viewers = list(dict.fromkeys(viewers))
    members = set(
        Membership.objects.filter(organization=organization, user__in=viewers).values_list("user_id", flat=True)
    )
    if any(user.pk not in members for user in viewers):
        raise ValidationError({"allowed_viewers": "Only members of this organization can be allowed viewers."})
    return viewers


def _viewers_set(page: StatusPage, viewers: list[User]) -> bool:
    """Make the allow-list exactly `viewers`; whether it changed."""
    current = set(StatusPageViewer.objects.filter(page=page).values_list("user_id", flat=True))
    wanted = {user.pk for user in viewers}
    if current == wanted:
        return False
    StatusPageViewer.objects.filter(page=page).exclude(user_id__in=wanted).delete()
    StatusPageViewer.objects.bulk_create(
        StatusPageViewer(organization=page.organization, page=page, user=user)
        for user in viewers
        if user.pk not in current
    )
    return True


def _take_default(page: StatusPage) -> None:
    """Make `page` the org's only default page (the caller holds the org's pages locked)."""
    StatusPage.objects.for_org(page.organization).filter(is_default=True).exclude(pk=page.pk).update(is_default=False)


@transaction.atomic
def status_page_create(
    *,
    organization: Organization,
    actor: Actor,
    title: str,
    slug: str = "",
    description: str = "",
    time_zone: str = "UTC",
    is_public: bool = True,
    is_default: bool = False,
    custom_domain: str = "",
    allowed_viewers: Iterable[User] = (),
) -> StatusPage:
    """Create a status page; the org's first page is its default whatever `is_default` says."""
    pages = list(StatusPage.objects.for_org(organization).select_for_update())
    slug = slug or slug_from(title, SLUG_MAX_LENGTH) or "status"
    fields = {
        "title": title.strip(),
        "slug": slug,
        "description": description,
        "time_zone": time_zone,
        "is_public": is_public,
        "is_default": is_default or not pages,
        "custom_domain": custom_domain.strip(),
    }
    _check(organization=organization, fields=fields, exclude_pk=None)
    viewers = _viewers_check(organization, allowed_viewers)
    if fields["is_default"]:
        StatusPage.objects.for_org(organization).filter(is_default=True).update(is_default=False)
    page = StatusPage.objects.create(organization=organization, **fields)
    _viewers_set(page, viewers)
    _audit(page, actor, "status_page.created", {**fields, "allowed_viewers": sorted(u.email for u in viewers)})
    _publish(page, actor, "created")
    return page


@transaction.atomic
def status_page_update(*, page: StatusPage, actor: Actor, **fields: Any) -> StatusPage:
    """Change a page's settings (any of PAGE_FIELDS, and `allowed_viewers`). Making it the default takes the mark
    from the org's other default; the default page cannot stop being it (make another page the default)."""
    unknown = set(fields) - {*PAGE_FIELDS, "allowed_viewers"}
    if unknown:
        raise TypeError(f"status_page_update got unknown fields {sorted(unknown)}")
    list(StatusPage.objects.for_org(page.organization).select_for_update())
    page = StatusPage.objects.get(pk=page.pk)
    viewers = fields.pop("allowed_viewers", None)
    if "title" in fields:
        fields["title"] = fields["title"].strip()
    if "custom_domain" in fields:
        fields["custom_domain"] = fields["custom_domain"].strip()
    _check(organization=page.organization, fields=fields, exclude_pk=page.pk)
    if page.is_default and fields.get("is_default") is False:
        raise ValidationError({"is_default": "This is the default page: make another page the default instead."})
    changes = {k: {"before": getattr(page, k), "after": v} for k, v in fields.items() if getattr(page, k) != v}
    if viewers is not None:
        viewers = _viewers_check(page.organization, viewers)
        before = sorted(page.allowed_viewers.values_list("email", flat=True))
        if _viewers_set(page, viewers):
            changes["allowed_viewers"] = {"before": before, "after": sorted(u.email for u in viewers)}
    if not changes:
        return page
    if fields.get("is_default"):
        _take_default(page)
    for name, value in fields.items():
        setattr(page, name, value)
    page.save(update_fields=[*fields, "updated_at"])
    _audit(page, actor, "status_page.updated", changes)
    _publish(page, actor, "updated", changes)
    return page


@transaction.atomic
def status_page_delete(*, page: StatusPage, actor: Actor) -> None:
    """Delete a page with its components, incidents' public records, maintenance and subscribers. The default
    page goes last: while other pages exist, make one of them the default first."""
    others = StatusPage.objects.for_org(page.organization).select_for_update().exclude(pk=page.pk)
    if page.is_default and others.exists():
        raise ValidationError("This is the default page: make another page the default before deleting it.")
    _audit(page, actor, "status_page.deleted", {"slug": page.slug})
    _publish(page, actor, "deleted")
    page.delete()


def logo_content_type(content: bytes) -> str:
    """The accepted image type `content` is (png, jpeg or webp, by its first bytes), or a ValidationError."""
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationError({"logo": f"The logo is {len(content) // 1024} KiB; at most 256 KiB."})
    for content_type, signatures in LOGO_SIGNATURES.items():
        if content.startswith(signatures):
            return content_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return LogoContentType.WEBP
    raise ValidationError({"logo": "The logo must be a PNG, JPEG or WebP image."})


@transaction.atomic
def status_page_logo_set(*, page: StatusPage, actor: Actor, content: bytes | None) -> StatusPage:
    """Store a new logo (≤ 256 KiB, png/jpeg/webp by its bytes), or remove it with `content=None`."""
    page = StatusPage.objects.select_for_update().get(pk=page.pk)
    content_type = logo_content_type(content) if content is not None else ""
    if content is None and not page.logo_content_type:
        return page
    page.logo_bytes = content
    page.logo_content_type = content_type
    page.save(update_fields=["logo_bytes", "logo_content_type", "updated_at"])
    change = {"logo": {"content_type": content_type, "bytes": len(content)} if content is not None else None}
    _audit(page, actor, "status_page.logo_changed", change)
    _publish(page, actor, "updated", ["logo"])
    return page


@transaction.atomic
def subscriber_remove(*, subscriber: Subscriber, actor: Actor) -> None:
    """An admin removes a subscriber (no more mail to the address; it may sign up again)."""
    org_actions.audit_record(
        organization=subscriber.organization,
        actor=actor,
        action="status_page.subscriber_removed",
        target_type="subscriber",
        target_id=str(subscriber.uuid),
        target_label=subscriber.email,
        changes={"page": subscriber.page.slug},
    )
    subscriber.delete()
