"""ARTops settings, read from environment variables.

The embedded default needs none of them: a SQLite file beside manage.py and Celery tasks run
in-process. Every variable is listed in the README; a malformed value stops start-up with a
message that names it.
"""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _read(name, cast, default):
    """Read one variable, naming it when its value cannot be understood."""
    try:
        return cast(name, default=default)
    except (ValueError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"{name} is not valid: {exc}") from exc


SQLITE_TIMEOUT_SECONDS = 10


def _database(url: str) -> dict:
    # django-environ accepts almost anything and fails later with an unrelated error; check the
    # shape here so that a typo names the variable at start-up.
    parts = urlsplit(url)
    if parts.scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not valid: scheme {parts.scheme or '(none)'!r} is not sqlite:// or postgres://"
        )
    if parts.scheme != "sqlite" and not (parts.hostname or parts.path.strip("/")):
        raise ImproperlyConfigured("DATABASE_URL is not valid: it names no host and no database")
    if parts.scheme != "sqlite" and not parts.path.strip("/"):
        raise ImproperlyConfigured("DATABASE_URL is not valid: it names no database (…/dbname)")
    try:
        config = environ.Env.db_url_config(url)
        if parts.port is not None:  # urlsplit raises on a non-numeric port
            pass
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not valid: {exc}") from exc
    config["CONN_MAX_AGE"] = _read("DATABASE_CONN_MAX_AGE", env.int, 60)
    config["CONN_HEALTH_CHECKS"] = True
    if parts.scheme == "sqlite":
        # One writer at a time on a SQLite file: a write waits up to `timeout` seconds for another
        # to finish. IMMEDIATE takes the write lock when a transaction begins, so the wait happens
        # there; a transaction begun deferred that reads and then writes would be refused at once
        # ("database is locked") without waiting. A wait past the timeout is a 409 (trains/refusals.py).
        config.setdefault("OPTIONS", {}).update(timeout=SQLITE_TIMEOUT_SECONDS, transaction_mode="IMMEDIATE")
    return config


def _broker(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"CELERY_BROKER_URL/REDIS_URL is not valid: {url!r} is not a redis:// URL")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ImproperlyConfigured(f"CELERY_BROKER_URL/REDIS_URL is not valid: {exc}") from exc
    return url


DEBUG = _read("DEBUG", env.bool, True)
SECRET_KEY = _read("SECRET_KEY", env.str, "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "artops-insecure-development-key-change-me"  # noqa: S105 - embedded default only
# Django's test runner adds "testserver" itself: it is no host a deployment answers to.
ALLOWED_HOSTS = _read("ALLOWED_HOSTS", env.list, ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = _read("CSRF_TRUSTED_ORIGINS", env.list, [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "artops",
    "trains",
    "planning",
    "risks",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every change a request makes is recorded as made through a page, the API or the admin.
    "trains.history.door.DoorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "artops.middleware.DomainErrorMiddleware",
    "artops.outage.DatabaseOutageMiddleware",
    # Last: it turns a login refused for too many failures into the login page saying so.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "artops.urls"
WSGI_APPLICATION = "artops.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": _database(_read("DATABASE_URL", env.str, f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from one
# address in a row, that username is refused from that address for AXES_COOLOFF_MINUTES (each further
# try restarts the wait), whatever the password; the login page says so (artops/lockout.py). The
# failures are kept in the database, so every process counts the same ones. A right password resets
# the count. Behind a proxy, LOGIN_PROXY_COUNT proxies' X-Forwarded-For is read for the address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: it refuses a locked-out login before any other looks
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _read("AXES_FAILURE_LIMIT", env.int, 5)
AXES_COOLOFF_MINUTES = _read("AXES_COOLOFF_MINUTES", env.int, 15)
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be 1 or more")
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "artops.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "artops.lockout.client_address"
LOGIN_PROXY_COUNT = _read("LOGIN_PROXY_COUNT", env.int, 0)
if LOGIN_PROXY_COUNT < 0:
    raise ImproperlyConfigured("LOGIN_PROXY_COUNT must be 0 (no proxy) or more")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = _read("TIME_ZONE", env.str, "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(_read("STATIC_ROOT", env.str, str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = _read("SESSION_COOKIE_SECURE", env.bool, not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS. Off by default (the embedded default serves plain http://127.0.0.1); the production example
# (deploy/env.example, docker-compose.yml) turns it all on behind a TLS-terminating proxy.
# SECURE_PROXY_SSL_HEADER names the header the proxy sets to "https" (e.g. X-Forwarded-Proto): set it
# only when the proxy always sets or strips that header, or a client could claim HTTPS itself.
_proxy_ssl_header = _read("SECURE_PROXY_SSL_HEADER", env.str, "")
if _proxy_ssl_header and not re.fullmatch(r"[A-Za-z0-9-]+", _proxy_ssl_header):
    raise ImproperlyConfigured(
        f"SECURE_PROXY_SSL_HEADER is not valid: {_proxy_ssl_header!r} is not a header name (X-Forwarded-Proto)"
    )
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
SECURE_SSL_REDIRECT = _read("SECURE_SSL_REDIRECT", env.bool, False)
# The container's health check asks for /healthz over plain HTTP from inside (deploy/healthcheck.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = _read("SECURE_HSTS_SECONDS", env.int, 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _read("SECURE_HSTS_INCLUDE_SUBDOMAINS", env.bool, False)
SECURE_HSTS_PRELOAD = _read("SECURE_HSTS_PRELOAD", env.bool, False)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured("SECURE_HSTS_SECONDS must be 0 (no HSTS) or more")

# Content Security Policy (django-csp), in every environment: scripts only from our own static files,
# never inline and never eval (htmx runs with allowEval off, base.html); the pages' own behaviour is
# in static/js. Style attributes stay allowed (the server sets grid columns and bar widths in them),
# style sheets come from our files only. Browsers report violations to /csp-report/, which logs them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": "/csp-report/",
    }
}

# The REST API (/api/v1/): personal tokens, or the browser session for same-origin calls; one
# error shape (trains/api/errors.py); throttled per token and per anonymous address.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "trains.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "trains.api.pagination.Page",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "trains.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "trains.api.auth.PerTokenThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": _read("API_THROTTLE_TOKEN", env.str, "1200/min"),
        "anon": _read("API_THROTTLE_ANON", env.str, "60/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ARTops API",
    "DESCRIPTION": (
        "Run an Agile Release Train from scripts and tools: the same rules and roles as the pages. "
        "Authenticate with a personal token (`Authorization: Bearer art_…`, made on your Account "
        "page). A versioned resource answers with an `ETag`; a write to it needs `If-Match`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Ids in paths (trains/converters.py): bigints, larger ones answer 404.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "format": "int64", "maximum": 2**63 - 1}},
    # One name per choice set where fields of the same name ("kind", "state") hold different ones.
    "ENUM_NAME_OVERRIDES": {
        "TeamKindEnum": "trains.models.TeamKind",
        "WebhookEventEnum": "trains.models.WebhookEvent",
        "PIStateEnum": "planning.models.ProgramIncrementState",
        "FeatureKindEnum": "planning.models.FeatureKind",
        "FeatureStateEnum": "planning.models.FeatureState",
        "FibonacciEnum": "planning.models.FIBONACCI_CHOICES",
        "DependencyKindEnum": "planning.models.DependencyKind",
        "DependencyStateEnum": "planning.models.DependencyState",
        "DependencyHealthEnum": "planning.health.Health",
        "MilestoneKindEnum": "planning.models.MilestoneKind",
        "RoamStatusEnum": "risks.models.RiskRoam",
        "RiskScaleEnum": "risks.models.SCALE_1_TO_5",
        "ImpedimentSeverityEnum": "risks.models.ImpedimentSeverity",
        "ImpedimentStatusEnum": "risks.models.ImpedimentStatus",
        "ImpedimentWorkingStatusEnum": "risks.forms.WORKING_STATUSES",
        "EscalationLevelEnum": "risks.models.ImpedimentLevel",
        "ActionStatusEnum": "risks.models.ActionItemStatus",
        "DemoItemOutcomeEnum": "risks.models.DemoItemOutcome",
        "ImprovementStatusEnum": "risks.models.ImprovementItemStatus",
    },
}

# Celery: without a broker the embedded default runs every task in-process, through the same
# code path (.delay / on_commit) as production, so no caller branches on the environment.
_broker_env = _read("CELERY_BROKER_URL", env.str, "") or _read("REDIS_URL", env.str, "")
CELERY_BROKER_URL = _broker(_broker_env) if _broker_env else "memory://"
CELERY_RESULT_BACKEND = _read("CELERY_RESULT_BACKEND", env.str, "") or (
    _broker_env if _broker_env else "cache+memory://"
)
CELERY_TASK_ALWAYS_EAGER = not _broker_env
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Outgoing webhooks (trains/webhooks): a delivery is tried up to WEBHOOK_MAX_ATTEMPTS times, waiting
# WEBHOOK_RETRY_BASE_SECONDS × 2^(attempt−1) plus up to a quarter more (jitter), at most
# WEBHOOK_RETRY_MAX_SECONDS, between attempts; a webhook is disabled after WEBHOOK_DISABLE_AFTER
# deliveries in a row failed every attempt.
WEBHOOK_TIMEOUT_SECONDS = _read("WEBHOOK_TIMEOUT_SECONDS", env.float, 5.0)
WEBHOOK_MAX_ATTEMPTS = _read("WEBHOOK_MAX_ATTEMPTS", env.int, 6)
WEBHOOK_RETRY_BASE_SECONDS = _read("WEBHOOK_RETRY_BASE_SECONDS", env.float, 30.0)
WEBHOOK_RETRY_MAX_SECONDS = _read("WEBHOOK_RETRY_MAX_SECONDS", env.float, 3600.0)
WEBHOOK_DISABLE_AFTER = _read("WEBHOOK_DISABLE_AFTER", env.int, 5)
if WEBHOOK_MAX_ATTEMPTS < 1 or WEBHOOK_DISABLE_AFTER < 1 or WEBHOOK_TIMEOUT_SECONDS <= 0:
    raise ImproperlyConfigured(
        "WEBHOOK_MAX_ATTEMPTS and WEBHOOK_DISABLE_AFTER must be 1 or more, WEBHOOK_TIMEOUT_SECONDS above 0"
    )

# E-mail (the inbox's mails, trains/conversation): off unless EMAIL_HOST (SMTP) or EMAIL_BACKEND is
# set. A digest by default: every hour each person gets one mail with what is new in their inbox
# (artops/celery.py); INBOX_EMAIL_IMMEDIATE mails right after each event instead. Links in the mails
# start with SITE_URL. A comment can be edited by its author for CONVERSATION_EDIT_MINUTES.
EMAIL_HOST = _read("EMAIL_HOST", env.str, "")
EMAIL_PORT = _read("EMAIL_PORT", env.int, 587)
EMAIL_HOST_USER = _read("EMAIL_HOST_USER", env.str, "")
EMAIL_HOST_PASSWORD = _read("EMAIL_HOST_PASSWORD", env.str, "")
EMAIL_USE_SSL = _read("EMAIL_USE_SSL", env.bool, False)
EMAIL_USE_TLS = _read("EMAIL_USE_TLS", env.bool, not EMAIL_USE_SSL)
_email_backend = _read("EMAIL_BACKEND", env.str, "")
EMAIL_BACKEND = _email_backend or "django.core.mail.backends.smtp.EmailBackend"
INBOX_EMAIL_ENABLED = bool(EMAIL_HOST or _email_backend)
DEFAULT_FROM_EMAIL = _read("DEFAULT_FROM_EMAIL", env.str, "ARTops <artops@localhost>")
INBOX_EMAIL_IMMEDIATE = _read("INBOX_EMAIL_IMMEDIATE", env.bool, False)
SITE_URL = _read("SITE_URL", env.str, "http://localhost:8000").rstrip("/")
CONVERSATION_EDIT_MINUTES = _read("CONVERSATION_EDIT_MINUTES", env.int, 15)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: set one of them")
if CONVERSATION_EDIT_MINUTES < 0:
    raise ImproperlyConfigured("CONVERSATION_EDIT_MINUTES must be 0 or more")

# Sessions must be the same for every process serving the site (gunicorn runs several workers): a
# logout in one worker has to end the session in all of them. With Redis they are kept in Redis and
# in the database behind it (a request pays no session query, nothing is lost on a restart).
# Without Redis the cache is each process's own memory, so sessions live in the database alone:
# a session cached in one worker's memory would outlive its logout in another worker.
CACHES = {
    # Redis away for a moment is a cache miss, not a failed request (artops/cache.py).
    "default": {"BACKEND": "artops.cache.ForgivingRedisCache", "LOCATION": _broker_env}
    if _broker_env
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "artops"}
}
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if _broker_env else "django.contrib.sessions.backends.db"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _read("LOG_LEVEL", env.str, "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Single sign-on (OpenID Connect, artops/sso.py) -------------------------------------------------
# Off unless OIDC_CLIENT_ID is set; then the login page offers OIDC_BUTTON_LABEL beside the password
# form, which keeps working. The provider's endpoints come from OIDC_ISSUER's discovery document
# (/.well-known/openid-configuration, fetched on first use), or one by one without an issuer. The
# provider must allow the redirect URI <site>/login/sso/callback/. An empty value counts as unset.
OIDC_ISSUER = _read("OIDC_ISSUER", env.str, "").rstrip("/")
OIDC_CLIENT_ID = _read("OIDC_CLIENT_ID", env.str, "")
OIDC_CLIENT_SECRET = _read("OIDC_CLIENT_SECRET", env.str, "")
OIDC_BUTTON_LABEL = _read("OIDC_BUTTON_LABEL", env.str, "") or "Sign in with single sign-on"
OIDC_AUTHORIZATION_ENDPOINT = _read("OIDC_AUTHORIZATION_ENDPOINT", env.str, "")
OIDC_TOKEN_ENDPOINT = _read("OIDC_TOKEN_ENDPOINT", env.str, "")
OIDC_USERINFO_ENDPOINT = _read("OIDC_USERINFO_ENDPOINT", env.str, "")
OIDC_JWKS_URI = _read("OIDC_JWKS_URI", env.str, "")
OIDC_SIGN_ALGO = _read("OIDC_SIGN_ALGO", env.str, "") or "RS256"
_oidc_endpoints = {
    "OIDC_AUTHORIZATION_ENDPOINT": OIDC_AUTHORIZATION_ENDPOINT,
    "OIDC_TOKEN_ENDPOINT": OIDC_TOKEN_ENDPOINT,
    "OIDC_USERINFO_ENDPOINT": OIDC_USERINFO_ENDPOINT,
    "OIDC_JWKS_URI": OIDC_JWKS_URI,
}
for _name, _url in {"OIDC_ISSUER": OIDC_ISSUER, **_oidc_endpoints}.items():
    # OpenID Connect needs TLS to the provider; plain http only to one on this machine (development).
    _parts = urlsplit(_url)
    _local = _parts.scheme == "http" and _parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if _url and not (_parts.hostname and (_parts.scheme == "https" or _local)):
        raise ImproperlyConfigured(f"{_name} is not valid: {_url!r} is not an https:// URL")
if OIDC_CLIENT_ID:
    if not OIDC_CLIENT_SECRET:
        raise ImproperlyConfigured("OIDC_CLIENT_SECRET must be set with OIDC_CLIENT_ID")
    _missing = [name for name, url in _oidc_endpoints.items() if not url]
    if not OIDC_ISSUER and _missing:
        raise ImproperlyConfigured(
            f"OIDC_ISSUER must be set with OIDC_CLIENT_ID (or else every endpoint: {', '.join(_missing)})"
        )
elif OIDC_ISSUER or OIDC_CLIENT_SECRET or any(_oidc_endpoints.values()):
    raise ImproperlyConfigured("OIDC_CLIENT_ID must be set to turn single sign-on on (other OIDC_ are set)")
if OIDC_SIGN_ALGO not in {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256"}:
    raise ImproperlyConfigured(f"OIDC_SIGN_ALGO is not valid: {OIDC_SIGN_ALGO!r} (RS256, ES256, … or HS256)")
# Always listed, inert while single sign-on is off, so that a session it signed in stays valid.
AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "artops.sso.SignOnBackend"]
