"""System checks for the portal's own settings (ids in the portal's namespace).

Settings modules import no code of the project's apps, so a value that needs that code to
be judged is judged here: `manage.py check`, runserver and gunicorn's start
(portal/gunicorn_conf.py) refuse it with the setting's name, instead of an import error.
"""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .encryption import EncryptionKeyError, get_multifernet
from .http import trusted_networks
from .servers import SANDBOX_PREFIX

BASE_URL_NOT_HTTPS = (
    "PORTAL_BASE_URL is http://: the dashboard's OAuth callback and the sandbox issuer would be "
    "plain HTTP. Set it to the portal's https:// address."
)
LOGIN_THROTTLE_INVALID = "{name} must be a whole number of at least 1; it is {value}."
TRUSTED_PROXIES_INVALID = (
    "PORTAL_TRUSTED_PROXIES: {error}. List the proxies' IP addresses or CIDR blocks, "
    "comma-separated, such as 10.0.0.0/8,192.0.2.7."
)


@register()
def check_encryption_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    try:
        get_multifernet()
    except EncryptionKeyError as exc:
        return [Error(str(exc), id="portal.E001")]
    return []


@register()
def check_portal_base_url(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not settings.PORTAL_BASE_URL.startswith(("http://", "https://")):
        return [
            Error(
                "PORTAL_BASE_URL must be an absolute http(s) URL such as http://127.0.0.1:8000.",
                id="portal.E002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_portal_base_url_is_https(app_configs: Any, **kwargs: Any) -> list[Warning]:
    # Authorization codes and tokens reach the portal at this URL: never in clear text in production.
    if settings.PORTAL_BASE_URL.startswith("http://"):
        return [Warning(BASE_URL_NOT_HTTPS, id="portal.W001")]
    return []


@register()
def check_portal_sandbox_url(app_configs: Any, **kwargs: Any) -> list[Error]:
    # The sandbox's URLs are fixed under /sandbox/ on whichever server runs it.
    url = settings.PORTAL_SANDBOX_URL
    if url and not (url.startswith(("http://", "https://")) and url.endswith(SANDBOX_PREFIX)):
        return [
            Error(
                "PORTAL_SANDBOX_URL must be empty or an absolute http(s) URL ending in /sandbox, "
                "such as http://127.0.0.1:8001/sandbox.",
                id="portal.E003",
            )
        ]
    return []


@register()
def check_trusted_proxies(app_configs: Any, **kwargs: Any) -> list[Error]:
    # Read on every request that records a client address: a bad entry would fail each of them.
    try:
        trusted_networks(settings.PORTAL_TRUSTED_PROXIES)
    except ValueError as error:
        return [Error(TRUSTED_PROXIES_INVALID.format(error=error), id="portal.E005")]
    return []


@register()
def check_login_throttle(app_configs: Any, **kwargs: Any) -> list[Error]:
    # No failure limit would lock out every login; no cool-off would lock out for good.
    return [
        Error(LOGIN_THROTTLE_INVALID.format(name=name, value=getattr(settings, name)), id="portal.E006")
        for name in ("PORTAL_LOGIN_FAILURE_LIMIT", "PORTAL_LOGIN_COOLOFF_MINUTES")
        if getattr(settings, name) < 1
    ]
