"""Firebreak settings: one module, configured from the environment (12-factor).

With nothing set the app runs *embedded*: SQLite under var/, an in-process channel layer, a
local-memory cache and a Celery broker on the filesystem (no broker server). With DATABASE_URL
and REDIS_URL it runs on PostgreSQL and Redis. Secure defaults: DEBUG is off unless
DJANGO_DEBUG=true, and a secret key is required unless DEBUG is on. A developer's machine sets
FIREBREAK_DEV=true (the `.env` that `make run` writes): plain http on localhost, static files served
from the source tree, human-readable logs — with DEBUG still off, so a mistyped URL shows the app's
own 404 page.
"""

import os
from pathlib import Path

import environ
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

from config.logging import logging_config
from core import outbound as _outbound

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# The variables of the process win over the file. FIREBREAK_ENV_FILE="" reads none (the test suite: a
# developer's .env must not change what the tests see).
_env_file = os.environ.get("FIREBREAK_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file:
    environ.Env.read_env(_env_file, overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
DEV = env.bool("FIREBREAK_DEV", default=False)
LOCAL = DEBUG or DEV  # a developer's machine: http on localhost
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. On a development machine run `make run` once (it writes .env with "
            "a generated key and development settings); in production set DJANGO_SECRET_KEY."
        )
    SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production"

VAR_DIR = Path(env.str("FIREBREAK_VAR_DIR", default=str(BASE_DIR / "var")))
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if LOCAL else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The address people reach the app on, for the links it prints and sends (integration URLs, curl examples,
# paging emails). `make run` sets it from HOST and PORT; production must set it.
SITE_URL = env.str("FIREBREAK_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "channels",
    "core",
    "orgs",
    "services",
    "incidents",
    "alerting",
    "oncall",
    "notifications",
    "ticketing",
    "statuspage",
    "retros",
    "workflows",
    "drills",
]

MIDDLEWARE = [
    "config.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view: a NUL in a URL or form is a 400, never a query PostgreSQL refuses (core/middleware.py).
    "core.middleware.RejectUnsafeInputMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "orgs.middleware.OrganizationMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orgs.context_processors.organization",
            ],
            # {% datetime %} everywhere without a {% load %}: the one way a time is shown (core/timefmt.py).
            "builtins": ["core.templatetags.datetimes"],
        },
    },
]

FORM_RENDERER = "orgs.forms_renderer.FirebreakFormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'firebreak.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_POOL", default=True):
    # Under ASGI persistent connections leak (one per request context); psycopg's pool bounds them.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=8),
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode keeps its data under var/. A worker and the web process share the file: wait
    # for locks instead of failing at once.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
ATOMIC_REQUESTS = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
# The lock backend first: a locked account or client is refused before any password is checked (orgs/throttling.py).
AUTHENTICATION_BACKENDS = ["orgs.throttling.SignInLockBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
INVITATION_MAX_AGE_DAYS = env.int("FIREBREAK_INVITATION_MAX_AGE_DAYS", default=7)

# --- Throttling: sign-in, account e-mails, API (docs/security.md; orgs/throttling.py, orgs/api/throttles.py) ---
# Counted in CACHES (Redis with REDIS_URL, so all processes count together). Per IP means per REMOTE_ADDR (an
# IPv6 client per /64): behind a proxy the server must take the client's address from the proxy's header.
# SIGNIN_FAILURES_PER_ACCOUNT refused sign-ins on one address within SIGNIN_FAILURE_WINDOW_MINUTES lock it for
# SIGNIN_LOCK_MINUTES, doubled at each new lock within a day up to SIGNIN_LOCK_MAX_MINUTES; a password reset
# lifts it. SIGNIN_FAILURES_PER_IP from one client lock that client the same way, whatever accounts it tried.
SIGNIN_FAILURES_PER_ACCOUNT = env.int("FIREBREAK_SIGNIN_FAILURES_PER_ACCOUNT", default=5)
SIGNIN_FAILURES_PER_IP = env.int("FIREBREAK_SIGNIN_FAILURES_PER_IP", default=30)
SIGNIN_FAILURE_WINDOW_MINUTES = env.int("FIREBREAK_SIGNIN_FAILURE_WINDOW_MINUTES", default=15)
SIGNIN_LOCK_MINUTES = env.int("FIREBREAK_SIGNIN_LOCK_MINUTES", default=15)
SIGNIN_LOCK_MAX_MINUTES = env.int("FIREBREAK_SIGNIN_LOCK_MAX_MINUTES", default=240)
# E-mails a stranger can make the app send, per ACCOUNT_EMAIL_WINDOW_MINUTES: to one address, and asked by one client.
ACCOUNT_EMAIL_WINDOW_MINUTES = env.int("FIREBREAK_ACCOUNT_EMAIL_WINDOW_MINUTES", default=60)
PASSWORD_RESET_EMAILS_PER_ADDRESS = env.int("FIREBREAK_PASSWORD_RESET_EMAILS_PER_ADDRESS", default=3)
PASSWORD_RESET_EMAILS_PER_IP = env.int("FIREBREAK_PASSWORD_RESET_EMAILS_PER_IP", default=20)
INVITATION_EMAILS_PER_ADDRESS = env.int("FIREBREAK_INVITATION_EMAILS_PER_ADDRESS", default=5)
INVITATION_EMAILS_PER_IP = env.int("FIREBREAK_INVITATION_EMAILS_PER_IP", default=100)
# REST API (/api/v1/), "<count>/<s|min|hour|day>": per API token, and per client for calls without a valid token.
# Far above what a busy Terraform run sends; inbound alert endpoints have their own per-integration limits.
API_RATE_LIMIT_TOKEN = env.str("FIREBREAK_API_RATE_LIMIT_TOKEN", default="1200/min")
API_RATE_LIMIT_ANONYMOUS = env.str("FIREBREAK_API_RATE_LIMIT_ANONYMOUS", default="120/min")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if LOCAL
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Development serves static files straight from the source tree (no collectstatic), DEBUG on or off.
WHITENOISE_USE_FINDERS = LOCAL
WHITENOISE_AUTOREFRESH = LOCAL

# --- Redis: one URL feeds the cache, the channel layer and the Celery broker -----------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # In process, plus a spool under var/ that carries the worker's pushes to the web process's browsers.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "core.channel_layer.EmbeddedChannelLayer",
            "CONFIG": {"spool_dir": str(VAR_DIR / "live")},
        }
    }

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    # Embedded mode: the web process and `make worker` exchange messages through files.
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control in the working directory
        "store_processed": False,
    }
    # The transport writes into these without creating them: a web process that enqueues before any
    # worker ever ran (a fresh clone) must not lose the message to a missing folder.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ["critical", "default"]
CELERY_TASK_ROUTES = {
    "orgs.tasks.*": {"queue": "critical"},
    "oncall.tasks.*": {"queue": "critical"},
    "notifications.tasks.*": {"queue": "critical"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 300
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Celery logs through LOGGING below (config/celery.py keeps it from installing its own handlers).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
ALERT_RETENTION_DAYS = env.int("FIREBREAK_ALERT_RETENTION_DAYS", default=90)
# Paging durability (DESIGN.md): steps and deliveries run from ETA tasks; the sweepers re-drive any row
# more than SWEEP_GRACE_SECONDS overdue (lost message, dead worker, Redis flushed), SWEEP_BATCH at a time.
ONCALL_SWEEP_SECONDS = env.float("FIREBREAK_SWEEP_SECONDS", default=5.0)
ONCALL_SWEEP_GRACE_SECONDS = env.float("FIREBREAK_SWEEP_GRACE_SECONDS", default=2.0)
ONCALL_SWEEP_BATCH = env.int("FIREBREAK_SWEEP_BATCH", default=500)
# A re-driven task that is still queued behind others is not lost: it is re-sent (same token, so only one
# copy acts) at most this often.
ONCALL_SWEEP_REDRIVE_SECONDS = env.float("FIREBREAK_SWEEP_REDRIVE_SECONDS", default=30.0)
# While more than this many messages wait in the `critical` queue, overdue tasks are assumed queued, not
# lost, and the sweepers send no copies (a burst would otherwise bury the real work under copies).
ONCALL_SWEEP_MAX_BACKLOG = env.int("FIREBREAK_SWEEP_MAX_BACKLOG", default=1000)
# Seconds in one "minute" of escalation waits and notification-rule delays (tests shrink it to 1).
ESCALATION_MINUTE_SECONDS = env.float("FIREBREAK_ESCALATION_MINUTE_SECONDS", default=60.0)
# A drill inject claimed for sending this long ago lost its worker: the sweeper sends it again (drills/injects.py).
DRILL_INJECT_LEASE_SECONDS = env.float("FIREBREAK_DRILL_LEASE_SECONDS", default=30.0)
NOTIFICATION_MAX_ATTEMPTS = env.int("FIREBREAK_NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_HTTP_TIMEOUT = env.float("FIREBREAK_NOTIFICATION_HTTP_TIMEOUT", default=10.0)
NOTIFICATION_SENDING_LEASE_SECONDS = env.int("FIREBREAK_NOTIFICATION_LEASE_SECONDS", default=120)
# A burst is worked in batches: one step task runs up to ONCALL_STEP_BATCH due escalations in one
# transaction; one delivery task claims up to NOTIFICATION_DELIVER_BATCH rows and sends them
# NOTIFICATION_SEND_CONCURRENCY at a time (a per-process thread pool), recording them in one transaction.
ONCALL_STEP_BATCH = env.int("FIREBREAK_STEP_BATCH", default=200)
NOTIFICATION_DELIVER_BATCH = env.int("FIREBREAK_DELIVER_BATCH", default=200)
NOTIFICATION_SEND_CONCURRENCY = env.int("FIREBREAK_SEND_CONCURRENCY", default=16)
# --- Outbound calls (core/outbound.py; docs/security.md, "Outbound calls (SSRF)") ----------------------
# Every HTTP call made for a tenant (webhook and chat contact methods, SMS/voice) reaches only globally
# routable addresses; there is no switch to turn that off. Self-hosters who page an internal server allow
# it explicitly: comma-separated CIDRs and host names, e.g. FIREBREAK_OUTBOUND_ALLOW=10.1.2.3/32,chat.internal
OUTBOUND_ALLOW = env.list("FIREBREAK_OUTBOUND_ALLOW", default=[])
_outbound.allow_list_parse(OUTBOUND_ALLOW)  # a mistyped entry stops the start, not the first page
# SMS and voice go through a Twilio-compatible REST API; without credentials those channels are off.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")
CELERY_BEAT_SCHEDULE: dict = {
    "alerts-prune": {"task": "alerting.tasks.alerts_prune", "schedule": 3600.0},
    "retro-reminders": {"task": "retros.tasks.retrospective_reminders_send", "schedule": 3600.0},
    "escalations-sweep": {"task": "oncall.tasks.escalations_sweep", "schedule": ONCALL_SWEEP_SECONDS},
    "follow-ups-overdue": {"task": "ticketing.tasks.follow_ups_overdue_announce", "schedule": 3600.0},
    "notifications-sweep": {"task": "notifications.tasks.notifications_sweep", "schedule": ONCALL_SWEEP_SECONDS},
    "oncall-handoffs": {"task": "oncall.tasks.handoffs_notify", "schedule": 60.0},
    # statuspage stakeholder updates: re-drive deliveries whose message was lost
    "stakeholder-deliveries-sweep": {
        "task": "statuspage.stakeholders.tasks.stakeholder_deliveries_sweep",
        "schedule": ONCALL_SWEEP_SECONDS,
    },
    # statuspage subscribers: re-drive subscriber mail whose message was lost or whose worker died mid-send
    "subscriber-notices-sweep": {"task": "statuspage.subscribing.tasks.subscriber_notices_sweep", "schedule": 60.0},
    # workflows: re-drive workflow steps whose message was lost (docs/workflows.md, "Durability")
    "workflow-steps-sweep": {"task": "workflows.tasks.workflow_steps_sweep", "schedule": 15.0},
    # workflows outbound webhooks: re-drive deliveries whose message was lost or whose worker died mid-send
    "webhook-deliveries-sweep": {"task": "workflows.tasks.webhooks.webhook_deliveries_sweep", "schedule": 30.0},
    # drills: re-drive injects whose message was lost or whose worker died mid-send; start scheduled runs
    "drill-injects-sweep": {"task": "drills.tasks.drill_injects_sweep", "schedule": ONCALL_SWEEP_SECONDS},
    "drill-runs-due": {"task": "drills.tasks.drill_runs_due", "schedule": 15.0},
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F821 - set just above
    # Without a mail server each message is one INFO log record, not a raw print into the log stream.
    EMAIL_BACKEND = "config.logging.EmailLogBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Firebreak <firebreak@localhost>")
EMAIL_TIMEOUT = 10

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["orgs.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["orgs.api.permissions.HasOrgRole"],
    "DEFAULT_PAGINATION_CLASS": "orgs.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "orgs.api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Bounded in size and depth, strict, refusing NUL characters (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "orgs.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Firebreak API",
    "DESCRIPTION": "Incident management API. Authenticate with `Authorization: Bearer <token>`; "
    "a token belongs to exactly one organization.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "orgs.models.MembershipRole",
        "ApiTokenRoleEnum": "orgs.models.ApiTokenRole",
        "ServiceKindEnum": "services.models.ServiceKind",
        "ServiceLinkKindEnum": "services.models.ServiceLinkKind",
        "IncidentStatusEnum": "incidents.models.IncidentStatus",
        "IncidentStatusFilterEnum": "incidents.api.serializers.STATUS_FILTER_CHOICES",
        "IncidentInitialStatusEnum": "incidents.api.serializers.INITIAL_STATUS_CHOICES",
        "TimelineKindEnum": "incidents.models.TimelineKind",
        "StatusUpdateVisibilityEnum": "incidents.models.StatusUpdateVisibility",
        "IntegrationKindEnum": "alerting.models.IntegrationKind",
        "FollowUpStatusEnum": "ticketing.models.FollowUpStatus",
        "FollowUpStatusFilterEnum": "ticketing.api.serializers.STATUS_FILTER_CHOICES",
        "FollowUpPriorityEnum": "ticketing.models.FollowUpPriority",
        "RetrospectiveStatusEnum": "retros.models.RetrospectiveStatus",
        "NotificationStatusEnum": "notifications.models.NotificationStatus",
        "ContactKindEnum": "notifications.models.ContactKind",
        "StepTargetKindEnum": "oncall.models.StepTargetKind",
        "AlertSeverityEnum": "alerting.models.AlertSeverity",
        "AlertGroupStatusEnum": "alerting.models.AlertGroupStatus",
        "AlertGroupStatusFilterEnum": "alerting.api.serializers.GROUP_STATUS_FILTER_CHOICES",
        "AlertActionEnum": "alerting.models.AlertAction",
        "PagingStatusEnum": "alerting.models.PagingStatus",
        # statuspage (admin API); a component's status is the services' health vocabulary
        "HealthEnum": "services.models.ServiceHealth",
        "MaintenanceStatusEnum": "statuspage.models.MaintenanceStatus",
        "PublicIncidentStatusEnum": "statuspage.models.PublicIncidentStatus",
        "PublicIncidentImpactEnum": "statuspage.models.PublicIncidentImpact",
        "AudienceKindEnum": "statuspage.models.AudienceKind",
        # drills: what a scorecard measures (a scenario's expected responses, a run's scorecard rows)
        "ResponseKindEnum": "drills.models.RESPONSE_KINDS",
        # workflows: a webhook delivery's state
        "WebhookDeliveryStatusEnum": "workflows.models.DeliveryStatus",
    },
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Headers and production settings (docs/security.md, "Headers and production settings") -------
# Production is served over https by a TLS-terminating proxy that sets X-Forwarded-Proto; a developer's
# machine (FIREBREAK_DEV, DJANGO_DEBUG) serves plain http on localhost. DJANGO_SECURE_COOKIES=false says a
# deployment is served over plain http: then no secure cookies, no redirect to https and no HSTS.
HTTPS = not DEBUG and env.bool("DJANGO_SECURE_COOKIES", default=not DEV)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=HTTPS)
# The container's health checks probe plain http from inside (docker-compose.yml).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading commits the whole registered domain to https in every browser, for months: its owner's call,
# not the app's. Off unless DJANGO_HSTS_PRELOAD=true, and check --deploy's reminder (W021) silenced.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Scripts only from our own static files: no inline script, no eval (htmx's allowEval is off in base.html).
# Styles allow inline style="" attributes (timeline bars and shares are positioned by the server). Websockets
# go to the page's own host: core.middleware.SameOriginWebsocketMiddleware adds ws(s)://<host> per request.
INSTALLED_APPS.append("csp")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1, "core.middleware.SameOriginWebsocketMiddleware")
# Signed-in pages and API answers carry personal data: `Cache-Control: no-store` (core.middleware).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, "core.middleware.NoStoreMiddleware"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

# --- Encryption at rest (core/crypto.py; docs/security.md, "Secrets") ------------------------------
# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation: `manage.py encryption_rotate`).
# Required outside development (system check firebreak.E001); a developer's machine without it uses a key
# derived from DJANGO_SECRET_KEY.
FIREBREAK_ENCRYPTION_KEYS = env.list("FIREBREAK_ENCRYPTION_KEYS", default=[])

# One JSON object per line in production; human-readable on a developer's machine (config/logging.py).
LOG_FORMAT = env.str("FIREBREAK_LOG_FORMAT", default="console" if LOCAL else "json")
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured(f"FIREBREAK_LOG_FORMAT must be json or console, not {LOG_FORMAT!r}")
LOGGING = logging_config(json_lines=LOG_FORMAT == "json", level=env.str("LOG_LEVEL", default="INFO").upper())

SENTRY_DSN = env.str("SENTRY_DSN", default="")
