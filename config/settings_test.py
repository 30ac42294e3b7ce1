"""Test settings: the real settings plus test knobs only (fast hasher, in-memory layer/cache)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("FIREBREAK_ENCRYPTION_KEYS", "ZmlyZWJyZWFrLXRlc3QtZW5jcnlwdGlvbi1rZXktMDE=")  # a fixed Fernet key
# Hermetic: a developer's .env (written by `make run`) must not change what the tests see.
os.environ.setdefault("FIREBREAK_ENV_FILE", "")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The test client speaks plain http: no secure cookies, no redirect to https, no HSTS.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["*"]
# The suite's local receivers (webhooks, chat, the Twilio-style API) listen on loopback: allowed the way an
# operator allows an internal server. The guard's own tests set it back to [].
OUTBOUND_ALLOW = ["127.0.0.0/8", "::1/128"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# The suite opens many short-lived connections from threads (concurrency tests); no pool there.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)  # noqa: F405
