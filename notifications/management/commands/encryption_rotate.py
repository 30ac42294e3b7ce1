"""`manage.py encryption_rotate`: re-encrypt every encrypted column (every EncryptedTextField of every installed
model) with the first key of FIREBREAK_ENCRYPTION_KEYS, so that the older keys can then be dropped.

Idempotent: values already under the first key are left as they are, so it can be run again after an
interruption. It lives in notifications because that app holds today's encrypted columns; it finds them all.
"""

from collections import Counter
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from core import crypto
from core.model_fields import EncryptedTextField

BATCH = 500


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every (model, field) stored encrypted, in a stable order."""
    found = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1].name))


def column_rotate(model: type[models.Model], field: EncryptedTextField) -> Counter:
    """Re-encrypt one column's values not under the first key, a locked batch at a time.

    Counts "rotated" (re-encrypted), "current" (already under the first key) and "unreadable" (no key opens
    them: left untouched)."""
    counts: Counter = Counter()
    manager = model._base_manager
    pks = list(
        manager.exclude(**{field.attname: ""})
        .exclude(**{f"{field.attname}__isnull": True})
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    for start in range(0, len(pks), BATCH):
        with transaction.atomic():
            rows = (
                manager.select_for_update()
                .filter(pk__in=pks[start : start + BATCH])
                .annotate(stored=Cast(field.attname, output_field=models.TextField()))
                .values_list("pk", "stored")
            )
            for pk, stored in rows:
                if not stored:
                    continue
                if crypto.is_current(stored):
                    counts["current"] += 1
                    continue
                try:
                    plaintext = crypto.decrypt(stored)
                except crypto.DecryptionError:
                    counts["unreadable"] += 1
                    continue
                manager.filter(pk=pk).update(**{field.attname: plaintext})  # saved under the first key
                counts["rotated"] += 1
    return counts


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column with the first FIREBREAK_ENCRYPTION_KEYS key (idempotent); "
        "then the older keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        crypto.keys()  # refuses at once, with the reason, when no key is configured
        unreadable = 0
        for model, field in encrypted_columns():
            counts = column_rotate(model, field)
            unreadable += counts["unreadable"]
            name = f"{model._meta.label}.{field.name}"
            line = f"{name}: {counts['rotated']} re-encrypted, {counts['current']} already current"
            if counts["unreadable"]:
                line += f", {counts['unreadable']} unreadable with the configured keys"
            self.stdout.write(line)
        if unreadable:
            raise CommandError(
                f"{unreadable} value(s) could not be decrypted with any configured key and were left as they are: "
                "put back the key they were encrypted with and run this again."
            )
