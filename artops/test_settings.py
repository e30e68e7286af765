"""Test settings: only what makes tests fast. Everything else comes from artops.settings."""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# The identity provider tests/test_sso.py signs in with: django-oauth-toolkit's OpenID Connect
# provider, a dev dependency, in the test process. Its tables must exist in the test database.
INSTALLED_APPS = [*INSTALLED_APPS, "oauth2_provider"]  # noqa: F405

# One process: its own memory is a cache every request of the test run shares, as Redis is in
# production. Without REDIS_URL the settings keep sessions in the database alone (shared by every
# gunicorn worker); the suite reads them from the cache, at the query counts of a deployment with Redis.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
