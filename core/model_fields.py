"""Model fields of the shared kit: EncryptedTextField, text stored encrypted at rest (core/crypto.py)."""

from typing import Any

from django.db import models

from core import crypto


class EncryptedTextField(models.TextField):
    """Text the app must read again but a database dump must not reveal: stored as a Fernet token under the
    first key of FIREBREAK_ENCRYPTION_KEYS, decrypted when loaded (model instances, values(), values_list()).

    "" and None are stored as they are (nothing to hide, and `blank` checks keep working). A token is different
    every time, so the only lookups that mean anything are `isnull` and `exact` with "": never filter by value.
    `manage.py encryption_rotate` re-encrypts every such column with the first key.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
