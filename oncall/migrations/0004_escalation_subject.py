"""Escalation.alert_group (a foreign key up to alerting) becomes a plain subject reference: subject_kind +
subject_id. The key closed the cycle Service → EscalationPolicy → Escalation → AlertGroup → Service; the run now
names what it pages about, and alerting reads and follows it without oncall importing alerting.

Forwards every run becomes ("alert_group", its group's id). Backwards the key is filled from the reference; runs
whose alert group no longer exists (only possible after this migration: the key cascaded) are deleted, as the
key's CASCADE would have done."""

from django.db import migrations, models
from django.db.models import F, Q

KIND = "alert_group"


def subject_from_alert_group(apps, schema_editor):
    Escalation = apps.get_model("oncall", "Escalation")
    Escalation.objects.update(subject_kind=KIND, subject_id=F("alert_group_id"))
    _check_now(schema_editor)


def alert_group_from_subject(apps, schema_editor):
    Escalation = apps.get_model("oncall", "Escalation")
    AlertGroup = apps.get_model("alerting", "AlertGroup")
    Escalation.objects.exclude(subject_kind=KIND).delete()
    Escalation.objects.exclude(subject_id__in=AlertGroup.objects.values("pk")).delete()
    Escalation.objects.update(alert_group_id=F("subject_id"))
    _check_now(schema_editor)


def _check_now(schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Foreign keys written in this migration are checked now, not at commit: the ALTER TABLEs that follow
        # cannot run while their checks are pending ("pending trigger events").
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("oncall", "0003_redriven_at"),
        ("alerting", "0002_alter_alertgroup_paging_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="escalation",
            name="subject_kind",
            field=models.CharField(max_length=32, null=True, help_text="What it pages about, e.g. alert_group"),
        ),
        migrations.AddField(
            model_name="escalation",
            name="subject_id",
            field=models.BigIntegerField(null=True, help_text="The subject's id in its app"),
        ),
        migrations.AlterField(
            model_name="escalation",
            name="alert_group",
            field=models.ForeignKey(
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="escalations",
                to="alerting.alertgroup",
            ),
        ),
        migrations.RunPython(subject_from_alert_group, alert_group_from_subject),
        migrations.AlterField(
            model_name="escalation",
            name="subject_kind",
            field=models.CharField(max_length=32, help_text="What it pages about, e.g. alert_group"),
        ),
        migrations.AlterField(
            model_name="escalation",
            name="subject_id",
            field=models.BigIntegerField(help_text="The subject's id in its app"),
        ),
        migrations.RemoveConstraint(model_name="escalation", name="escalation_one_active_per_group"),
        migrations.RemoveIndex(model_name="escalation", name="oncall_esca_organiz_20fab6_idx"),
        migrations.RemoveField(model_name="escalation", name="alert_group"),
        migrations.AddConstraint(
            model_name="escalation",
            constraint=models.UniqueConstraint(
                condition=Q(status="active"),
                fields=("subject_kind", "subject_id"),
                name="escalation_one_active_per_subject",
            ),
        ),
        migrations.AddIndex(
            model_name="escalation",
            index=models.Index(fields=["organization", "subject_kind", "subject_id"], name="escalation_subject"),
        ),
    ]
