"""The retrospective editor's one Save: the details and every section in one transaction, all or nothing, with an
optimistic-concurrency check per field so that one person's save never silently overwrites what another person
saved while they were typing.

The editor sends, with what is typed, the fingerprint of every field as it was when the page was loaded (its
"base"). For each field:
- typed == stored: nothing to do;
- typed == base (this person did not touch it) while stored moved on: the other person's text stays;
- stored == base (nobody else touched it): the typed text is saved;
- all three differ: a conflict. Nothing at all is saved; the editor shows the other version next to the typed
  text (which is kept) and takes the other version as the new base, so saving again is a deliberate choice.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core import limits, timefmt
from orgs import selectors as org_selectors
from orgs.tenancy import Actor
from retros import actions
from retros.models import RetroSection, Retrospective

DETAIL_FIELDS = ("title", "owner", "due_at", "reviewers", "factors")
DETAIL_LABELS = {
    "title": "Title",
    "owner": "Owner",
    "due_at": "Due date",
    "reviewers": "Reviewers",
    "factors": "Contributing factors",
}
SECTION = "section-"  # a section's field name is SECTION + its key
MAX_SECTION_LENGTH = limits.LONG_TEXT_MAX_CHARS  # one section, as the API takes it


def section_field(key: str) -> str:
    return SECTION + key


def normalize_body(text: str | None) -> str:
    """A section's text as stored: browsers send CRLF line ends, and surrounding blank space is not content."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _canonical(name: str, value: Any) -> Any:
    """A JSON value equal for equal content, whatever its type (model instances, querysets, datetimes)."""
    if name.startswith(SECTION):
        return normalize_body(value)
    if name == "title":
        return (value or "").strip()
    if name == "owner":
        return str(value.uuid) if value else ""
    if name == "due_at":  # to the minute, as the editor's field shows it
        return value.replace(second=0, microsecond=0).isoformat() if value else ""
    if name == "reviewers":
        return sorted(str(user.uuid) for user in value or [])
    if name == "factors":
        return sorted(factor.slug for factor in value or [])
    raise ValueError(f"Unknown retrospective field {name!r}")


def fingerprint(name: str, value: Any) -> str:
    data = json.dumps(_canonical(name, value), separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _stored(retrospective: Retrospective, sections: list[RetroSection]) -> dict[str, Any]:
    """Every editable field's stored value, by field name."""
    values: dict[str, Any] = {
        "title": retrospective.title,
        "owner": retrospective.owner,
        "due_at": retrospective.due_at,
        "reviewers": [link.user for link in retrospective.reviewer_links.select_related("user")],
        "factors": [link.factor for link in retrospective.factor_links.select_related("factor")],
    }
    values.update({section_field(section.key): section.body for section in sections})
    return values


def retrospective_fingerprints(*, retrospective: Retrospective) -> dict[str, str]:
    """The base the editor is loaded with: each field's fingerprint as stored now."""
    sections = list(RetroSection.objects.filter(retrospective=retrospective))
    return {name: fingerprint(name, value) for name, value in _stored(retrospective, sections).items()}


@dataclass(frozen=True)
class Conflict:
    """A field someone else saved while this person changed it too: what is stored now, and who saved last."""

    field: str
    label: str
    theirs: str
    saved_at: datetime
    saved_by: str


class EditConflict(Exception):
    """Nothing was saved: `conflicts` changed under the editor. `base` holds their stored fingerprints."""

    def __init__(self, conflicts: list[Conflict], base: dict[str, str]) -> None:
        super().__init__(", ".join(conflict.label for conflict in conflicts))
        self.conflicts = conflicts
        self.base = base


def _display(name: str, value: Any) -> str:
    if name.startswith(SECTION) or name == "title":
        return value or ""
    if name == "owner":
        return value.display_name if value else "Nobody"
    if name == "due_at":
        return timefmt.display_text(value, "datetime") if value else "No due date"
    if name == "reviewers":
        return ", ".join(sorted(user.display_name for user in value)) or "Nobody"
    return ", ".join(sorted(factor.name for factor in value)) or "None"


def _last_editor(retrospective: Retrospective) -> str:
    event = (
        org_selectors.audit_event_list(
            organization=retrospective.organization, action="retrospective.", target_type="retrospective"
        )
        .filter(target_id=str(retrospective.incident.number))
        .select_related("actor_user")
        .first()
    )
    if event is None:
        return "Someone"
    return event.actor_user.display_name if event.actor_user else event.actor_label


@transaction.atomic
def retrospective_edit(
    *,
    retrospective: Retrospective,
    actor: Actor,
    details: dict[str, Any],
    sections: dict[str, str],
    base: dict[str, str],
) -> list[str]:
    """Save the details and sections this person changed (see the module docstring): all or nothing. Returns the
    labels of the fields saved (empty when nothing changed). Raises EditConflict, or ValidationError like the
    single-field actions (a published retrospective, a viewer as owner, an unknown section)."""
    locked = Retrospective.objects.select_for_update(of=("self",)).select_related("incident").get(pk=retrospective.pk)
    if locked.is_published:
        raise ValidationError({"status": "This retrospective is published: reopen it as a draft to edit it."})
    stored_sections = {section.key: section for section in RetroSection.objects.filter(retrospective=locked)}
    unknown = sorted(set(sections) - set(stored_sections))
    if unknown:
        raise ValidationError({"section": f"This retrospective has no section “{unknown[0]}”."})
    stored = _stored(locked, list(stored_sections.values()))
    typed = {section_field(key): body for key, body in sections.items()}
    typed.update({name: details[name] for name in DETAIL_FIELDS if name in details})
    labels = {**DETAIL_LABELS, **{section_field(key): s.title for key, s in stored_sections.items()}}

    changed: dict[str, Any] = {}
    conflicting: list[str] = []
    for name, value in typed.items():
        mine, theirs, was = fingerprint(name, value), fingerprint(name, stored[name]), base.get(name)
        if mine in (theirs, was):
            continue  # nothing to save, or not this person's change (a newer stored value stays)
        if was is not None and theirs != was:
            conflicting.append(name)
        else:
            changed[name] = value
    if conflicting:
        editor = _last_editor(locked)
        conflicts = []
        for name in conflicting:
            section = stored_sections.get(name.removeprefix(SECTION)) if name.startswith(SECTION) else None
            saved_at = section.updated_at if section else locked.updated_at
            conflicts.append(Conflict(name, labels[name], _display(name, stored[name]), saved_at, editor))
        raise EditConflict(conflicts, base={name: fingerprint(name, stored[name]) for name in conflicting})

    detail_changes = {name: value for name, value in changed.items() if not name.startswith(SECTION)}
    if detail_changes:
        actions.retrospective_update(retrospective=locked, actor=actor, **detail_changes)
    for name, body in changed.items():
        if name.startswith(SECTION):
            key = name.removeprefix(SECTION)
            actions.retrospective_section_update(retrospective=locked, key=key, body=normalize_body(body), actor=actor)
    return [labels[name] for name in changed]
