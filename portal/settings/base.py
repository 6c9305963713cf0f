"""Settings for every environment, read from the process environment.

Sections follow cookiecutter-django: general, databases, apps, middleware,
security, templates, static, logging, and the portal's own namespaced settings.
Every variable is documented in `.env.example` and docs/reference/settings.md.

Settings import no code of the project's apps: a value that needs the portal's
code to be judged is judged by a system check (core/checks.py), which names it.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local `.env` (written by `make run`) fills in what the process environment
# does not set; real environment variables always win.
env.read_env(BASE_DIR / ".env")

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Read as is: django-environ treats a value starting with "$" as a reference to
# another variable, and Django's own key generator uses "$".
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set the DJANGO_SECRET_KEY environment variable (see .env.example).")
# Former secret keys, still accepted for signatures (sessions survive a rotation).
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

# DATABASES
# ------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)

# CACHES AND SESSIONS
# ------------------------------------------------------------------------------
# Sessions live in the database so that they work across workers and hosts;
# a shared cache (Redis) is used when REDIS_URL is set.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "oauth2_provider",
    "csp",
    "axes",
    # The project's own apps, bottom layer first, as pyproject.toml lists them.
    "core.apps.CoreConfig",
    "registrations.apps.RegistrationsConfig",
    "oauthclient.apps.OAuthClientConfig",
    "sandbox.apps.SandboxConfig",
    "portal.apps.PortalConfig",
]

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.roles.ServerRoleMiddleware",
    # Sessions, authentication, messages and history for pages only: the sandbox's
    # machine endpoints (portal/roles.py) skip them. CSRF and django-axes stay as they
    # are (Django's and axes' checks look for them by name); neither does any work on
    # those endpoints, which are CSRF-exempt and never log a user in.
    "portal.roles.PagesOnlySessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "portal.roles.PagesOnlyAuthenticationMiddleware",
    "portal.roles.PagesOnlyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.roles.PagesOnlyHistoryRequestMiddleware",
    # Last, as django-axes asks: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's password hashers, then the sandbox's client-secret hasher (listed so
# that Django can look it up; being last, it never hashes a user's password).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "sandbox.hashers.ClientSecretHasher",
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "home"
# django-axes' backend first: it refuses a locked-out login before any password is
# checked, and answers no permission question (ModelBackend answers them all).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# LOGIN THROTTLING (django-axes; docs/reference/security.md)
# ------------------------------------------------------------------------------
# After this many failed logins in a row for one username from one client address,
# logins for that username from that address are refused for the cool-off; each
# refused attempt starts it again. Other addresses and other usernames are unaffected,
# so nobody can lock a manager out from elsewhere. Checked by a system check (portal.E006).
PORTAL_LOGIN_FAILURE_LIMIT = env.int("PORTAL_LOGIN_FAILURE_LIMIT", default=5)
PORTAL_LOGIN_COOLOFF_MINUTES = env.int("PORTAL_LOGIN_COOLOFF_MINUTES", default=15)
AXES_FAILURE_LIMIT = PORTAL_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=PORTAL_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures are rows in the database every app server shares (no Redis needed), so the
# count holds across servers and restarts.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# The client address behind trusted proxies, as audit records take it (core/http.py).
AXES_CLIENT_IP_CALLABLE = "core.http.client_address"
# A successful login clears that username's failures from that address.
AXES_RESET_ON_SUCCESS = True
# No banner on every start (management commands print only what they have to say).
AXES_VERBOSE = False
# The lockout page: what happened and when to try again, in the admin's look.
AXES_LOCKOUT_CALLABLE = "portal.views.login_locked_out"

# SECURITY
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Error reports (the DEBUG page, the report mailed to ADMINS) hide credentials by name
# and by pattern, with DEBUG on as well (core/debug.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.debug.SecretsExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "core.debug.SecretsExceptionReporter"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Content-Security-Policy (django-csp) on every response: scripts, styles, fonts
# and images from the portal itself only, no inline script or style. The admin,
# the dashboard, the consent page and the printable form work under it (the
# browser tests fail on any violation). No `form-action`: Chromium applies it to
# the redirect after a form post, and OAuth sends the browser on to another
# origin from the consent page and the dashboard's Connect button.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

# TEMPLATES
# ------------------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# STATIC FILES
# ------------------------------------------------------------------------------
STATIC_URL = "static/"
# Where collectstatic writes (and whitenoise serves from).
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# LOGGING
# ------------------------------------------------------------------------------
# Every handler redacts secrets, tokens, authorization codes and code verifiers
# (core/log_redaction.py): at DEBUG, oauthlib and django-oauth-toolkit log them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "core.log_redaction.RedactSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (console when DEBUG, mail to ADMINS, runserver's
        # request lines, which carry codes in query strings) would write without
        # the filter: their records go to the console above instead. Django's
        # DEBUG records (whole template contexts, SQL) stay off, as by default.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # Outgoing request lines may carry codes in query strings: keep them quiet.
        "urllib3": {"level": "WARNING"},
    },
}

# PORTAL
# ------------------------------------------------------------------------------
# Fernet keys (url-safe base64, 32 bytes), newest first. The first encrypts;
# every key decrypts, so a key can be rotated in without downtime.
PORTAL_ENCRYPTION_KEYS = env.list("PORTAL_ENCRYPTION_KEYS", default=[])
# The portal's own public URL: the sandbox issuer and the dashboard callback
# are built from it.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# What this process answers: "all" (default), or, set by `manage.py serve` for
# its two gunicorn servers, "portal" (everything but the sandbox) or "sandbox"
# (the sandbox and the login page only). See portal/roles.py.
PORTAL_SERVER_ROLE = env("PORTAL_SERVER_ROLE", default="all")
# Timeout (seconds) for every outgoing HTTP call.
PORTAL_HTTP_TIMEOUT = env.float("PORTAL_HTTP_TIMEOUT", default=10.0)
# Addresses or CIDR blocks of the proxies in front of the portal. Only a request
# from one of them has its client address (for audit records) taken from
# X-Forwarded-For; from anyone else the header is ignored. Empty: never trusted.
# Each entry is checked by a system check (portal.E005).
PORTAL_TRUSTED_PROXIES = env.list("PORTAL_TRUSTED_PROXIES", default=[])
# Days a partner has to retrieve credentials after Pleo shares them (1Password
# links expire): the retrieval deadline is the share date plus this.
PORTAL_CREDENTIAL_RETRIEVAL_DAYS = env.int("PORTAL_CREDENTIAL_RETRIEVAL_DAYS", default=7)
# Test calls kept per dashboard connection: the newest PORTAL_TEST_CALLS_KEPT, none older
# than PORTAL_TEST_CALLS_KEPT_DAYS days, and always the connection's newest successful one
# (the readiness report's staging evidence). Enforced when a call is recorded and by
# `manage.py purge_test_calls`. A system check refuses fewer days than
# PORTAL_STAGING_EVIDENCE_DAYS. The defaults keep 30 days of hourly monitoring probes.
PORTAL_TEST_CALLS_KEPT = env.int("PORTAL_TEST_CALLS_KEPT", default=1000)
PORTAL_TEST_CALLS_KEPT_DAYS = env.int("PORTAL_TEST_CALLS_KEPT_DAYS", default=90)

# LINK CHECKS (registrations/links.py, `manage.py check_links`)
# ------------------------------------------------------------------------------
# The deadline for checking one URL, in seconds: resolving, connecting, TLS, headers,
# body and every redirect together (a server that drips its answer is cut off there).
PORTAL_LINK_CHECK_TIMEOUT = env.float("PORTAL_LINK_CHECK_TIMEOUT", default=10.0)
# At most this many bytes of a body are read (a logo larger than this fails).
PORTAL_LINK_CHECK_MAX_BYTES = env.int("PORTAL_LINK_CHECK_MAX_BYTES", default=2 * 1024 * 1024)
# A logo must be square and at least this many pixels wide (SVG: no size check).
PORTAL_LINK_CHECK_LOGO_MIN_PIXELS = env.int("PORTAL_LINK_CHECK_LOGO_MIN_PIXELS", default=128)
PORTAL_LINK_CHECK_LOGO_TYPES = env.list(
    "PORTAL_LINK_CHECK_LOGO_TYPES",
    default=["image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"],
)
# Hosts resolving to loopback, private, link-local, multicast or reserved
# addresses are refused (SSRF); true allows them (local development, tests).
PORTAL_LINK_CHECK_ALLOW_PRIVATE = env.bool("PORTAL_LINK_CHECK_ALLOW_PRIVATE", default=False)
# `check_links` re-checks a URL when its last check is older than this.
PORTAL_LINK_CHECK_MAX_AGE_HOURS = env.int("PORTAL_LINK_CHECK_MAX_AGE_HOURS", default=24)
# HTTP exchanges kept per dashboard connection (redacted); older ones are deleted. 0 records none.
PORTAL_EXCHANGES_KEPT = env.int("PORTAL_EXCHANGES_KEPT", default=200)
# How long a server's RFC 8414 metadata (or the lack of it) is cached, in seconds.
PORTAL_SERVER_METADATA_SECONDS = env.int("PORTAL_SERVER_METADATA_SECONDS", default=3600)

# EMAIL AND NOTIFICATIONS (core/notifications.py)
# ------------------------------------------------------------------------------
# Development prints emails on the console; production sends through the SMTP
# server in EMAIL_URL (smtp+tls://user:password@host:587); the test suite uses
# Django's in-memory outbox whatever is set here.


def email_settings(url: str) -> dict[str, object]:
    """Django's EMAIL_* settings from one URL (django-environ's email_url schemes)."""
    parsed = environ.Env.email_url_config(url)
    return {
        "EMAIL_BACKEND": parsed["EMAIL_BACKEND"],
        "EMAIL_HOST": parsed.get("EMAIL_HOST") or "localhost",
        "EMAIL_PORT": parsed.get("EMAIL_PORT") or 25,
        "EMAIL_HOST_USER": parsed.get("EMAIL_HOST_USER") or "",
        "EMAIL_HOST_PASSWORD": parsed.get("EMAIL_HOST_PASSWORD") or "",
        "EMAIL_USE_TLS": bool(parsed.get("EMAIL_USE_TLS")),
        "EMAIL_USE_SSL": bool(parsed.get("EMAIL_USE_SSL")),
    }


globals().update(email_settings(env.str("EMAIL_URL", default="consolemail://")))
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="Partner Registration Portal <portal@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
# Partner managers who receive retrieval reminders and overdue notices, besides the owner.
PORTAL_MANAGER_EMAILS = env.list("PORTAL_MANAGER_EMAILS", default=[])
# Reminders go out this many days before a retrieval deadline (one per threshold).
PORTAL_REMINDER_DAYS = sorted({int(day) for day in env.list("PORTAL_REMINDER_DAYS", default=["3", "1"])})

# PROMOTION AND MONITORING
# ------------------------------------------------------------------------------
# The readiness report wants a successful test call on the staging counterpart
# within this many days.
PORTAL_STAGING_EVIDENCE_DAYS = env.int("PORTAL_STAGING_EVIDENCE_DAYS", default=30)
# probe_connections probes a monitored connection when its last probe is older than this.
PORTAL_PROBE_INTERVAL_MINUTES = env.int("PORTAL_PROBE_INTERVAL_MINUTES", default=60)

# SANDBOX AUTHORIZATION SERVER (django-oauth-toolkit)
# ------------------------------------------------------------------------------
# The built-in sandbox under /sandbox/ (sandbox). On by default for local
# use and tests; production settings default it to off. When off, every sandbox
# URL answers 404.
PORTAL_SANDBOX_ENABLED = env.bool("PORTAL_SANDBOX_ENABLED", default=True)
# Where the sandbox is served: its issuer, and the base of every URL the portal
# (the server catalog's sandbox entry, core/servers.py) and a browser use for it.
# Empty: this server's own PORTAL_BASE_URL/sandbox. `make serve` runs the sandbox
# in its own gunicorn (docs/operations/deploying.md), so that the portal's
# requests never wait for a thread of their own pool.
PORTAL_SANDBOX_URL = env("PORTAL_SANDBOX_URL", default="").rstrip("/")
# Lifetime of sandbox access tokens (Pleo's are short-lived too).
PORTAL_SANDBOX_ACCESS_TOKEN_SECONDS = env.int("PORTAL_SANDBOX_ACCESS_TOKEN_SECONDS", default=600)
# Requests to the open registration endpoint (/sandbox/oauth/register) one client
# address may make in a clock hour (behind PORTAL_TRUSTED_PROXIES, the forwarded
# address); above it, 429 with Retry-After. Counted in the cache: set REDIS_URL when
# more than one process serves the sandbox. 0 turns the limit off.
PORTAL_SANDBOX_REGISTRATIONS_PER_HOUR = env.int("PORTAL_SANDBOX_REGISTRATIONS_PER_HOUR", default=20)
OAUTH2_PROVIDER = {
    # Authorization code + refresh only, PKCE with S256 only, exact redirect URIs.
    "OAUTH2_SERVER_CLASS": "sandbox.oauth.SandboxServer",
    "OAUTH2_VALIDATOR_CLASS": "sandbox.oauth.SandboxValidator",
    "SCOPES_BACKEND_CLASS": "sandbox.scopes.CatalogScopes",
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": PORTAL_SANDBOX_ACCESS_TOKEN_SECONDS,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    # Consent on every authorization (the authorize view ignores `approval_prompt`).
    "REQUEST_APPROVAL_PROMPT": "force",
    # Client secrets are 256-bit random values: one salted HMAC-SHA256, not PBKDF2
    # (sandbox/hashers.py says why).
    "CLIENT_SECRET_HASHER": "sandbox_hmac_sha256",
    # Refresh tokens rotate on every refresh; replaying a spent one revokes the
    # whole token family (that authorization's tokens), with no grace period.
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    # Redirect URIs are checked by the portal's validators and matched exactly by
    # the sandbox; the scheme check on the final redirect is per client (views.py),
    # so DOT's global list only needs https (and `check --deploy` stays clean).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOW_URI_WILDCARDS": False,
    # RFC 9700 gates: enforce the compliant behaviour (no implicit/password grant,
    # no `plain` PKCE, no token in the query string, `iss` on responses, tokens
    # stored hashed) and make insecure settings deploy-check errors.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# PLEO AUTHORIZATION SERVERS AND APIS (the server catalog, core/servers.py)
# ------------------------------------------------------------------------------
PLEO_STAGING_AUTH_URL = env("PLEO_STAGING_AUTH_URL", default="https://auth.staging.pleo.io")
PLEO_STAGING_API_URL = env("PLEO_STAGING_API_URL", default="https://external.staging.pleo.io")
PLEO_PRODUCTION_AUTH_URL = env("PLEO_PRODUCTION_AUTH_URL", default="https://auth.pleo.io")
PLEO_PRODUCTION_API_URL = env("PLEO_PRODUCTION_API_URL", default="https://external.pleo.io")
