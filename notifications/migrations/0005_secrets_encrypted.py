"""Secrets encrypted at rest (issue 15 §2): a webhook's signing secret becomes an EncryptedTextField and its
existing plaintext is encrypted with the first FIREBREAK_ENCRYPTION_KEYS key; a delivery gains `secret_content`
(the recipient-only text of a verification, encrypted, wiped once delivered).

Backwards: the secrets are decrypted into the plain column again. Both directions skip what is already in the
target form, so a half-applied run can be run again.
"""

from django.db import migrations, models

import core.model_fields
from core import crypto


def _is_token(value: str) -> bool:
    try:
        crypto.decrypt(value)
    except crypto.DecryptionError:
        return False
    return True


def secrets_encrypt(apps, schema_editor):
    ContactMethod = apps.get_model("notifications", "ContactMethod")
    for pk, secret in ContactMethod.objects.exclude(secret="").values_list("pk", "secret").iterator():
        if not _is_token(secret):
            ContactMethod.objects.filter(pk=pk).update(secret=crypto.encrypt(secret))


def secrets_decrypt(apps, schema_editor):
    ContactMethod = apps.get_model("notifications", "ContactMethod")
    for pk, secret in ContactMethod.objects.exclude(secret="").values_list("pk", "secret").iterator():
        if _is_token(secret):
            ContactMethod.objects.filter(pk=pk).update(secret=crypto.decrypt(secret))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_redriven_at"),
    ]

    operations = [
        # A plain text column first (a Fernet token is longer than 64 characters), filled by the function below.
        migrations.AlterField(
            model_name="contactmethod",
            name="secret",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(secrets_encrypt, secrets_decrypt, elidable=False),
        migrations.AlterField(
            model_name="contactmethod",
            name="secret",
            field=core.model_fields.EncryptedTextField(blank=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="secret_content",
            field=core.model_fields.EncryptedTextField(blank=True, default=""),
        ),
    ]
