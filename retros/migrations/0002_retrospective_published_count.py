from django.db import migrations, models


def count_past_publications(apps, schema_editor):
    """How many times each retrospective was published so far: its incident's audit log records every
    publication ("retrospective.published", written with the timeline entry); one that is published now and
    predates that record counts once."""
    Retrospective = apps.get_model("retros", "Retrospective")
    AuditEvent = apps.get_model("orgs", "AuditEvent")
    for retro in Retrospective.objects.values("pk", "organization_id", "status", "incident__number").iterator():
        count = AuditEvent.objects.filter(
            organization_id=retro["organization_id"],
            action="retrospective.published",
            target_type="incident",
            target_id=str(retro["incident__number"]),
        ).count()
        count = max(count, 1 if retro["status"] == "published" else 0)
        if count:
            Retrospective.objects.filter(pk=retro["pk"]).update(published_count=count)


class Migration(migrations.Migration):
    dependencies = [
        ("retros", "0001_initial"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="retrospective",
            name="published_count",
            field=models.PositiveIntegerField(
                default=0, help_text="How many times it has been published (a re-publish after reopening counts again)"
            ),
        ),
        migrations.RunPython(count_past_publications, migrations.RunPython.noop),
    ]
