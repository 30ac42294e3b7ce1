"""A follow-up records where it came from (`source`) instead of pointing up at the retros app: a retrospective's
action items become source="retrospective" follow-ups of the retrospective's incident."""

from django.db import migrations, models


def sources_from_retrospectives(apps, schema_editor):
    FollowUp = apps.get_model("ticketing", "FollowUp")
    for follow_up in FollowUp.objects.filter(retrospective__isnull=False).select_related("retrospective"):
        follow_up.source = "retrospective"
        follow_up.incident_id = follow_up.retrospective.incident_id
        follow_up.save(update_fields=["source", "incident"])


def retrospectives_from_sources(apps, schema_editor):
    FollowUp = apps.get_model("ticketing", "FollowUp")
    Retrospective = apps.get_model("retros", "Retrospective")
    items = FollowUp.objects.filter(source="retrospective", incident__isnull=False)
    retrospectives = dict(
        Retrospective.objects.filter(incident_id__in=items.values("incident_id")).values_list("incident_id", "pk")
    )
    for follow_up in items:
        follow_up.retrospective_id = retrospectives.get(follow_up.incident_id)
        follow_up.save(update_fields=["retrospective"])
    if schema_editor.connection.vendor == "postgresql":
        # the foreign keys just written are checked at commit; dropping `source` next in this transaction would
        # otherwise fail with "pending trigger events"
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("ticketing", "0001_initial"),
        ("retros", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="source",
            field=models.CharField(
                choices=[("direct", "Added directly"), ("retrospective", "Action item of the retrospective")],
                default="direct",
                max_length=16,
            ),
        ),
        migrations.RunPython(sources_from_retrospectives, retrospectives_from_sources),
    ]
