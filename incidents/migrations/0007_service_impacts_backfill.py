"""Service health now follows the impacts services records from incident events (services.ServiceImpact): record
one for every open, non-drill incident on each of its services, at its severity's outage level."""

from django.db import migrations

OPEN = ["triage", "investigating", "identified", "monitoring"]


def health_for(rank):
    if rank <= 1:
        return "major_outage"
    if rank == 2:
        return "partial_outage"
    return "degraded_performance"


def impacts_record(apps, schema_editor):
    IncidentService = apps.get_model("incidents", "IncidentService")
    ServiceImpact = apps.get_model("services", "ServiceImpact")
    links = IncidentService.objects.filter(incident__status__in=OPEN, incident__is_drill=False).values_list(
        "organization_id", "service_id", "incident_id", "incident__severity__rank"
    )
    ServiceImpact.objects.bulk_create(
        [
            ServiceImpact(organization_id=org, service_id=service, incident_id=incident, health=health_for(rank))
            for org, service, incident, rank in links
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0006_timeline_kinds_paged_follow_up_retro"),
        ("services", "0003_service_impact"),
    ]

    operations = [migrations.RunPython(impacts_record, migrations.RunPython.noop)]
