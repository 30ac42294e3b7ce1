"""What every write to alert groups shares: publishing that their rows changed (one event per organization,
however many groups), and the lock and audit record of a group a person acts on."""

from alerting.events import AlertGroupsChanged
from alerting.models import AlertGroup
from core import events
from orgs import actions as org_actions
from orgs.tenancy import Actor


def by_org(groups: list[AlertGroup]) -> dict[int, list[AlertGroup]]:
    by_org: dict[int, list[AlertGroup]] = {}
    for group in groups:
        by_org.setdefault(group.organization_id, []).append(group)
    return by_org


def groups_changed(groups: list[AlertGroup], *, actor: Actor) -> None:
    """Publish that these groups' rows changed: one event per organization, whatever the number of groups."""
    for organization_id, of_org in by_org(groups).items():
        ids = tuple(dict.fromkeys(group.pk for group in of_org))
        events.publish(AlertGroupsChanged(organization_id=organization_id, actor=actor, group_ids=ids))


def lock_group(group: AlertGroup) -> AlertGroup:
    return AlertGroup.objects.select_for_update(of=("self",)).select_related("organization").get(pk=group.pk)


def group_audit(group: AlertGroup, actor: Actor, action: str, changes: dict | None = None) -> None:
    org_actions.audit_record(
        organization=group.organization,
        actor=actor,
        action=f"alert_group.{action}",
        target_type="alertgroup",
        target_id=str(group.uuid),
        target_label=group.title[:200],
        changes=changes or {},
    )
