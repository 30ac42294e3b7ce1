from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ticketing", "0003_follow_up_retrospective_removed"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="overdue_announced_for",
            field=models.DateField(
                blank=True, help_text="The due date whose passing was announced (follow_up.overdue)", null=True
            ),
        ),
    ]
