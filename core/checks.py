"""System checks of the shared kit (registered by core.apps.CoreConfig.ready): `manage.py migrate`, `check` and
`runserver` refuse to go on when encrypted secrets could not be stored or read."""

from typing import Any

from django.core import checks

from core import crypto


@checks.register(checks.Tags.security, deploy=False)
def encryption_keys_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """FIREBREAK_ENCRYPTION_KEYS must hold valid Fernet keys; outside development it must be set at all."""
    problem = crypto.keys_problem()
    if not problem:
        return []
    return [
        checks.Error(
            problem,
            hint=(
                'Generate a key with `python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"` and set FIREBREAK_ENCRYPTION_KEYS '
                "(docs/security.md, Secrets)."
            ),
            id="firebreak.E001",
        )
    ]
