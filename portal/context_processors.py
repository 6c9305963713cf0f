from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, object]:
    """What every portal page may show: whether the sandbox is on."""
    return {"sandbox_enabled": settings.PORTAL_SANDBOX_ENABLED}
