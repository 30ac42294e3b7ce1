"""Org A's rows of the retros app for tests/orgs/test_tenancy.py, and the lookups naming them.

`build(a)` runs at the end of the org_a fixture and returns objects stored in `a.extra`; the lookups
read them back from there (`a.extra["..."]`).

Org A gets its own template and factor first, so the org defaults ("standard", "change", …) are never created
for it: their slugs are common words that would be "found" in any response.
"""

from collections.abc import Callable
from typing import Any

from orgs.tenancy import Actor
from retros import actions

ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "retrospective": lambda a: {"number": str(a.incident.number)},
    "retro-template": lambda a: {"slug": a.extra["retro_template"].slug},
    "contributing-factor": lambda a: {"slug": a.extra["contributing_factor"].slug},
}
PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    **{
        f"retros:retrospective-{name}": lambda a: {"number": str(a.incident.number)}
        for name in ("detail", "create", "print", "edit", "transition", "milestones")
    },
    "retros:retrospective-action-item-add": lambda a: {"number": str(a.incident.number)},
    "retros:retro-template-update": lambda a: {"slug": a.extra["retro_template"].slug},
    "retros:retro-template-delete": lambda a: {"slug": a.extra["retro_template"].slug},
    "retros:contributing-factor-update": lambda a: {"slug": a.extra["contributing_factor"].slug},
    "retros:contributing-factor-delete": lambda a: {"slug": a.extra["contributing_factor"].slug},
}


def build(a: Any) -> dict[str, Any]:
    """Create org A's rows of this app (every model the API or pages expose needs one)."""
    owner = Actor(user=a.owner.user)
    template = actions.retro_template_create(
        organization=a.organization,
        actor=owner,
        name="Acme Postmortem",
        slug="acme-postmortem",
        sections=[{"title": "Summary", "prompt": "What happened at acme?"}, {"title": "Timeline"}],
        is_default=True,
    )
    factor = actions.contributing_factor_create(organization=a.organization, actor=owner, name="Acme Ledger Drift")
    retrospective = actions.retrospective_create(incident=a.incident, actor=owner, template=template)
    actions.retrospective_update(
        retrospective=retrospective, actor=owner, factors=[factor], reviewers=[a.second_member.user]
    )
    return {"retro_template": template, "contributing_factor": factor, "retrospective": retrospective}
