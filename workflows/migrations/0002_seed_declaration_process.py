"""Existing organizations get the seeded "Declaration process" workflow that new ones get on organization.created
(workflows/actions/seed.py; the definition is copied here so that later edits of the seed do not change history)."""

import uuid

from django.db import migrations

SEED_KEY = "declaration-process"
NAME = "Declaration process"
DESCRIPTION = (
    "For major incidents: the commander is the on-call of the first affected service, who gets the commander's "
    "checklist; the first internal update goes out and the Communications Lead is paged. Publishing to the status "
    "page is off until you configure it."
)
CONDITIONS = [{"field": "severity_major", "operator": "is", "value": True}]
ACTIONS = [
    {
        "action": "assign_role",
        "params": {"role": "incident-commander", "to": {"kind": "service_oncall"}},
        "delay_seconds": 0,
        "enabled": True,
    },
    {
        "action": "add_tasks",
        "params": {"from_role": "incident-commander", "assignee": {"kind": "role", "role": "incident-commander"}},
        "delay_seconds": 0,
        "enabled": True,
    },
    {
        "action": "post_status_update",
        "params": {
            "message": "{{ incident.reference }} declared ({{ incident.severity }}): {{ incident.title }}. "
            "Commander: {{ commander }}. Next update in 30 minutes.",
            "visibility": "internal",
        },
        "delay_seconds": 0,
        "enabled": True,
    },
    {
        "action": "page",
        "params": {
            "target": {"kind": "role", "role": "communications-lead"},
            "message": "You are needed as Communications Lead on {{ incident.reference }}",
        },
        "delay_seconds": 0,
        "enabled": True,
    },
    {
        "action": "publish_status_page",
        "params": {"status_page": "default", "message": "We are investigating an issue: {{ incident.title }}"},
        "delay_seconds": 0,
        "enabled": False,
    },
]


def seed(apps, schema_editor):
    Organization = apps.get_model("orgs", "Organization")
    Workflow = apps.get_model("workflows", "Workflow")
    seeded = set(Workflow.objects.filter(seed_key=SEED_KEY).values_list("organization_id", flat=True))
    named = set(Workflow.objects.filter(name__iexact=NAME).values_list("organization_id", flat=True))
    Workflow.objects.bulk_create(
        [
            Workflow(
                organization_id=org_id,
                uuid=uuid.uuid4(),
                name=NAME,
                description=DESCRIPTION,
                trigger="incident.declared",
                condition_mode="all",
                conditions=CONDITIONS,
                actions=ACTIONS,
                is_enabled=True,
                run_in_drills=False,
                seed_key=SEED_KEY,
            )
            for org_id in Organization.objects.order_by("pk").values_list("pk", flat=True)
            if org_id not in seeded | named
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
