from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ticketing", "0002_follow_up_source"),
    ]

    operations = [
        migrations.RemoveField(model_name="followup", name="retrospective"),
        migrations.AddConstraint(
            model_name="followup",
            constraint=models.CheckConstraint(
                condition=models.Q(("source__in", ["direct", "retrospective"])), name="follow_up_source_valid"
            ),
        ),
    ]
