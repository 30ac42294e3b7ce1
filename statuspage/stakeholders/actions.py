"""Stakeholder updates: the org's audiences and templates (admins), and sending an update from an incident
(responders). Every write is audited in its own transaction; the keyword-only signatures are what the pages
and the REST API both call.

A webhook URL is a secret: it is never written to the audit log, and what pages and the API show of it is
`webhook_url_masked()`. It is checked by the outbound guard (core/outbound.py) when saved — an address of
the server's own network is refused at once — and again at every send.

Sending creates one StakeholderUpdate and one StakeholderDelivery per audience in the incident's
transaction, records the send on the incident's timeline, and enqueues the deliveries after commit
(statuspage.stakeholders.delivery sends them). A drill's update goes out like any other, marked [DRILL].
"""

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from core import outbound
from incidents import actions as incident_actions
from incidents.models import Incident, TimelineKind
from orgs import actions as org_actions
from orgs.models import Organization
from orgs.tenancy import Actor
from statuspage.models import (
    Audience,
    AudienceKind,
    StakeholderDelivery,
    StakeholderTemplate,
    StakeholderUpdate,
)
from statuspage.stakeholders import payloads

MAX_EMAILS = 200
MAX_AUDIENCES_PER_SEND = 50
MESSAGE_MAX = 4000
WEBHOOK_KINDS = (AudienceKind.SLACK, AudienceKind.MATTERMOST, AudienceKind.TEAMS)


# --- validation (forms and the API call these too) -----------------------------------------------------------


def emails_parse(text: str) -> list[str]:
    """The addresses of an email audience: one per line (commas and semicolons also separate), each checked,
    duplicates dropped (case-insensitive), at most MAX_EMAILS. ValidationError names the bad ones."""
    raw = [part.strip() for line in text.splitlines() for part in line.replace(";", ",").split(",")]
    found, seen, bad = [], set(), []
    for address in filter(None, raw):
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
            continue
        if address.lower() not in seen:
            seen.add(address.lower())
            found.append(address)
    if bad:
        raise ValidationError(f"Not an email address: {', '.join(bad[:5])}.")
    if not found:
        raise ValidationError("List at least one email address, one per line.")
    if len(found) > MAX_EMAILS:
        raise ValidationError(f"At most {MAX_EMAILS} addresses per audience.")
    return found


def webhook_url_check(url: str) -> str:
    """A webhook URL as it will be stored (trimmed): http(s), no credentials, and not refused by the outbound
    guard (an address of the server's own network, unless the operator allowed it). ValidationError says why."""
    url = url.strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError as exc:
        raise ValidationError("Enter the webhook's full URL (https://…).") from exc
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValidationError("The URL must not carry a user name or password.")
    refusal = outbound.refusal(url)
    if refusal:
        raise ValidationError(f"This URL cannot be used: {refusal}.")
    return url


def webhook_url_masked(url: str) -> str:
    """What is shown of a saved webhook URL: its scheme and host only (the path is the secret)."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def _audience_clean(*, kind: str, emails: str, webhook_url: str) -> tuple[str, str]:
    """(emails, webhook_url) as stored for this kind; the other one is emptied."""
    if kind not in AudienceKind.values:
        raise ValidationError({"kind": f"Unknown audience kind “{kind}”."})
    if kind == AudienceKind.EMAIL:
        try:
            return "\n".join(emails_parse(emails)), ""
        except ValidationError as exc:
            raise ValidationError({"emails": exc.messages}) from exc
    if not webhook_url.strip():
        raise ValidationError({"webhook_url": "Paste the incoming webhook's URL."})
    try:
        return "", webhook_url_check(webhook_url)
    except ValidationError as exc:
        raise ValidationError({"webhook_url": exc.messages}) from exc


def _name_free(*, organization: Organization, model: type, name: str, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give it a name."})
    taken = model.objects.for_org(organization).filter(name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"name": f"“{name}” is already taken."})
    return name


def _audit(*, organization: Organization, actor: Actor, action: str, target: object, changes: dict) -> None:
    org_actions.audit_record(organization=organization, actor=actor, action=action, target=target, changes=changes)


# --- audiences (admins) --------------------------------------------------------------------------------------


@transaction.atomic
def audience_create(
    *,
    organization: Organization,
    actor: Actor,
    name: str,
    kind: str,
    emails: str = "",
    webhook_url: str = "",
    active: bool = True,
) -> Audience:
    """Add an audience: `kind` email with `emails` (one address per line), or slack / mattermost / teams with
    `webhook_url` (checked by the outbound guard now and at every send). ValidationError by field."""
    name = _name_free(organization=organization, model=Audience, name=name)
    emails, webhook_url = _audience_clean(kind=kind, emails=emails, webhook_url=webhook_url)
    audience = Audience.objects.create(
        organization=organization, name=name, kind=kind, emails=emails, webhook_url=webhook_url, active=active
    )
    changes = {"name": name, "kind": kind, "active": active, "emails": len(emails.splitlines())}
    _audit(organization=organization, actor=actor, action="audience.created", target=audience, changes=changes)
    return audience


@transaction.atomic
def audience_update(
    *,
    audience: Audience,
    actor: Actor,
    name: str | None = None,
    emails: str | None = None,
    webhook_url: str | None = None,
    active: bool | None = None,
) -> Audience:
    """Change an audience (its kind stays). None or an empty `webhook_url` keeps the saved URL (it is never
    shown again, so a form cannot send it back); a new one replaces it after the same checks."""
    organization = audience.organization
    changes: dict[str, object] = {}
    if name is not None and name.strip() != audience.name:
        audience.name = _name_free(organization=organization, model=Audience, name=name, exclude_pk=audience.pk)
        changes["name"] = audience.name
    new_emails = audience.emails if emails is None else emails
    new_url = webhook_url if webhook_url and webhook_url.strip() else audience.webhook_url
    cleaned_emails, cleaned_url = _audience_clean(kind=audience.kind, emails=new_emails, webhook_url=new_url)
    if cleaned_emails != audience.emails:
        audience.emails, changes["emails"] = cleaned_emails, len(cleaned_emails.splitlines())
    if cleaned_url != audience.webhook_url:
        audience.webhook_url, changes["webhook_url"] = cleaned_url, "replaced"
    if active is not None and active != audience.active:
        audience.active = changes["active"] = active
    if changes:
        audience.save()
        _audit(organization=organization, actor=actor, action="audience.updated", target=audience, changes=changes)
    return audience


@transaction.atomic
def audience_delete(*, audience: Audience, actor: Actor) -> None:
    """Remove an audience (and its delivery rows: the timeline keeps the record of each send)."""
    _audit(organization=audience.organization, actor=actor, action="audience.deleted", target=audience, changes={})
    audience.delete()


# --- templates (admins) --------------------------------------------------------------------------------------


def template_body_check(body: str) -> str:
    """A template body as stored; ValidationError for an unknown placeholder or a malformed one."""
    if not body.strip():
        raise ValidationError({"body": "Write the template's text."})
    try:
        payloads.template_fields(body)
    except payloads.TemplateError as exc:
        raise ValidationError({"body": str(exc)}) from exc
    return body


@transaction.atomic
def template_create(*, organization: Organization, actor: Actor, name: str, body: str) -> StakeholderTemplate:
    """Add a template; `body` may use {incident.title}, {incident.number}, {incident.status},
    {incident.severity}, {incident.url} and {message}. ValidationError by field."""
    name = _name_free(organization=organization, model=StakeholderTemplate, name=name)
    template = StakeholderTemplate.objects.create(organization=organization, name=name, body=template_body_check(body))
    _audit(
        organization=organization,
        actor=actor,
        action="stakeholder_template.created",
        target=template,
        changes={"name": name},
    )
    return template


@transaction.atomic
def template_update(
    *, template: StakeholderTemplate, actor: Actor, name: str | None = None, body: str | None = None
) -> StakeholderTemplate:
    """Rename a template or change its body (same checks as template_create)."""
    changes: dict[str, object] = {}
    if name is not None and name.strip() != template.name:
        template.name = _name_free(
            organization=template.organization, model=StakeholderTemplate, name=name, exclude_pk=template.pk
        )
        changes["name"] = template.name
    if body is not None and body != template.body:
        template.body, changes["body"] = template_body_check(body), "changed"
    if changes:
        template.save()
        _audit(
            organization=template.organization,
            actor=actor,
            action="stakeholder_template.updated",
            target=template,
            changes=changes,
        )
    return template


@transaction.atomic
def template_delete(*, template: StakeholderTemplate, actor: Actor) -> None:
    """Remove a template (updates sent with it keep their text)."""
    _audit(
        organization=template.organization,
        actor=actor,
        action="stakeholder_template.deleted",
        target=template,
        changes={},
    )
    template.delete()


# --- sending (responders) ------------------------------------------------------------------------------------


def incident_values(*, incident: Incident, message: str) -> dict[str, str]:
    """The fixed dict templates are filled from, for this incident now."""
    from statuspage.stakeholders import delivery

    return payloads.values_for(
        reference=incident.reference,
        number=incident.number,
        title=incident.title,
        status=incident.get_status_display(),
        severity=incident.severity.name,
        url=delivery.incident_url(incident),
        message=message,
    )


def update_text(*, incident: Incident, message: str, template: StakeholderTemplate | None) -> str:
    """The update's text: the template filled in with this incident and `message`, or the message alone."""
    values = incident_values(incident=incident, message=message)
    try:
        return payloads.render(values=values, template_body=template.body if template else "").text
    except payloads.TemplateError as exc:
        raise ValidationError({"template": str(exc)}) from exc


@transaction.atomic
def stakeholder_update_send(
    *,
    incident: Incident,
    actor: Actor,
    audiences: Iterable[Audience],
    message: str,
    template: StakeholderTemplate | None = None,
) -> StakeholderUpdate:
    """Send `message` (through `template` if given) to `audiences` of the incident's org.

    Stores the update with its text as sent (the template filled in; `message` on the row), one pending
    delivery per audience, a note on the incident's timeline naming the audiences, and an audit entry; the
    deliveries are enqueued after commit. ValidationError: no audience, an inactive one or another org's,
    an empty or over-long message, a template of another org. A drill's update is sent, marked [DRILL]."""
    audiences = list(dict.fromkeys(audiences))
    message = message.strip()
    errors: dict[str, str] = {}
    if not audiences:
        errors["audiences"] = "Choose at least one audience."
    elif len(audiences) > MAX_AUDIENCES_PER_SEND:
        errors["audiences"] = f"At most {MAX_AUDIENCES_PER_SEND} audiences at once."
    elif any(a.organization_id != incident.organization_id or not a.active for a in audiences):
        errors["audiences"] = "Choose active audiences of this organization."
    if not message:
        errors["message"] = "Write the update."
    elif len(message) > MESSAGE_MAX:
        errors["message"] = f"At most {MESSAGE_MAX} characters."
    if template is not None and template.organization_id != incident.organization_id:
        errors["template"] = "Choose a template of this organization."
    if errors:
        raise ValidationError(errors)
    text = update_text(incident=incident, message=message, template=template)
    update = StakeholderUpdate.objects.create(
        organization_id=incident.organization_id, incident=incident, message=text, author=actor.user, template=template
    )
    deliveries = StakeholderDelivery.objects.bulk_create(
        StakeholderDelivery(organization_id=incident.organization_id, update=update, audience=audience)
        for audience in audiences
    )
    names = ", ".join(f"{a.name} ({a.get_kind_display()})" for a in audiences)
    drill = payloads.DRILL_PREFIX if incident.is_drill else ""
    incident_actions.timeline_event_add(
        incident=incident,
        kind=TimelineKind.NOTE,
        actor=actor,
        payload={"stakeholder_update": str(update.uuid), "audiences": [str(a.uuid) for a in audiences]},
        body=f"**Stakeholder update** sent to {names}:\n\n> {drill}" + text.replace("\n", "\n> "),
        audit_action="stakeholder_update.sent",
    )
    from statuspage.stakeholders import delivery

    delivery.enqueue_on_commit([row.pk for row in deliveries])
    return update
