"""Production settings: base settings with HTTPS, secure cookies and a shared cache.

Select with DJANGO_SETTINGS_MODULE=portal.settings.production. `manage.py check
--deploy` is clean with these settings and the variables that
docs/operations/deploying.md names.
"""

from .base import *  # noqa: F403
from .base import REDIS_URL, email_settings, env

DEBUG = False

# SECURITY
# ------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# DATABASES
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# CACHES AND SESSIONS
# ------------------------------------------------------------------------------
# Several workers and hosts share one cache when REDIS_URL is set; sessions are
# in the database either way.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# EMAIL
# ------------------------------------------------------------------------------
# SMTP from EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587; the
# default is a relay on the host itself.
globals().update(email_settings(env.str("EMAIL_URL", default="smtp://127.0.0.1:25")))

# SANDBOX
# ------------------------------------------------------------------------------
PORTAL_SANDBOX_ENABLED = env.bool("PORTAL_SANDBOX_ENABLED", default=False)
