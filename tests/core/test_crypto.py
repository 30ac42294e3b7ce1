"""Encryption at rest (core.crypto, EncryptedTextField): keys from FIREBREAK_ENCRYPTION_KEYS (the first encrypts,
all decrypt), a derived key on a developer's machine only, the system check that stops production without keys,
`manage.py encryption_rotate`, and the migration that encrypted the existing webhook secrets (and back)."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from core import checks, crypto
from notifications.models import ContactKind, ContactMethod
from tests.factories import (
    ContactMethodFactory,
    NotificationFactory,
    OrganizationFactory,
    UserFactory,
    WebhookEndpointFactory,
)
from workflows.models import WebhookEndpoint

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
SECRET = "f" * 64


def stored(model, pk: int, column: str) -> str:
    """What the database column holds, read past the field (so still encrypted)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


# --- keys ----------------------------------------------------------------------------------------------------


def test_a_token_reads_back_and_is_never_the_same_twice():
    first, second = crypto.encrypt("hunter2-secret"), crypto.encrypt("hunter2-secret")

    assert first != second
    assert "hunter2" not in first
    assert (crypto.decrypt(first), crypto.decrypt(second)) == ("hunter2-secret", "hunter2-secret")


def test_the_first_key_encrypts_and_every_key_decrypts():
    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[OLD_KEY]):
        old_token = crypto.encrypt("rotating")

    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        new_token = crypto.encrypt("rotating")
        readable = (crypto.decrypt(old_token), crypto.decrypt(new_token))
        current = (crypto.is_current(old_token), crypto.is_current(new_token))
        rotated = crypto.rotate(old_token)

    assert readable == ("rotating", "rotating")
    assert current == (False, True)
    assert Fernet(NEW_KEY.encode()).decrypt(rotated.encode()) == b"rotating"
    assert Fernet(NEW_KEY.encode()).decrypt(new_token.encode()) == b"rotating"


def test_a_token_of_a_removed_key_is_a_clear_error():
    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[OLD_KEY]):
        token = crypto.encrypt("gone")

    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(token)

    assert "was a key removed before `manage.py encryption_rotate`" in str(caught.value)


def test_the_setting_takes_a_comma_separated_string_too():
    with override_settings(FIREBREAK_ENCRYPTION_KEYS=f" {NEW_KEY} , {OLD_KEY},"):
        assert crypto.configured_keys() == [NEW_KEY, OLD_KEY]


@override_settings(FIREBREAK_ENCRYPTION_KEYS=[], DEBUG=False, DEV=False)
def test_production_without_keys_refuses_to_encrypt_and_fails_the_system_check():
    with pytest.raises(ImproperlyConfigured) as refused:
        crypto.encrypt("x")

    [error] = checks.encryption_keys_check()

    assert "FIREBREAK_ENCRYPTION_KEYS is not set" in str(refused.value)
    assert (error.id, error.level, error.msg) == (
        "firebreak.E001",
        40,
        "FIREBREAK_ENCRYPTION_KEYS is not set (required unless DJANGO_DEBUG or FIREBREAK_DEV is on).",
    )


@override_settings(FIREBREAK_ENCRYPTION_KEYS=[NEW_KEY, "not-a-key"], DEBUG=False, DEV=False)
def test_a_malformed_key_fails_the_system_check_naming_it():
    [error] = checks.encryption_keys_check()

    assert error.msg == "FIREBREAK_ENCRYPTION_KEYS: key 2 of 2 is not a Fernet key (32 url-safe base64 bytes)."


@pytest.mark.parametrize("flags", [{"DEBUG": True, "DEV": False}, {"DEBUG": False, "DEV": True}])
def test_a_developer_machine_without_keys_uses_a_key_derived_from_the_secret_key(flags):
    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[], SECRET_KEY="dev-secret", **flags):
        token = crypto.encrypt("local")
        problems = checks.encryption_keys_check()
    # A key added to an older .env later: what the derived key encrypted stays readable.
    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[NEW_KEY], SECRET_KEY="dev-secret", **flags):
        still = crypto.decrypt(token)
        current = crypto.is_current(token)

    assert problems == []
    assert Fernet(crypto.development_key("dev-secret").encode()).decrypt(token.encode()) == b"local"
    assert (still, current) == ("local", False)


@override_settings(FIREBREAK_ENCRYPTION_KEYS=[], DEBUG=False, DEV=False, SECRET_KEY="dev-secret")
def test_production_never_falls_back_to_the_derived_key():
    token = Fernet(crypto.development_key("dev-secret").encode()).encrypt(b"x").decode()

    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(token)


def test_the_test_settings_use_a_fixed_valid_key(settings):
    assert len(settings.FIREBREAK_ENCRYPTION_KEYS) == 1
    assert checks.encryption_keys_check() == []


# --- the field -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_webhook_secret_is_stored_encrypted_and_read_decrypted():
    method = ContactMethodFactory(kind=ContactKind.WEBHOOK, secret=SECRET)
    email = ContactMethodFactory(kind=ContactKind.EMAIL)

    raw = stored(ContactMethod, method.pk, "secret")

    assert SECRET not in raw
    assert crypto.decrypt(raw) == SECRET
    assert ContactMethod.objects.get(pk=method.pk).secret == SECRET
    assert list(ContactMethod.objects.filter(pk=method.pk).values_list("secret", flat=True)) == [SECRET]
    assert stored(ContactMethod, email.pk, "secret") == ""
    assert ContactMethod.objects.filter(secret="").get() == email


# --- encryption_rotate ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rotate_re_encrypts_every_column_with_the_first_key_and_is_idempotent():
    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[OLD_KEY]):
        methods = [ContactMethodFactory(kind=ContactKind.WEBHOOK) for _ in range(3)]
        ContactMethodFactory(kind=ContactKind.EMAIL)  # no secret: nothing to do
        delivery = NotificationFactory(contact_method=methods[0], secret_content='{"subject": "code 123456"}')
        endpoint = WebhookEndpointFactory()  # an outbound webhook's whsec_ secret
    secrets = [m.secret for m in methods]
    out, again = StringIO(), StringIO()

    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        call_command("encryption_rotate", stdout=out)
        call_command("encryption_rotate", stdout=again)

    assert out.getvalue().splitlines() == [
        "drills.DrillIntegrationKey.key: 0 re-encrypted, 0 already current",
        "notifications.ContactMethod.secret: 3 re-encrypted, 0 already current",
        "notifications.Notification.secret_content: 1 re-encrypted, 0 already current",
        "statuspage.Audience.webhook_url: 0 re-encrypted, 0 already current",
        "workflows.WebhookEndpoint.previous_secret: 0 re-encrypted, 0 already current",
        "workflows.WebhookEndpoint.secret: 1 re-encrypted, 0 already current",
    ]
    assert again.getvalue().splitlines() == [
        "drills.DrillIntegrationKey.key: 0 re-encrypted, 0 already current",
        "notifications.ContactMethod.secret: 0 re-encrypted, 3 already current",
        "notifications.Notification.secret_content: 0 re-encrypted, 1 already current",
        "statuspage.Audience.webhook_url: 0 re-encrypted, 0 already current",
        "workflows.WebhookEndpoint.previous_secret: 0 re-encrypted, 0 already current",
        "workflows.WebhookEndpoint.secret: 0 re-encrypted, 1 already current",
    ]
    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[NEW_KEY]):
        assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret
    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[NEW_KEY]):  # the old key can go now
        assert [ContactMethod.objects.get(pk=m.pk).secret for m in methods] == secrets
    new = Fernet(NEW_KEY.encode())
    assert [new.decrypt(stored(ContactMethod, m.pk, "secret").encode()).decode() for m in methods] == secrets
    assert new.decrypt(stored(type(delivery), delivery.pk, "secret_content").encode()) == b'{"subject": "code 123456"}'


@pytest.mark.django_db
def test_rotate_reports_values_no_key_opens_and_fails():
    with override_settings(FIREBREAK_ENCRYPTION_KEYS=[OLD_KEY]):
        lost = ContactMethodFactory(kind=ContactKind.WEBHOOK)
    ContactMethodFactory(kind=ContactKind.WEBHOOK)  # under the test key, which stays configured
    raw = stored(ContactMethod, lost.pk, "secret")
    out = StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("encryption_rotate", stdout=out)

    assert out.getvalue().splitlines()[1] == (
        "notifications.ContactMethod.secret: 0 re-encrypted, 1 already current, 1 unreadable with the configured keys"
    )
    assert str(failed.value).startswith("1 value(s) could not be decrypted with any configured key")
    assert stored(ContactMethod, lost.pk, "secret") == raw


# --- the migration -------------------------------------------------------------------------------------------

BEFORE = [("notifications", "0004_redriven_at")]
AFTER = [("notifications", "0005_secrets_encrypted")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.fixture
def at_0004():
    executor = migrate(BEFORE)
    try:
        yield executor.loader.project_state(BEFORE).apps
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_secrets_and_back(at_0004):
    OldMethod = at_0004.get_model("notifications", "ContactMethod")
    org, user = OrganizationFactory(), UserFactory()
    hook = OldMethod.objects.create(
        organization_id=org.pk, user_id=user.pk, kind="webhook", address="https://h.test/", secret=SECRET
    )
    mail = OldMethod.objects.create(
        organization_id=org.pk, user_id=user.pk, kind="email", address="a@b.test", secret=""
    )

    migrate(AFTER)
    raw = stored(ContactMethod, hook.pk, "secret")
    migrate(AFTER)  # nothing happens twice (a no-op migrate)

    assert crypto.decrypt(raw) == SECRET
    assert ContactMethod.objects.get(pk=hook.pk).secret == SECRET
    assert stored(ContactMethod, mail.pk, "secret") == ""

    migrate(BEFORE)

    assert stored(ContactMethod, hook.pk, "secret") == SECRET
    assert stored(ContactMethod, mail.pk, "secret") == ""
