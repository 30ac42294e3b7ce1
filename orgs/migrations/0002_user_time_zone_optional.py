from django.db import migrations, models


def utc_to_unset(apps, schema_editor):
    # Until now nobody could choose a zone in the browser: "UTC" was the default, not a choice. Unset, the
    # person's browser zone is used instead.
    apps.get_model("orgs", "User").objects.filter(time_zone="UTC").update(time_zone="")


def unset_to_utc(apps, schema_editor):
    apps.get_model("orgs", "User").objects.filter(time_zone="").update(time_zone="UTC")


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="time_zone",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(utc_to_unset, unset_to_utc),
    ]
