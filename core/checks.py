"""System checks for the portal's own settings (ids in the portal's namespace)."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .encryption import EncryptionKeyError, get_multifernet
from .servers import SANDBOX_PREFIX

BASE_URL_NOT_HTTPS = (
    "PORTAL_BASE_URL is http://: the dashboard's OAuth callback and the sandbox issuer would be "
    "plain HTTP. Set it to the portal's https:// address."
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
